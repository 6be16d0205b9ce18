import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { startTestDc, type TestDc } from "../../tools/testdc/server.ts";
import { readTelegramExport } from "../export/telegram-export.ts";
import { GramjsGateway } from "../telegram/gramjs-gateway.ts";
import { authHeaders, buildTestApp, makeTempDir, type TestApp } from "../testing/sentinel-fixture.ts";

const SAMPLE_EXPORT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../samples/export/result.json",
);

let t: TestApp | undefined;
let dc: TestDc | undefined;
let dir: string | undefined;

afterEach(async () => {
  await t?.close();
  await dc?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  t = dc = dir = undefined;
});

async function get(app: TestApp["app"], url: string) {
  const response = await app.inject({ method: "GET", url, headers: authHeaders() });
  expect(response.statusCode).toBe(200);
  return response.json().data;
}

async function waitFor<T>(
  probe: () => Promise<T | false | undefined> | T | false | undefined,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe("ingestion plugin, /api/chats and /api/stats", () => {
  it("replays a Telegram Desktop export (TG_SOURCE=export:…) through the same ingestion path", async () => {
    const expected = await readTelegramExport(SAMPLE_EXPORT);
    const excluded = expected.chats[0]!;
    t = await buildTestApp({
      gateway: undefined,
      env: { TG_SOURCE: `export:${SAMPLE_EXPORT}` },
      yaml: `chats:\n  exclude: [${JSON.stringify(excluded.title)}]\n`,
    });
    await t.app.ready();
    const kept = expected.messages.filter((m) => m.chatId !== excluded.id);
    expect(kept.length).toBeGreaterThan(5);

    // The rows are committed by the writer thread a moment before the main thread counts them.
    const stats = await waitFor(async () => {
      const data = await get(t!.app, "/api/stats");
      return data.messages_ingested === kept.length &&
        data.ingestion.messages_ingested === kept.length &&
        data.ingestion.backfill.state === "done"
        ? data
        : false;
    }, "every message of the export stored and counted");
    expect(stats.ingestion).toMatchObject({ source: "export", messages_ingested: kept.length });
    expect(await t.app.prisma.message.count({ where: { chatId: excluded.id } })).toBe(0);

    const status = await get(t.app, "/api/status");
    expect(status).toMatchObject({ authorized: true, connected: true, user_info: { username: "export" } });

    const { chats } = await get(t.app, "/api/chats");
    expect(chats).toHaveLength(expected.chats.length);
    for (const chat of expected.chats) {
      const listed = chats.find((c: { id: string }) => c.id === chat.id);
      expect(listed).toMatchObject({
        title: chat.title,
        type: chat.type,
        included: chat.id !== excluded.id,
        message_count: chat.id === excluded.id ? 0 : kept.filter((m) => m.chatId === chat.id).length,
      });
    }
    // A message's stored form is the reader's NormalizedMessage.
    const sample = kept.at(-1)!;
    const row = await t.app.prisma.message.findUniqueOrThrow({
      where: { chatId_messageId: { chatId: sample.chatId, messageId: sample.messageId } },
    });
    expect(row).toMatchObject({
      text: sample.text,
      link: sample.link,
      mentionsMe: sample.mentionsMe,
      date: sample.date,
    });
  });

  it("end to end with the test DC: session import → authorized, 50 pushed messages in /api/stats, revoke → authorized:false", async () => {
    dir = makeTempDir("sentinel-e2e-");
    const sessionFile = path.join(dir, "testdc.session");
    dc = await startTestDc({
      user: { id: 5550001, username: "olga", firstName: "Olga" },
      sessionOut: sessionFile,
    });
    t = await buildTestApp({
      // The production gateway, with a short keepalive so a revoked key shows within a second.
      gateway: (context) =>
        new GramjsGateway({
          apiId: 12345,
          apiHash: "0123456789abcdef0123456789abcdef",
          log: context.log,
          ttlStore: context.ttl,
          keepaliveMs: 300,
        }),
    });
    const baseUrl = await t.app.listen({ host: "127.0.0.1", port: 0 });

    const form = new FormData();
    form.append("session_file", new Blob([fs.readFileSync(sessionFile)]), "testdc.session");
    const imported = await fetch(`${baseUrl}/api/session/import`, {
      method: "POST",
      headers: authHeaders(),
      body: form,
    });
    expect(imported.status).toBe(200);

    const status = await waitFor(async () => {
      const data = await get(t!.app, "/api/status");
      return data.authorized ? data : false;
    }, "authorized after the import");
    expect(status).toMatchObject({
      connected: true,
      user_info: { user_id: 5550001, username: "olga", first_name: "Olga" },
    });

    const control = `http://127.0.0.1:${dc.controlPort}`;
    for (let i = 1; i <= 50; i += 1) {
      const chat =
        i % 2 === 0
          ? { id: 1_700_000_001, title: "Market News", type: "channel" }
          : { id: 1_700_000_002, title: "Team Room", type: "supergroup" };
      const pushed = await fetch(`${control}/messages`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ chat, sender: { id: 4242, first_name: "Alice" }, text: `message ${i}` }),
      });
      expect(pushed.status).toBe(200);
    }
    const stats = await waitFor(async () => {
      const data = await get(t!.app, "/api/stats");
      return data.messages_ingested === 50 ? data : false;
    }, "50 messages in /api/stats");
    expect(stats.per_chat.map((c: { messages: number }) => c.messages)).toEqual([25, 25]);
    const { chats } = await get(t.app, "/api/chats");
    expect(chats.map((c: { title: string }) => c.title).sort()).toEqual(["Market News", "Team Room"]);

    // A short flood wait is slept through inside GramJS (below floodSleepThreshold); the gateway
    // still records it, so /api/status shows it while it lasts.
    await fetch(`${control}/flood-wait`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ seconds: 2 }),
    });
    const flooded = await waitFor(
      async () => {
        const data = await get(t!.app, "/api/status");
        return data.rate_limit.flood_waits.length > 0 ? data : false;
      },
      "the flood wait in /api/status",
      3_000,
    );
    expect(flooded.rate_limit.flood_waits[0]).toMatchObject({ method: "updates.GetState" });
    expect(Date.parse(flooded.flood_wait_until)).toBeGreaterThan(Date.now());
    await waitFor(
      async () => (await get(t!.app, "/api/status")).rate_limit.flood_waits.length === 0,
      "the flood wait to pass",
      4_000,
    );

    const revokedAt = Date.now();
    expect((await fetch(`${control}/revoke`, { method: "POST" })).status).toBe(200);
    const after = await waitFor(
      async () => {
        const data = await get(t!.app, "/api/status");
        return data.authorized ? false : data;
      },
      "authorized:false after the revoke",
      5_000,
    );
    const tookMs = Date.now() - revokedAt;
    expect(tookMs).toBeLessThan(3_000);
    expect(after.last_error).toMatch(/AUTH_KEY_UNREGISTERED/);
    console.info(`revoke → authorized:false in ${tookMs} ms`);
  });
});
