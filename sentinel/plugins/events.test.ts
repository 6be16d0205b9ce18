import { randomUUID } from "node:crypto";
import fs from "node:fs";
import { Writable } from "node:stream";
import { RedisEventBus } from "@tgsentinel/contract/event-bus.ts";
import type { EventMessage } from "@tgsentinel/contract/events.ts";
import { afterEach, describe, expect, it } from "vitest";
import { authHeaders, buildTestApp, type TestApp } from "../testing/sentinel-fixture.ts";
import { telethonSessionFile } from "../testing/session-files.ts";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function importSession(t: TestApp) {
  const bytes = fs.readFileSync(telethonSessionFile(t.dir, "events.session"));
  return t.app.inject({
    method: "POST",
    url: "/api/session/import",
    headers: { ...authHeaders(), "content-type": "application/json" },
    payload: { session_data: bytes.toString("base64") },
  });
}

describe("sentinel events", () => {
  it("publishes session_updated and worker_status on Redis after an import", async () => {
    const prefix = `test-${randomUUID()}:tgsentinel:`;
    const listener = new RedisEventBus({ url: REDIS_URL, prefix });
    const received: EventMessage[] = [];
    listener.subscribe("session_updated", (m) => received.push(m));
    listener.subscribe("worker_status", (m) => received.push(m));
    await listener.ready();
    const t = await buildTestApp({ env: { REDIS_URL, REDIS_KEY_PREFIX: prefix } });
    cleanups.push(async () => {
      await t.close();
      await listener.close();
    });

    const response = await importSession(t);
    expect(response.statusCode).toBe(200);
    const deadline = Date.now() + 5_000;
    while (received.filter((m) => m.type === "session_updated").length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const updated = received.find((m) => m.type === "session_updated");
    expect(updated?.data).toEqual({
      action: "imported",
      session_path: t.config.sessionPath,
      size: response.json().data.size,
      imported_at: response.json().data.imported_at,
    });
    // The gateway's status change (authorized by the recording gateway) went out before it.
    const status = received.find((m) => m.type === "worker_status");
    expect(status?.data).toMatchObject({
      authorized: true,
      connected: true,
      session_present: true,
      session_imported_at: response.json().data.imported_at,
    });
    expect(received.indexOf(status!)).toBeLessThan(received.indexOf(updated!));
  });

  it("still imports when Redis is down, logging the event as lost", async () => {
    const lines: string[] = [];
    const logDestination = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(String(chunk));
        callback();
      },
    });
    const t = await buildTestApp({
      env: { REDIS_URL: "redis://127.0.0.1:1", REDIS_KEY_PREFIX: `test-${randomUUID()}:` },
      logDestination,
    });
    cleanups.push(() => t.close());
    const response = await importSession(t);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ status: "ok", message: "Session imported successfully" });
    expect(fs.existsSync(t.config.sessionPath)).toBe(true);
    const lost = lines
      .map((l) => JSON.parse(l))
      .filter((l) => l.msg === "event lost: the event bus is unavailable");
    expect(lost.map((l) => l.event)).toContain("session_updated");

    const status = await t.app.inject({ method: "GET", url: "/api/status", headers: authHeaders() });
    expect(status.statusCode).toBe(200);
    expect(status.json().data).toMatchObject({
      authorized: true,
      session: { dc_id: 2 },
      rate_limit: { store: "redis" },
    });
    expect(status.json().data.rate_limit.error).toMatch(/unavailable/);
  });
});
