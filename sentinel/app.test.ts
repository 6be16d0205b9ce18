import fs from "node:fs";
import net from "node:net";
import { MemoryEventBus } from "@tgsentinel/contract/event-bus.ts";
import type { EventMessage } from "@tgsentinel/contract/events.ts";
import { MemoryTtlStore } from "@tgsentinel/contract/ttl-store.ts";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildSentinelApp } from "./app.ts";
import { MISSING_CREDENTIALS } from "./plugins/telegram.ts";
import { parseGramJsSession } from "./session/gramjs-session.ts";
import { prepareSessionImport } from "./session/session-import.ts";
import { SessionStore } from "./session/session-store.ts";
import { recordFloodWait } from "./telegram/flood-waits.ts";
import {
  authHeaders,
  buildTestApp,
  makeTempDir,
  type TestApp,
  testConfig,
} from "./testing/sentinel-fixture.ts";
import { authKeyFrom, telethonSessionFile } from "./testing/session-files.ts";

describe("the sentinel app (inject)", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
    t.app.get("/api/test-crash", async () => {
      throw new Error("database password is hunter2");
    });
    t.app.post("/api/test-echo", async (request) => request.body);
    await t.app.ready();
  });
  afterAll(async () => {
    await t.close();
  });

  it("answers health without a token, in the seed's shape", async () => {
    const response = await t.app.inject({ method: "GET", url: "/api/health" });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toEqual({ status: "ok", service: "tgsentinel", timestamp: expect.any(String) });
    expect(Date.parse(body.timestamp)).not.toBeNaN();
  });

  it.each([
    ["no token", {}],
    ["a wrong token", authHeaders("wrong-token-of-another-length")],
    ["a wrong token of the same length", authHeaders("X".repeat(27))],
    ["another scheme", { authorization: `Basic ${Buffer.from("a:b").toString("base64")}` }],
  ])("refuses %s with 401 UNAUTHORIZED", async (_label, headers) => {
    const response = await t.app.inject({ method: "GET", url: "/api/status", headers });
    expect(response.statusCode).toBe(401);
    expect(response.headers["www-authenticate"]).toMatch(/^Bearer/);
    expect(response.json()).toEqual({
      status: "error",
      code: "UNAUTHORIZED",
      message: "Missing or invalid bearer token",
      data: null,
      error: { code: "UNAUTHORIZED", message: "Missing or invalid bearer token" },
    });
  });

  it("accepts the right token, and asks for it on unknown routes too", async () => {
    expect(
      (await t.app.inject({ method: "GET", url: "/api/status", headers: authHeaders() })).statusCode,
    ).toBe(200);
    expect((await t.app.inject({ method: "GET", url: "/api/nothing-here" })).statusCode).toBe(401);
  });

  it("answers unknown routes with a 404 envelope, never HTML", async () => {
    const response = await t.app.inject({
      method: "GET",
      url: "/api/nothing-here?x=1",
      headers: authHeaders(),
    });
    expect(response.statusCode).toBe(404);
    expect(response.headers["content-type"]).toMatch(/^application\/json/);
    expect(response.json()).toMatchObject({
      status: "error",
      code: "NOT_FOUND",
      message: "Route GET /api/nothing-here not found",
    });
  });

  it("answers malformed and empty JSON with 400 INVALID_JSON", async () => {
    for (const payload of ['{"session_data": ', ""]) {
      const response = await t.app.inject({
        method: "POST",
        url: "/api/session/import",
        headers: { ...authHeaders(), "content-type": "application/json" },
        payload,
      });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({
        status: "error",
        code: "INVALID_JSON",
        error: { code: "INVALID_JSON" },
      });
    }
  });

  it("answers other content types with 415", async () => {
    for (const type of ["text/plain", "application/xml", "application/x-www-form-urlencoded"]) {
      const response = await t.app.inject({
        method: "POST",
        url: "/api/session/import",
        headers: { ...authHeaders(), "content-type": type },
        payload: "session_data=AAAA",
      });
      expect(response.statusCode).toBe(415);
      expect(response.json()).toMatchObject({ code: "UNSUPPORTED_MEDIA_TYPE" });
    }
  });

  it("answers an internal failure with a bare 500 INTERNAL_ERROR (no message, no stack)", async () => {
    const response = await t.app.inject({ method: "GET", url: "/api/test-crash", headers: authHeaders() });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({
      status: "error",
      code: "INTERNAL_ERROR",
      message: "Internal server error",
      data: null,
      error: { code: "INTERNAL_ERROR", message: "Internal server error" },
    });
    expect(response.body).not.toMatch(/hunter2|at |\.ts/);
  });

  it("answers a body over the 1 MiB limit of ordinary routes with 413 PAYLOAD_TOO_LARGE", async () => {
    const response = await t.app.inject({
      method: "POST",
      url: "/api/test-echo",
      headers: { ...authHeaders(), "content-type": "application/json" },
      payload: JSON.stringify({ text: "x".repeat(1024 * 1024) }),
    });
    expect(response.statusCode).toBe(413);
    expect(response.json()).toMatchObject({
      status: "error",
      code: "PAYLOAD_TOO_LARGE",
      error: { code: "PAYLOAD_TOO_LARGE" },
    });
  });

  it("answers a malformed HTTP request with a JSON 400", async () => {
    const address = await t.app.listen({ host: "127.0.0.1", port: 0 });
    const { port } = new URL(address);
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(port), "127.0.0.1", () =>
        socket.write("GET /api/health HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n"),
      );
      let data = "";
      socket.on("data", (chunk) => {
        data += chunk;
      });
      socket.on("end", () => resolve(data));
      socket.on("error", reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400/);
    expect(raw).toMatch(/content-type: application\/json/i);
    expect(JSON.parse(raw.slice(raw.indexOf("\r\n\r\n") + 4))).toMatchObject({
      status: "error",
      code: "BAD_REQUEST",
    });
  });

  it("answers a malformed URL with the envelope", async () => {
    const response = await t.app.inject({ method: "GET", url: "/api/%zz", headers: authHeaders() });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ status: "error", code: "BAD_REQUEST" });
  });

  it("echoes a sane x-request-id and generates one otherwise", async () => {
    const echoed = await t.app.inject({
      method: "GET",
      url: "/api/health",
      headers: { "x-request-id": "ui-req-42" },
    });
    expect(echoed.headers["x-request-id"]).toBe("ui-req-42");
    const replaced = await t.app.inject({
      method: "GET",
      url: "/api/health",
      headers: { "x-request-id": "bad id\nwith newline" },
    });
    expect(replaced.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    const unauthorized = await t.app.inject({
      method: "GET",
      url: "/api/status",
      headers: { "x-request-id": "ui-req-43" },
    });
    expect(unauthorized.headers["x-request-id"]).toBe("ui-req-43");
  });

  it("reports status with flood waits from the TTL store and the API limit", async () => {
    await recordFloodWait(t.app.ttl, "messages.GetHistory", 120);
    const response = await t.app.inject({ method: "GET", url: "/api/status", headers: authHeaders() });
    const body = response.json();
    expect(body).toMatchObject({
      status: "ok",
      error: null,
      data: {
        authorized: false,
        connected: false,
        user_info: null,
        last_sync: null,
        last_error: null,
        session: null,
        rate_limit: { api: { max: 300, time_window_ms: 60_000 }, store: "memory" },
      },
    });
    expect(body.data.rate_limit.flood_waits).toEqual([
      { method: "messages.GetHistory", seconds_left: expect.any(Number), until: expect.any(String) },
    ]);
    expect(body.data.rate_limit.flood_waits[0].seconds_left).toBeGreaterThan(110);
  });
});

describe("session lifecycle", () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  it("starts the gateway from the stored session on start, and DELETE /api/session logs out", async () => {
    const dir = makeTempDir();
    const key = authKeyFrom("stored");
    const config = testConfig(dir);
    const prepared = await prepareSessionImport(
      telethonSessionFile(dir, "stored.session", { authKey: key, dcId: 3 }),
    );
    await new SessionStore(config.sessionPath).write(prepared.document);

    const bus = new MemoryEventBus();
    const received: EventMessage[] = [];
    bus.subscribe("session_updated", (m) => received.push(m));
    bus.subscribe("worker_status", (m) => received.push(m));
    const t = await buildTestApp({ dir, bus, ttl: new MemoryTtlStore() });
    cleanups.push(async () => {
      await t.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });
    await t.app.ready();

    expect(t.gateway.starts).toHaveLength(1);
    expect((await parseGramJsSession(t.gateway.starts[0]!.sessionString)).authKey.equals(key)).toBe(true);
    const status = (await t.app.inject({ method: "GET", url: "/api/status", headers: authHeaders() })).json();
    expect(status.data).toMatchObject({
      authorized: true,
      connected: true,
      user_info: { username: "analyst", first_name: "Ann", user_id: 123456789 },
      session: { dc_id: 3, source_format: "telethon", key_fingerprint: prepared.keyFingerprint },
      session_present: true,
      session_imported_at: prepared.document.imported_at,
    });
    // The status published when the gateway came up already knew of the stored session.
    expect(received.filter((m) => m.type === "worker_status").at(-1)?.data).toMatchObject({
      authorized: true,
      session_present: true,
      session_imported_at: prepared.document.imported_at,
    });

    const response = await t.app.inject({ method: "DELETE", url: "/api/session", headers: authHeaders() });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      status: "ok",
      message: "Session removed",
      data: { removed: true },
    });
    expect(fs.existsSync(config.sessionPath)).toBe(false);
    expect(t.gateway.stops).toBe(1);
    await new Promise((r) => setImmediate(r));
    const removed = received.find((m) => m.type === "session_updated");
    expect(removed?.data).toMatchObject({ action: "removed", session_path: config.sessionPath });
    const lastStatus = received.filter((m) => m.type === "worker_status").at(-1);
    expect(lastStatus?.data).toMatchObject({
      authorized: false,
      connected: false,
      session_present: false,
      session_imported_at: null,
    });

    const again = await t.app.inject({ method: "DELETE", url: "/api/session", headers: authHeaders() });
    expect(again.json()).toMatchObject({ message: "No session was stored", data: { removed: false } });
  });

  it("without API credentials reports not authorized with a clear last_error, and still imports", async () => {
    const dir = makeTempDir();
    const config = testConfig(dir);
    const app = await buildSentinelApp({ config, logDestination: false });
    cleanups.push(async () => {
      await app.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });
    const before = (await app.inject({ method: "GET", url: "/api/status", headers: authHeaders() })).json();
    expect(before.data).toMatchObject({
      authorized: false,
      connected: false,
      last_error: MISSING_CREDENTIALS,
      session_present: false,
      session_imported_at: null,
    });
    const file = fs.readFileSync(telethonSessionFile(dir, "idle.session"));
    const imported = await app.inject({
      method: "POST",
      url: "/api/session/import",
      headers: { ...authHeaders(), "content-type": "application/json" },
      payload: { session_data: file.toString("base64") },
    });
    expect(imported.statusCode).toBe(200);
    const after = (await app.inject({ method: "GET", url: "/api/status", headers: authHeaders() })).json();
    // Imported but not authorized: what tells "no session" from "session refused or connecting".
    expect(after.data).toMatchObject({
      authorized: false,
      last_error: MISSING_CREDENTIALS,
      session: { dc_id: 2 },
      session_present: true,
      session_imported_at: imported.json().data.imported_at,
    });
  });
});
