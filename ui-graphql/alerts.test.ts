import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { RedisEventBus } from "@tgsentinel/contract/event-bus.ts";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrismaClient as SentinelPrisma } from "../sentinel/db/generated/client.ts";
import { ALERTS_CURSOR_KEY } from "./alert-cache.ts";
import { collect, gql, login, wsClient } from "./testing/graphql-client.ts";
import {
  ADMIN,
  redisUrl,
  startSentinel,
  startUi,
  type TestSentinel,
  type TestUi,
  testPrefix,
} from "./testing/system.ts";

let prefix: string;
let sentinel: TestSentinel;
let ui: TestUi;
let cookie: string;
let messageId = 0;

/** Keyword → weight of the test profile: a message with one of them scores exactly that weight. */
const KEYWORDS: Record<number, string> = {
  1: "alpha",
  2: "beta",
  3.5: "gamma",
  4: "delta",
  5: "epsilon",
  6: "zeta",
  7: "eta",
  9: "theta",
};

/**
 * The sentinel creates an alert: a message goes through its real ingestion, scoring and alert
 * recorder, which publishes alert_created after commit. `silent` instead writes the row alone,
 * as if its event had been lost.
 */
async function createAlert(
  s: TestSentinel,
  data: { score: number; chatId?: string; text?: string },
  options: { silent?: boolean } = {},
) {
  messageId += 1;
  const term = KEYWORDS[data.score];
  if (!term) throw new Error(`no keyword scores ${data.score}`);
  const chatId = data.chatId ?? "-1001";
  const text = `${term}: ${data.text ?? `message ${messageId}`}`;
  if (options.silent) {
    return s.app.prisma.alert.create({
      data: {
        chatId,
        chatTitle: "News",
        messageId,
        profile: "security",
        score: data.score,
        reasons: JSON.stringify([{ kind: "keyword", term, weight: data.score }]),
        text,
        messageDate: new Date(),
      },
    });
  }
  await s.app.ingestion.accept({
    chatId,
    chatTitle: "News",
    chatType: "channel",
    chatUsername: null,
    messageId,
    senderId: "5",
    senderUsername: "bob",
    senderName: "Bob",
    text,
    date: new Date(),
    editDate: null,
    replyToMsgId: null,
    forwardFrom: null,
    link: null,
    mentionsMe: false,
    reactions: 0,
    forwards: 0,
  });
  await s.app.ingestion.flush();
  return s.app.prisma.alert.findFirstOrThrow({ where: { chatId, messageId } });
}

async function until<T>(probe: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  prefix = testPrefix();
  sentinel = await startSentinel({ prefix });
  ui = await startUi({ prefix, sentinelBaseUrl: sentinel.baseUrl });
  cookie = await login(ui.url, ADMIN.username, ADMIN.password);
  // The profile is made in the UI and pushed to the sentinel, which scores with it.
  const created = await gql(
    ui.url,
    "mutation($input: ProfileInput!) { createProfile(input: $input) { id } }",
    {
      input: {
        name: "security",
        definition: {
          threshold: 1,
          keywords: Object.entries(KEYWORDS).map(([weight, term]) => ({ term, weight: Number(weight) })),
        },
      },
    },
    cookie,
  );
  expect(created.errors).toBeUndefined();
});

afterAll(async () => {
  await ui?.close();
  await sentinel?.close();
});

describe("alertAdded", () => {
  it("delivers an alert the sentinel created, after it is cached, filtered by minScore", async () => {
    const client = wsClient(ui.url, cookie);
    const sub = collect<{
      alertAdded: { id: number; score: number; text: string; reasons: { kind: string; term: string }[] };
    }>(
      client,
      "subscription($min: Float) { alertAdded(minScore: $min) { id score text reasons { kind term } } }",
      { min: 2 },
    );
    await new Promise<void>((resolve) => client.on("connected", () => resolve()));
    await new Promise((r) => setTimeout(r, 100));

    await createAlert(sentinel, { score: 1 });
    const high = await createAlert(sentinel, { score: 3.5, text: "a big breach" });
    const [got] = await sub.waitFor((items) => items.length > 0);
    expect(got!.alertAdded).toEqual({
      id: high.id,
      score: 3.5,
      text: "gamma: a big breach",
      reasons: [{ kind: "keyword", term: "gamma" }],
    });
    expect(await ui.ui.services.db.alert.findUnique({ where: { id: high.id } })).not.toBeNull();
    await new Promise((r) => setTimeout(r, 200));
    expect(sub.items).toHaveLength(1);
    sub.dispose();
    await client.dispose();
  });
});

describe("alerts query", () => {
  it("pages newest first, orders by score, filters", async () => {
    await createAlert(sentinel, { score: 2, chatId: "-1002", text: "phishing wave" });
    await createAlert(sentinel, { score: 9, chatId: "-1002", text: "zero day" });
    await until(
      () => ui.ui.services.db.alert.count(),
      (n) => n >= 4,
    );

    type Page = {
      alerts: {
        totalCount: number;
        edges: { cursor: string; node: { id: number; score: number } }[];
        pageInfo: { hasNextPage: boolean; endCursor: string };
      };
    };
    const q = `query($first: Int, $after: String, $min: Float, $chat: String, $q: String, $order: AlertOrder) {
      alerts(first: $first, after: $after, minScore: $min, chatId: $chat, query: $q, orderBy: $order) {
        totalCount edges { cursor node { id score } } pageInfo { hasNextPage endCursor }
      }
    }`;
    const all = await sentinel.app.prisma.alert.findMany({ orderBy: { id: "desc" } });
    const first = await gql<Page>(ui.url, q, { first: 2 }, cookie);
    expect(first.data!.alerts.totalCount).toBe(all.length);
    expect(first.data!.alerts.edges.map((e) => e.node.id)).toEqual(all.slice(0, 2).map((a) => a.id));
    expect(first.data!.alerts.pageInfo.hasNextPage).toBe(true);
    const second = await gql<Page>(
      ui.url,
      q,
      { first: 2, after: first.data!.alerts.pageInfo.endCursor },
      cookie,
    );
    expect(second.data!.alerts.edges.map((e) => e.node.id)).toEqual(all.slice(2, 4).map((a) => a.id));

    const byScore = await gql<Page>(ui.url, q, { first: 2, order: "SCORE" }, cookie);
    expect(byScore.data!.alerts.edges.map((e) => e.node.score)).toEqual([9, 3.5]);
    const filtered = await gql<Page>(ui.url, q, { min: 2, chat: "-1002" }, cookie);
    expect(filtered.data!.alerts.edges.map((e) => e.node.score).sort()).toEqual([2, 9]);
    const text = await gql<Page>(ui.url, q, { q: "zero" }, cookie);
    expect(text.data!.alerts.edges.map((e) => e.node.score)).toEqual([9]);
    const badCursor = await gql<Page>(
      ui.url,
      q,
      { after: first.data!.alerts.pageInfo.endCursor, order: "SCORE" },
      cookie,
    );
    expect(badCursor.errors?.[0]?.extensions?.code).toBe("BAD_REQUEST");
  });

  it("marks alerts read and audits it", async () => {
    const some = await ui.ui.services.db.alert.findFirst({ orderBy: { id: "asc" } });
    const marked = await gql<{ markAlertRead: { read: boolean } }>(
      ui.url,
      "mutation($id: Int!) { markAlertRead(id: $id) { read } }",
      { id: some!.id },
      cookie,
    );
    expect(marked.data?.markAlertRead.read).toBe(true);
    const unread = await gql<{ alerts: { totalCount: number } }>(
      ui.url,
      "{ alerts(unreadOnly: true) { totalCount } }",
      {},
      cookie,
    );
    const total = await ui.ui.services.db.alert.count();
    expect(unread.data?.alerts.totalCount).toBe(total - 1);
    const all = await gql<{ markAllAlertsRead: number }>(
      ui.url,
      "mutation { markAllAlertsRead }",
      {},
      cookie,
    );
    expect(all.data?.markAllAlertsRead).toBe(total - 1);
    const entry = await ui.ui.services.db.auditEntry.findFirst({ where: { action: "markAlertRead" } });
    expect(entry).toMatchObject({ actor: "admin", target: `alert:${some!.id}`, outcome: "ok" });
  });
});

describe("catching up", () => {
  it("fills in alerts created while the UI was stopped", async () => {
    const dir = ui.dir;
    await ui.close();
    const missed = [await createAlert(sentinel, { score: 4 }), await createAlert(sentinel, { score: 5 })];
    ui = await startUi({ prefix, sentinelBaseUrl: sentinel.baseUrl, dir });
    cookie = await login(ui.url, ADMIN.username, ADMIN.password);
    for (const a of missed)
      expect(await ui.ui.services.db.alert.findUnique({ where: { id: a.id } })).not.toBeNull();
    // The stored cursor is the sentinel's, after the newest alert: a fresh page from it is empty.
    const mark = await ui.ui.services.db.syncState.findUnique({ where: { key: ALERTS_CURSOR_KEY } });
    const next = await ui.ui.services.sentinel.alerts({ cursor: mark!.value });
    expect(next.alerts).toEqual([]);
  });

  it("resyncs after the event bus reconnects (events published meanwhile are lost)", async () => {
    const lost = await createAlert(sentinel, { score: 6 }, { silent: true });
    expect(await ui.ui.services.db.alert.findUnique({ where: { id: lost.id } })).toBeNull();
    // Drop the UI's subscriber connection as a network failure would; ioredis reconnects.
    (ui.ui.services.bus as unknown as { sub: Redis }).sub.disconnect(true);
    await until(
      () => ui.ui.services.db.alert.findUnique({ where: { id: lost.id } }),
      (row) => row !== null,
    );
  });

  it("resyncs when the sentinel comes back", async () => {
    const { dir, port, databaseFile } = sentinel;
    await sentinel.close({ keepData: true });
    // An alert_created arrives while the sentinel cannot be asked: the sync fails and the UI starts probing.
    const bus = new RedisEventBus({ url: redisUrl(), prefix });
    await bus.publish("alert_created", {
      id: 9999,
      chat_id: "-1",
      chat_title: "x",
      message_id: 1,
      profile: "p",
      score: 1,
      created_at: new Date().toISOString(),
    });
    await bus.close();
    // Meanwhile an alert lands in sentinel.db (written here while the sentinel is stopped).
    const db = new SentinelPrisma({ adapter: new PrismaBetterSQLite3({ url: `file:${databaseFile}` }) });
    const missed = await db.alert.create({
      data: {
        chatId: "-1001",
        chatTitle: "News",
        messageId: 10_000,
        profile: "security",
        score: 7,
        reasons: "[]",
        text: "eta: while down",
        messageDate: new Date(),
      },
    });
    await db.$disconnect();
    await new Promise((r) => setTimeout(r, 300));
    expect(await ui.ui.services.db.alert.findUnique({ where: { id: missed.id } })).toBeNull();
    sentinel = await startSentinel({ prefix, dir, port });
    await until(
      () => ui.ui.services.db.alert.findUnique({ where: { id: missed.id } }),
      (row) => row !== null,
    );
  });
});

describe("digests, stats and chats", () => {
  it("runDigest → digestCompleted and digestRuns", async () => {
    const client = wsClient(ui.url, cookie);
    const sub = collect<{ digestCompleted: { id: number; trigger: string; alertCount: number } }>(
      client,
      "subscription { digestCompleted { id trigger alertCount } }",
    );
    await new Promise<void>((resolve) => client.on("connected", () => resolve()));
    await new Promise((r) => setTimeout(r, 100));
    const run = await gql(ui.url, "mutation { runDigest }", {}, cookie);
    expect(run.data).toEqual({ runDigest: true });
    const [done] = await sub.waitFor((items) => items.length > 0);
    expect(done!.digestCompleted.trigger).toBe("manual");
    expect(done!.digestCompleted.alertCount).toBe(await sentinel.app.prisma.alert.count());
    const runs = await gql<{ digestRuns: { id: number }[] }>(ui.url, "{ digestRuns { id } }", {}, cookie);
    expect(runs.data?.digestRuns.map((r) => r.id)).toContain(done!.digestCompleted.id);
    sub.dispose();
    await client.dispose();
  });

  it("stats combine the sentinel's counters with the cache's", async () => {
    const stats = await gql<{ stats: { alertsCreated: number; cachedAlerts: number; unreadAlerts: number } }>(
      ui.url,
      "{ stats { alertsCreated cachedAlerts unreadAlerts } }",
      {},
      cookie,
    );
    expect(stats.errors).toBeUndefined();
    expect(stats.data?.stats.alertsCreated).toBe(await sentinel.app.prisma.alert.count());
    expect(stats.data?.stats.cachedAlerts).toBe(await ui.ui.services.db.alert.count());
  });

  it("chats come from the sentinel", async () => {
    const expected = (await sentinel.app.prisma.chat.findMany()).map((c) => ({
      id: c.id,
      title: c.title,
      included: c.included,
    }));
    expect(expected).toContainEqual({ id: "-1001", title: "News", included: true });
    const chats = await gql<{ chats: { id: string; title: string; included: boolean }[] }>(
      ui.url,
      "{ chats { id title included } }",
      {},
      cookie,
    );
    expect(chats.data?.chats).toEqual(expect.arrayContaining(expected));
    expect(chats.data?.chats).toHaveLength(expected.length);
  });
});
