import { randomBytes } from "node:crypto";
import type { WorkerStatusData } from "@tgsentinel/contract/events.ts";
import { MemoryTtlStore } from "@tgsentinel/contract/ttl-store.ts";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startTestDc, type TestDc } from "../../tools/testdc/server.ts";
import { MessageIngestion } from "../ingestion/message-ingestion.ts";
import { MessageStore } from "../ingestion/message-store.ts";
import { toGramJsSession } from "../session/gramjs-session.ts";
import { createTempSentinelDb, type TempSentinelDb } from "../testing/temp-sentinel-db.ts";
import type { GatewaySession } from "./gateway.ts";
import { GramjsGateway, type GramjsGatewayOptions } from "./gramjs-gateway.ts";

const OWNER = { id: 5550001, username: "olga", firstName: "Olga" };
const NEWS = { id: 1_700_000_001, title: "Market News", type: "channel", username: "marketnews" } as const;
const TEAM = { id: 1_700_000_002, title: "Team Room", type: "supergroup" } as const;
const ALICE = { id: 4242, username: "alice", first_name: "Alice" };
const API_HASH = "0123456789abcdef0123456789abcdef";

interface LogLine {
  level: string;
  obj: object;
  msg?: string;
}

let dc: TestDc;
let db: TempSentinelDb;
const gateways: GramjsGateway[] = [];
const ingestions: MessageIngestion[] = [];

function sessionOf(testDc: TestDc): GatewaySession {
  return {
    sessionString: testDc.sessionString(),
    dcId: testDc.dcId,
    serverAddress: testDc.host,
    port: testDc.port,
  };
}

function makeGateway(options: Partial<GramjsGatewayOptions> = {}): {
  gateway: GramjsGateway;
  logs: LogLine[];
  statuses: WorkerStatusData[];
} {
  const logs: LogLine[] = [];
  const at = (level: string) => (obj: object, msg?: string) => void logs.push({ level, obj, msg });
  const gateway = new GramjsGateway({
    apiId: 12345,
    apiHash: API_HASH,
    log: { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") },
    reconnect: { baseMs: 100, maxMs: 1_000, factor: 2, jitter: 0.2 },
    ...options,
  });
  gateways.push(gateway);
  const statuses: WorkerStatusData[] = [];
  gateway.onStatus((status) => statuses.push(status));
  return { gateway, logs, statuses };
}

function makeIngestion(gateway: GramjsGateway, maxMessagesPerChat = 200): MessageIngestion {
  const ingestion = new MessageIngestion({
    gateway,
    store: new MessageStore(db.prisma, db.writer),
    chats: { include: [], exclude: [] },
    maxMessagesPerChat,
    log: { debug() {}, info() {}, warn() {}, error() {} },
  });
  ingestion.start();
  ingestions.push(ingestion);
  return ingestion;
}

async function waitFor<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  timeoutMs = 8_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const sockets = () => process.getActiveResourcesInfo().filter((r) => r === "TCPSocketWrap").length;

beforeEach(async () => {
  dc = await startTestDc({ user: OWNER, controlPort: false });
  db = await createTempSentinelDb();
});

afterEach(async () => {
  for (const ingestion of ingestions.splice(0)) await ingestion.close();
  for (const gateway of gateways.splice(0)) await gateway.stop();
  await dc.stop();
  await db.dispose();
});

describe("GramjsGateway against the local MTProto test DC", () => {
  it("dials the session's port, confirms authorization with getState + getMe and reports user_info", async () => {
    const { gateway, statuses } = makeGateway();
    await gateway.start(sessionOf(dc));

    expect(gateway.status()).toMatchObject({
      authorized: true,
      connected: true,
      last_error: null,
      user_info: { user_id: OWNER.id, username: "olga", first_name: "Olga" },
    });
    expect(statuses.at(-1)?.authorized).toBe(true);
    const state = dc.state();
    expect(state.connections).toBe(1);
    expect(state.calls["updates.GetState"]).toBeGreaterThanOrEqual(1);
    expect(state.calls["users.GetUsers"]).toBeGreaterThanOrEqual(1);
  });

  it("ingests messages pushed by the DC exactly once, and edits update the stored row", async () => {
    const { gateway } = makeGateway();
    const ingestion = makeIngestion(gateway);
    await gateway.start(sessionOf(dc));

    const post = dc.pushMessage({ chat: NEWS, text: "Rates are up 2%" });
    dc.pushMessage({ chat: TEAM, sender: ALICE, text: "@olga can you review?" });
    dc.pushMessage({ chat: { id: ALICE.id, type: "user" }, sender: ALICE, text: "are you there?" });
    await waitFor(async () => (await db.prisma.message.count()) === 3, "three stored messages");

    const rows = await db.prisma.message.findMany({ orderBy: { chatId: "asc" } });
    expect(rows.map((r) => [r.chatId, r.text, r.link, r.mentionsMe])).toEqual([
      ["-1001700000001", "Rates are up 2%", `https://t.me/marketnews/${post.id}`, false],
      [
        "-1001700000002",
        "@olga can you review?",
        expect.stringMatching(/^https:\/\/t\.me\/c\/1700000002\/\d+$/),
        true,
      ],
      ["4242", "are you there?", null, false],
    ]);
    expect(rows.find((r) => r.chatId === "4242")).toMatchObject({
      senderId: "4242",
      senderUsername: "alice",
      senderName: "Alice",
    });

    dc.edit("-1001700000001", post.id, "Rates are up 3%");
    await waitFor(
      async () =>
        (await db.prisma.message.findFirst({ where: { chatId: "-1001700000001" } }))?.text ===
        "Rates are up 3%",
      "the edit",
    );
    // The dialog sync and the backfill after connect saw the same messages again: still one row each.
    await waitFor(() => ingestion.stats().backfill.state === "done", "backfill after connect");
    await ingestion.flush();
    expect(await db.prisma.message.count()).toBe(3);
    expect(ingestion.stats().messages_ingested).toBe(3);
    const chats = await ingestion.listChats();
    expect(chats.map((c) => c.title).sort()).toEqual(["Alice", "Market News", "Team Room"]);
  });

  it("recovers a dropped connection and backfills the messages pushed while it was down", async () => {
    // A slow first retry leaves a window in which the DC stores messages nobody receives.
    const { gateway } = makeGateway({ reconnect: { baseMs: 1_500, maxMs: 3_000, factor: 2, jitter: 0 } });
    const ingestion = makeIngestion(gateway);
    await gateway.start(sessionOf(dc));
    for (let i = 1; i <= 2; i += 1) dc.pushMessage({ chat: NEWS, text: `before ${i}` });
    await waitFor(async () => (await db.prisma.message.count()) === 2, "messages before the drop");

    expect(dc.disconnectAll()).toBe(1);
    await waitFor(() => !gateway.status().connected, "the gateway to notice the drop");
    expect(gateway.status().authorized).toBe(true);
    for (let i = 1; i <= 3; i += 1) dc.pushMessage({ chat: NEWS, text: `while down ${i}` });
    dc.pushMessage({ chat: { id: ALICE.id, type: "user" }, sender: ALICE, text: "missed DM" });
    expect(dc.state().connections).toBe(0);

    await waitFor(() => gateway.status().connected, "the reconnect");
    await waitFor(async () => (await db.prisma.message.count()) === 6, "backfilled messages");
    dc.pushMessage({ chat: NEWS, text: "after" });
    await waitFor(async () => (await db.prisma.message.count()) === 7, "live messages after the reconnect");

    const texts = (await db.prisma.message.findMany({ orderBy: { id: "asc" } })).map((m) => m.text);
    expect(texts).toEqual(
      expect.arrayContaining([
        "before 1",
        "before 2",
        "while down 1",
        "while down 2",
        "while down 3",
        "missed DM",
        "after",
      ]),
    );
    expect(new Set(texts).size).toBe(7);
    expect(dc.state().connections).toBe(1);
    expect(ingestion.stats().backfill).toMatchObject({ state: "done" });
  });

  it("turns a revoked key into authorized:false with a clear last_error and stops reconnecting", async () => {
    const { gateway, logs } = makeGateway({ keepaliveMs: 200 });
    await gateway.start(sessionOf(dc));
    expect(gateway.status().authorized).toBe(true);

    dc.revoke();
    const status = await waitFor(
      () => (gateway.status().authorized ? false : gateway.status()),
      "authorized:false",
      5_000,
    );
    expect(status.connected).toBe(false);
    expect(status.user_info).toBeNull();
    expect(status.last_error).toMatch(/AUTH_KEY_UNREGISTERED/);
    expect(status.last_error).toMatch(/import a new session/);
    await waitFor(() => dc.state().connections === 0, "the connection to close");
    const calls = { ...dc.state().calls };
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(dc.state().calls).toEqual(calls);
    expect(dc.state().connections).toBe(0);
    expect(logs.some((l) => l.level === "error" && /AUTH_KEY_UNREGISTERED/.test(l.msg ?? ""))).toBe(true);
    await expect(gateway.listDialogs()).rejects.toMatchObject({ code: "NOT_AUTHORIZED" });

    // A session that is already revoked never reports authorized.
    const second = makeGateway();
    await second.gateway.start(sessionOf(dc));
    expect(second.gateway.status()).toMatchObject({ authorized: false, connected: false });
    expect(second.gateway.status().last_error).toMatch(/AUTH_KEY_UNREGISTERED/);
  });

  it("stops at once with a clear last_error when the DC does not know the session's key", async () => {
    const { gateway } = makeGateway();
    const foreign = await toGramJsSession({
      dcId: dc.dcId,
      serverAddress: dc.host,
      port: dc.port,
      authKey: randomBytes(256),
    });
    const started = Date.now();
    await gateway.start({
      sessionString: foreign.sessionString,
      dcId: dc.dcId,
      serverAddress: dc.host,
      port: dc.port,
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(gateway.status()).toMatchObject({ authorized: false, connected: false });
    expect(gateway.status().last_error).toMatch(/does not know this session's auth key/);
    await waitFor(() => dc.state().connections === 0, "the connection to close");
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(dc.state().connections).toBe(0);
  });

  it("honours a flood wait: no call to the method until it has passed, and it shows in status and the TTL store", async () => {
    const ttlStore = new MemoryTtlStore();
    const { gateway, statuses } = makeGateway({ floodSleepThreshold: 0, ttlStore });
    await gateway.start(sessionOf(dc));
    dc.pushMessage({ chat: NEWS, text: "hello" });

    dc.floodWait(2);
    const started = Date.now();
    const listing = gateway.listDialogs();
    const floodStatus = await waitFor(
      () => statuses.find((s) => s.flood_wait_until),
      "a status with flood_wait_until",
    );
    expect(Date.parse(floodStatus.flood_wait_until!)).toBeGreaterThan(Date.now() + 1_000);
    expect(gateway.status().flood_wait_until).toBe(floodStatus.flood_wait_until);
    const [entry] = await ttlStore.list("flood_wait:");
    expect(entry?.key).toBe("flood_wait:messages.GetDialogs");
    expect(entry!.ttlMs).toBeGreaterThan(1_000);
    expect(gateway.floodWaits()).toEqual([
      expect.objectContaining({ method: "messages.GetDialogs", seconds: 2 }),
    ]);
    // Half-way through the wait, the DC has seen only the one refused call.
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(dc.state().calls["messages.GetDialogs"]).toBe(1);

    const dialogs = await listing;
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
    expect(dialogs.map((d) => d.title)).toContain("Market News");
    expect(dc.state().calls["messages.GetDialogs"]).toBe(2);
    expect(gateway.status().flood_wait_until).toBeNull();
    expect(await ttlStore.list("flood_wait:")).toEqual([]);
  });

  it("does not mistake a flood wait GramJS sleeps through for a dead connection", async () => {
    const { gateway, logs } = makeGateway({ requestTimeoutMs: 400 });
    await gateway.start(sessionOf(dc));
    dc.floodWait(1);
    const dialogs = await gateway.listDialogs();
    expect(dialogs).toEqual([]);
    expect(gateway.status().connected).toBe(true);
    expect(logs.some((l) => l.msg === "telegram connection lost; reconnecting")).toBe(false);
    expect(
      logs.some(
        (l) =>
          l.msg === "telegram flood wait" && (l.obj as { method: string }).method === "messages.GetDialogs",
      ),
    ).toBe(true);
    expect(dc.state().connections).toBe(1);
  });

  it("re-initialises on a second start and leaves no socket or timer behind on stop", async () => {
    const socketsBefore = sockets();
    const timersBefore = process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    const { gateway } = makeGateway();
    await gateway.start(sessionOf(dc));
    expect(dc.state().connections).toBe(1);

    await gateway.start(sessionOf(dc));
    expect(gateway.status().authorized).toBe(true);
    await waitFor(() => dc.state().connections === 1, "exactly one connection after the restart");
    expect(gateway.openConnections).toBe(1);

    await gateway.stop();
    await gateway.stop();
    expect(gateway.status()).toMatchObject({ authorized: false, connected: false });
    await waitFor(() => dc.state().connections === 0, "the DC to see the connection closed");
    await waitFor(() => sockets() <= socketsBefore, "client sockets released");
    // GramJS's own reconnect sleep (1 s) may still be pending right after a drop; nothing else.
    await waitFor(
      () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length <= timersBefore,
      "timers released",
      3_000,
    );
  });

  it("keeps retrying with backoff while the DC is unreachable, then connects once it is back", async () => {
    const { gateway, logs } = makeGateway({ reconnect: { baseMs: 100, maxMs: 400, factor: 2, jitter: 0 } });
    const session = sessionOf(dc);
    await dc.stop();
    await gateway.start(session);
    expect(gateway.status()).toMatchObject({ authorized: false, connected: false });
    expect(gateway.status().last_error).toMatch(/cannot connect to Telegram/);
    await waitFor(
      () => logs.filter((l) => l.msg === "telegram reconnect scheduled").length >= 4,
      "several retries",
    );
    const delays = logs
      .filter((l) => l.msg === "telegram reconnect scheduled")
      .map((l) => (l.obj as { delay_ms: number }).delay_ms);
    expect(delays.slice(0, 4)).toEqual([100, 200, 400, 400]);

    // The DC comes back on the same port with the same key.
    dc = await startTestDc({ user: OWNER, controlPort: false, port: session.port, authKey: dc.authKey });
    await waitFor(() => gateway.status().authorized, "authorized once the DC is back");
    expect(gateway.status().last_error).toBeNull();
    expect(dc.state().connections).toBe(1);
  });
});
