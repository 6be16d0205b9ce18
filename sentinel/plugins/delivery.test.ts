/**
 * Alert delivery against the local MTProto test DC (tools/testdc) through the production GramJS
 * gateway: messages pushed by the DC become alerts through ingestion and scoring, and the alerts
 * go out with messages.sendMessage, paced, in order, surviving a flood wait, into Saved
 * Messages or to "@username"; the account's own copies never alert again.
 */
import fs from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { MemoryEventBus } from "@tgsentinel/contract/event-bus.ts";
import { MemoryTtlStore } from "@tgsentinel/contract/ttl-store.ts";
import { afterEach, describe, expect, it } from "vitest";
import { startTestDc, type TestDc } from "../../tools/testdc/server.ts";
import { DELIVERY_HEADER } from "../delivery/alert-message.ts";
import { GramjsGateway, type GramjsGatewayOptions } from "../telegram/gramjs-gateway.ts";
import { chatMessage, getJson, sendJson } from "../testing/alerting-fixture.ts";
import { authHeaders, buildTestApp, makeTempDir, type TestApp } from "../testing/sentinel-fixture.ts";
import type { DeliveryTuning } from "./delivery.ts";

const OWNER = { id: 5550001, username: "olga", firstName: "Olga" };
const CHANNEL = { id: 1_700_000_001, title: "Security Feed", type: "channel" as const };

/** The production gateway, noting when each send started and completed. */
class TimedGateway extends GramjsGateway {
  readonly sent: Array<{ peer: string; at: number; done: number }> = [];
  override async sendMessage(peer: string, text: string): Promise<{ messageId: number }> {
    const at = performance.now();
    const result = await super.sendMessage(peer, text);
    this.sent.push({ peer, at, done: performance.now() });
    return result;
  }
}

/** The alerts' texts in id order: the order delivery must keep. */
async function alertTexts(app: TestApp["app"]): Promise<string[]> {
  return (await app.prisma.alert.findMany({ orderBy: { id: "asc" } })).map((a) => a.text);
}

let t: TestApp | undefined;
let dc: TestDc | undefined;
let dir: string | undefined;
afterEach(async () => {
  await t?.close();
  await dc?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  t = dc = dir = undefined;
});

async function waitFor<T>(
  probe: () => Promise<T | false> | T | false,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A DC, an app on it with `delivery` settings, the session imported and authorized, profiles set. */
async function connectedApp(
  deliveryYaml: string,
  tuning: DeliveryTuning,
  gatewayOptions: Partial<GramjsGatewayOptions> = {},
) {
  dir = makeTempDir("delivery-dc-");
  const sessionFile = path.join(dir, "testdc.session");
  dc = await startTestDc({ user: OWNER, sessionOut: sessionFile });
  let gateway: TimedGateway | undefined;
  t = await buildTestApp({
    yaml: [
      "alerts:",
      "  per_chat_per_hour: 1000",
      "  per_profile_per_hour: 1000",
      `  delivery: ${deliveryYaml}`,
      "api_rate_limit: { max: 100000 }",
      "",
    ].join("\n"),
    bus: new MemoryEventBus(),
    ttl: new MemoryTtlStore(),
    digestTimer: false,
    retentionTimer: false,
    delivery: tuning,
    gateway: (context) => {
      gateway = new TimedGateway({
        apiId: 12345,
        apiHash: "0123456789abcdef0123456789abcdef",
        log: context.log,
        ttlStore: context.ttl,
        ...gatewayOptions,
      });
      return gateway;
    },
  });
  await t.app.ready();
  const imported = await t.app.inject({
    method: "POST",
    url: "/api/session/import",
    headers: { ...authHeaders(), "content-type": "application/json" },
    payload: JSON.stringify({ session_data: fs.readFileSync(sessionFile).toString("base64") }),
  });
  expect(imported.statusCode).toBe(200);
  await waitFor(() => t!.app.telegram.status().authorized || false, "authorized");
  expect(
    (await sendJson(t.app, "PUT", "/api/profiles", [{ name: "security", keywords: ["breach"] }])).status,
  ).toBe(200);
  return { app: t.app, dc, gateway: gateway! };
}

describe("alert delivery through the test DC", () => {
  it("sends 100 alerts to Saved Messages paced at max_per_minute, in order, none lost, none alerting again", async () => {
    // 20 per "minute" of 500 ms: one send every 25 ms.
    const { app, dc, gateway } = await connectedApp("{ mode: saved, max_per_minute: 20 }", { minuteMs: 500 });
    const before = dc.state().calls["messages.SendMessage"] ?? 0;
    for (let i = 1; i <= 100; i += 1) dc.pushMessage({ chat: CHANNEL, text: `breach report #${i}` });
    await waitFor(async () => (await app.prisma.alert.count()) === 100 || false, "100 alerts");
    await waitFor(() => gateway.sent.length === 100 || false, "100 sends", 15_000);
    await app.delivery.idle();

    // When each send started: the bucket lets one through every 25 ms (timers may fire a
    // millisecond early).
    const at = gateway.sent.map((s) => s.at);
    const gaps = at.slice(1).map((v, i) => v - at[i]!);
    const span = at.at(-1)! - at[0]!;
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(23);
    expect(span).toBeGreaterThanOrEqual(99 * 25 - 30);
    expect(span).toBeLessThan(99 * 25 * 2.5);
    for (const t0 of at) expect(at.filter((v) => v >= t0 && v < t0 + 500).length).toBeLessThanOrEqual(21);
    const roundTrips = gateway.sent.map((s) => s.done - s.at).sort((a, b) => a - b);
    console.info(
      `delivery pacing: 100 sends in ${Math.round(span)} ms (configured 25 ms apart); gaps min ${Math.min(...gaps).toFixed(1)} ms, median ${[...gaps].sort((a, b) => a - b)[49]!.toFixed(1)} ms, max ${Math.max(...gaps).toFixed(1)} ms; sendMessage round trip median ${roundTrips[49]!.toFixed(1)} ms`,
    );

    // What the DC stored in the account's Saved Messages, oldest first.
    expect((dc.state().calls["messages.SendMessage"] ?? 0) - before).toBe(100);
    expect(dc.state().messages_by_chat[`user:${OWNER.id}`]).toBe(100);
    const saved = await app.telegram.fetchHistory(String(OWNER.id), { minId: 0, limit: 150 });
    expect(saved).toHaveLength(100);
    const alerts = await app.prisma.alert.findMany({ orderBy: { id: "asc" } });
    expect(new Set(alerts.map((a) => a.text)).size).toBe(100);
    saved.forEach((message, i) => {
      const lines = message.text.split("\n");
      expect(lines[0]).toBe(`${DELIVERY_HEADER} · security · score 1`);
      expect(lines[1]).toBe("Security Feed");
      expect(lines[3]).toBe(alerts[i]!.text);
      expect(lines[5]).toBe(`https://t.me/c/1700000001/${alerts[i]!.messageId}`);
    });

    // The account's own copies are never ingested, so nothing alerts twice, not even when a
    // reconnect backfills every dialog, Saved Messages included.
    const backfills = (await getJson(app, "/api/stats")).body.data.backfill.finished_at;
    dc.disconnectAll();
    await waitFor(async () => {
      const backfill = (await getJson(app, "/api/stats")).body.data.backfill;
      return (backfill.state === "done" && backfill.finished_at !== backfills) || false;
    }, "the backfill after the reconnect");
    expect(dc.state().calls["messages.GetHistory"]).toBeGreaterThan(0);
    expect(await app.prisma.message.count({ where: { chatId: String(OWNER.id) } })).toBe(0);
    expect(await app.prisma.alert.count()).toBe(100);
    const stats = (await getJson(app, "/api/stats")).body.data.delivery;
    expect(stats).toMatchObject({ mode: "saved", peer: "me", sent: 100, dropped: 0, failed: 0, queued: 0 });
  }, 30_000);

  it("waits out a flood wait Telegram imposes mid-run, then carries on in order", async () => {
    // flood_sleep_threshold 0: the gateway itself records and waits out the FLOOD_WAIT.
    const { app, dc, gateway } = await connectedApp(
      "{ mode: saved, max_per_minute: 60 }",
      { minuteMs: 600 },
      { floodSleepThreshold: 0 },
    );
    for (let i = 1; i <= 3; i += 1) dc.pushMessage({ chat: CHANNEL, text: `breach early #${i}` });
    await waitFor(() => gateway.sent.length === 3 || false, "3 sends");
    dc.floodWait(2);
    const armedAt = performance.now();
    for (let i = 4; i <= 8; i += 1) dc.pushMessage({ chat: CHANNEL, text: `breach late #${i}` });
    await waitFor(async () => (await app.prisma.alert.count()) === 8 || false, "8 alerts");
    await waitFor(() => gateway.sent.length === 8 || false, "8 sends", 10_000);
    await app.delivery.idle();

    // The first send after the flood wait was armed completed only after the 2 s wait, and the
    // next one started only after that.
    expect(gateway.sent[3]!.done - armedAt).toBeGreaterThanOrEqual(1_900);
    expect(gateway.sent[4]!.at).toBeGreaterThanOrEqual(gateway.sent[3]!.done);
    const saved = await app.telegram.fetchHistory(String(OWNER.id), { minId: 0, limit: 20 });
    expect(saved.map((m) => m.text.split("\n")[3])).toEqual(await alertTexts(app));
    expect(new Set(saved.map((m) => m.text)).size).toBe(8);
    expect(app.delivery.stats()).toMatchObject({ sent: 8, failed: 0, dropped: 0 });
  }, 20_000);

  it("sends to @username (dm mode), resolving the name once", async () => {
    const { app, dc, gateway } = await connectedApp(
      "{ mode: dm, target: '@alerts_bob', max_per_minute: 60 }",
      {
        minuteMs: 600,
      },
    );
    // Bob exists on the DC once he has written to the account.
    dc.pushMessage({
      chat: { id: 4242, type: "user", username: "alerts_bob" },
      sender: { id: 4242, username: "alerts_bob", first_name: "Bob" },
      text: "hi",
    });
    dc.pushMessage({ chat: CHANNEL, text: "breach one" });
    dc.pushMessage({ chat: CHANNEL, text: "breach two" });
    await waitFor(() => gateway.sent.length === 2 || false, "2 sends");
    expect(gateway.sent.map((s) => s.peer)).toEqual(["@alerts_bob", "@alerts_bob"]);
    expect(dc.state().messages_by_chat["user:4242"]).toBe(3);
    expect(dc.state().calls["contacts.ResolveUsername"]).toBe(1);
    const stats = (await getJson(app, "/api/stats")).body.data.delivery;
    expect(stats).toMatchObject({ mode: "dm", peer: "@alerts_bob", sent: 2 });
  }, 20_000);

  it("never ingests the account's own delivered alerts, but still its other messages", async () => {
    const { app } = await connectedApp("{ mode: saved }", {});
    const self = String(OWNER.id);
    const own = (id: number, text: string) =>
      chatMessage(self, id, text, { chatTitle: "Olga", chatType: "user", senderId: self, link: null });
    await app.ingestion.accept(own(900, `${DELIVERY_HEADER} · security · score 1\nSecurity Feed\n\nbreach`));
    await app.ingestion.accept(own(901, "note to self: breach drill on Friday"));
    await app.ingestion.flush();
    const stored = await app.prisma.message.findMany({ where: { chatId: self } });
    expect(stored.map((m) => m.messageId)).toEqual([901]);
  }, 20_000);
});
