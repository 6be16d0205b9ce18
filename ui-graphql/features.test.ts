/**
 * The sentinel's activity series, chat inclusion, session presence, digest groups, alert edits
 * and preferences, end to end: the real sentinel (ingestion → scoring → alerts) on a real port,
 * the real UI app over HTTP and graphql-ws, real Redis under a prefix of their own.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NormalizedMessage } from "../sentinel/ingestion/message.ts";
import { ALERT_UPDATES_CURSOR_KEY } from "./alert-cache.ts";
import { collect, gql, login, wsClient } from "./testing/graphql-client.ts";
import {
  ADMIN,
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
let nextId = 0;

function message(chatId: string, text: string, extra: Partial<NormalizedMessage> = {}): NormalizedMessage {
  nextId += 1;
  return {
    chatId,
    chatTitle: chatId === "-1001" ? "News" : "Noise",
    chatType: "channel",
    chatUsername: null,
    messageId: nextId,
    senderId: "5",
    senderUsername: "bob",
    senderName: "Bob",
    text,
    date: new Date(),
    editDate: null,
    replyToMsgId: null,
    forwardFrom: null,
    link: `https://t.me/c/1001/${nextId}`,
    mentionsMe: false,
    reactions: 0,
    forwards: 0,
    ...extra,
  };
}

async function feed(...messages: NormalizedMessage[]) {
  for (const m of messages) await sentinel.app.ingestion.accept(m);
  await sentinel.app.ingestion.flush();
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

async function ok<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const result = await gql<T>(ui.url, query, variables, cookie);
  expect(result.errors).toBeUndefined();
  return result.data as T;
}

beforeAll(async () => {
  prefix = testPrefix();
  sentinel = await startSentinel({ prefix });
  ui = await startUi({ prefix, sentinelBaseUrl: sentinel.baseUrl });
  cookie = await login(ui.url, ADMIN.username, ADMIN.password);
  await ok("mutation($input: ProfileInput!) { createProfile(input: $input) { id } }", {
    input: {
      name: "watch",
      definition: {
        threshold: 1,
        keywords: [
          { term: "alpha", weight: 1 },
          { term: "omega", weight: 4 },
        ],
      },
    },
  });
});

afterAll(async () => {
  await ui?.close();
  await sentinel?.close();
});

describe("stats activity", () => {
  it("gives the sentinel's hourly and daily series and today's totals as typed fields", async () => {
    await feed(message("-1001", "alpha one"), message("-1001", "nothing"));
    type Point = { at: string; messages: number; alerts: number };
    const data = await ok<{
      stats: {
        activity: { timeZone: string; hourly: Point[]; daily: Point[] };
        today: { since: string; messages: number; alerts: number };
      };
    }>(
      "{ stats { activity { timeZone hourly { at messages alerts } daily { at messages alerts } } today { since messages alerts } } }",
    );
    const raw = (await ui.ui.services.sentinel.stats()) as {
      activity: { time_zone: string; hourly: Point[]; daily: Point[] };
      today: { since: string; messages: number; alerts: number };
    };
    const { activity, today } = data.stats;
    expect(activity.timeZone).toBe(raw.activity.time_zone);
    expect(activity.hourly).toHaveLength(24);
    expect(activity.daily).toHaveLength(14);
    expect(activity.hourly).toEqual(raw.activity.hourly);
    expect(activity.daily).toEqual(raw.activity.daily);
    expect(activity.hourly.at(-1)).toMatchObject({ messages: 2, alerts: 1 });
    expect(today).toEqual(raw.today);
    expect(today).toMatchObject({ messages: 2, alerts: 1 });
  });
});

describe("alerts since", () => {
  it("filters the cached alerts by creation time", async () => {
    await until(
      () => ui.ui.services.db.alert.count(),
      (n) => n >= 1,
    );
    const all = await ui.ui.services.db.alert.findMany({ orderBy: { id: "asc" } });
    const newest = all.at(-1)!;
    const q = "query($since: DateTime) { alerts(since: $since) { totalCount edges { node { id } } } }";
    const from = await ok<{ alerts: { totalCount: number } }>(q, { since: newest.createdAt.toISOString() });
    expect(from.alerts.totalCount).toBe(all.filter((a) => a.createdAt >= newest.createdAt).length);
    const future = await ok<{ alerts: { totalCount: number } }>(q, {
      since: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect(future.alerts.totalCount).toBe(0);
    const bad = await gql(ui.url, q, { since: "yesterday" }, cookie);
    expect(bad.errors).toBeDefined();
  });
});

describe("setChatIncluded", () => {
  it("excludes and includes a chat on the sentinel, applied to ingestion at once, and audits it", async () => {
    await feed(message("-1002", "alpha noise"));
    const q =
      "mutation($id: String!, $on: Boolean!) { setChatIncluded(chatId: $id, included: $on) { id included includedOverride } }";
    const off = await ok<{ setChatIncluded: unknown }>(q, { id: "-1002", on: false });
    expect(off.setChatIncluded).toEqual({ id: "-1002", included: false, includedOverride: false });

    const before = await sentinel.app.prisma.message.count({ where: { chatId: "-1002" } });
    await feed(message("-1002", "alpha ignored"));
    expect(await sentinel.app.prisma.message.count({ where: { chatId: "-1002" } })).toBe(before);
    const chats = await ok<{ chats: { id: string; included: boolean; includedOverride: boolean | null }[] }>(
      "{ chats { id included includedOverride } }",
    );
    expect(chats.chats).toContainEqual({ id: "-1002", included: false, includedOverride: false });
    expect(chats.chats).toContainEqual({ id: "-1001", included: true, includedOverride: null });

    await ok(q, { id: "-1002", on: true });
    await feed(message("-1002", "alpha again"));
    expect(await sentinel.app.prisma.message.count({ where: { chatId: "-1002" } })).toBe(before + 1);

    const unknown = await gql(ui.url, q, { id: "-4242", on: false }, cookie);
    expect(unknown.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    const audit = await ui.ui.services.db.auditEntry.findMany({
      where: { action: "setChatIncluded" },
      orderBy: { id: "asc" },
    });
    expect(audit.map((a) => [a.target, a.outcome, a.detail, a.actor])).toEqual([
      ["chat:-1002", "ok", "excluded", "admin"],
      ["chat:-1002", "ok", "included", "admin"],
      ["chat:-4242", "error", "NOT_FOUND: excluded", "admin"],
    ]);
  });
});

describe("worker status", () => {
  it("says no session is stored before one is imported", async () => {
    const data = await ok<{
      workerStatus: { authorized: boolean; sessionPresent: boolean; sessionImportedAt: string | null };
    }>("{ workerStatus { authorized sessionPresent sessionImportedAt } }");
    expect(data.workerStatus).toEqual({ authorized: false, sessionPresent: false, sessionImportedAt: null });
  });
});

describe("alert edits", () => {
  it("applies the sentinel's revision to the cached alert and announces it on alertUpdated", async () => {
    const original = message("-1001", "alpha rising");
    await feed(original);
    const alert = await sentinel.app.prisma.alert.findFirstOrThrow({
      where: { messageId: original.messageId },
    });
    await until(
      () => ui.ui.services.db.alert.findUnique({ where: { id: alert.id } }),
      (row) => row !== null,
    );

    const client = wsClient(ui.url, cookie);
    const sub = collect<{ alertUpdated: { id: number; score: number; text: string; edited: boolean } }>(
      client,
      "subscription { alertUpdated { id score text edited } }",
    );
    await new Promise<void>((resolve) => client.on("connected", () => resolve()));
    await new Promise((r) => setTimeout(r, 100));

    await feed({ ...original, text: "alpha and omega", editDate: new Date() });
    const [update] = await sub.waitFor((items) => items.length > 0);
    expect(update!.alertUpdated).toEqual({ id: alert.id, score: 5, text: "alpha and omega", edited: true });
    const cached = await ui.ui.services.db.alert.findUniqueOrThrow({ where: { id: alert.id } });
    expect(cached).toMatchObject({ score: 5, text: "alpha and omega" });
    expect(
      JSON.parse(cached.reasons)
        .map((r: { term: string }) => r.term)
        .sort(),
    ).toEqual(["alpha", "omega"]);
    const viaGraphql = await ok<{
      alert: { score: number; edited: boolean; updatedAt: string; createdAt: string };
    }>("query($id: Int!) { alert(id: $id) { score edited updatedAt createdAt } }", { id: alert.id });
    expect(viaGraphql.alert.edited).toBe(true);
    expect(Date.parse(viaGraphql.alert.updatedAt)).toBeGreaterThan(Date.parse(viaGraphql.alert.createdAt));
    expect(
      await ui.ui.services.db.syncState.findUnique({ where: { key: ALERT_UPDATES_CURSOR_KEY } }),
    ).not.toBeNull();
    sub.dispose();
    await client.dispose();
  });

  it("catches up on edits made while the UI was stopped", async () => {
    const original = message("-1001", "alpha steady");
    await feed(original);
    const alert = await sentinel.app.prisma.alert.findFirstOrThrow({
      where: { messageId: original.messageId },
    });
    await until(
      () => ui.ui.services.db.alert.findUnique({ where: { id: alert.id } }),
      (row) => row !== null,
    );
    const dir = ui.dir;
    await ui.close();
    await feed({ ...original, text: "omega now", editDate: new Date() });
    ui = await startUi({ prefix, sentinelBaseUrl: sentinel.baseUrl, dir });
    cookie = await login(ui.url, ADMIN.username, ADMIN.password);
    const cached = await until(
      () => ui.ui.services.db.alert.findUniqueOrThrow({ where: { id: alert.id } }),
      (row) => row.text === "omega now",
    );
    expect(cached.score).toBe(4);
  });
});

describe("digest groups", () => {
  it("types the digest's groups and entries with links, sized by the runNowTopN preference", async () => {
    await ok('mutation { setSetting(key: "digests.runNowTopN", value: 2) { key } }');
    const client = wsClient(ui.url, cookie);
    const sub = collect<{ digestCompleted: { id: number } }>(
      client,
      "subscription { digestCompleted { id } }",
    );
    await new Promise<void>((resolve) => client.on("connected", () => resolve()));
    await new Promise((r) => setTimeout(r, 100));
    await ok("mutation { runDigest }");
    const [done] = await sub.waitFor((items) => items.length > 0);
    sub.dispose();
    await client.dispose();

    type Entry = {
      alertId: number;
      messageId: number;
      score: number;
      profiles: string[];
      link: string | null;
      text: string;
    };
    const runs = await ok<{
      digestRuns: {
        id: number;
        failure: string | null;
        deliveryError: string | null;
        groups: { chatId: string; chatTitle: string; bestScore: number; entries: Entry[] }[];
      }[];
    }>(
      "{ digestRuns { id failure deliveryError groups { chatId chatTitle bestScore entries { alertId messageId score profiles link text } } } }",
    );
    const run = runs.digestRuns.find((r) => r.id === done!.digestCompleted.id)!;
    expect(run.failure).toBeNull();
    const entries = run.groups.flatMap((g) => g.entries);
    expect(entries).toHaveLength(2);
    const stored = await sentinel.app.prisma.digestRun.findUniqueOrThrow({ where: { id: run.id } });
    const content = JSON.parse(stored.content) as Array<{
      chat_id: string;
      entries: Array<{ alert_id: number; link: string }>;
    }>;
    expect(run.groups.map((g) => g.chatId)).toEqual(content.map((g) => g.chat_id));
    expect(entries.map((e) => e.alertId)).toEqual(content.flatMap((g) => g.entries.map((e) => e.alert_id)));
    expect(entries.map((e) => e.link)).toEqual(content.flatMap((g) => g.entries.map((e) => e.link)));
    expect(entries[0]!.link).toMatch(/^https:\/\/t\.me\//);
    expect(entries[0]!.profiles).toEqual(["watch"]);
  });
});

describe("preferences", () => {
  it("offers known keys with defaults, validates values, and refuses unknown keys with UNKNOWN_SETTING", async () => {
    const set = (key: string, value: unknown) =>
      gql(
        ui.url,
        "mutation($k: String!, $v: JSON) { setSetting(key: $k, value: $v) { key value } }",
        { k: key, v: value },
        cookie,
      );
    expect((await set("alerts.defaultMinScore", 2.5)).data).toEqual({
      setSetting: { key: "alerts.defaultMinScore", value: 2.5 },
    });
    expect((await set("alerts.defaultOrder", "SCORE")).errors).toBeUndefined();
    expect((await set("display.timeZone", "Europe/Berlin")).errors).toBeUndefined();
    const prefs = await ok<{ preferences: Record<string, unknown> }>(
      "{ preferences { alertsDefaultMinScore alertsDefaultOrder displayTimeZone digestsRunNowTopN } }",
    );
    expect(prefs.preferences).toEqual({
      alertsDefaultMinScore: 2.5,
      alertsDefaultOrder: "SCORE",
      displayTimeZone: "Europe/Berlin",
      digestsRunNowTopN: 2,
    });

    const unknown = await set("theme.colour", "blue");
    expect(unknown.errors?.[0]?.extensions?.code).toBe("UNKNOWN_SETTING");
    expect(unknown.errors?.[0]?.message).toMatch(/alerts\.defaultMinScore/);
    for (const [key, value] of [
      ["alerts.defaultMinScore", -1],
      ["alerts.defaultOrder", "RANDOM"],
      ["display.timeZone", "Mars/Base"],
      ["digests.runNowTopN", 0],
    ] as const) {
      const refused = await set(key, value);
      expect(refused.errors?.[0]?.extensions?.code, key).toBe("VALIDATION_FAILED");
    }
    // Null deletes: the default is back.
    expect((await set("display.timeZone", null)).errors).toBeUndefined();
    const after = await ok<{ preferences: { displayTimeZone: string | null } }>(
      "{ preferences { displayTimeZone } }",
    );
    expect(after.preferences.displayTimeZone).toBeNull();
    const audit = await ui.ui.services.db.auditEntry.findMany({ where: { target: "setting:theme.colour" } });
    expect(audit.map((a) => [a.outcome, a.detail])).toEqual([["error", "UNKNOWN_SETTING"]]);
  });
});
