/**
 * End to end through the sentinel app: profiles pushed over REST, messages through the real
 * ingestion path, alerts out on Redis and through GET /api/alerts, caps, edits, and /api/stats.
 * Real SQLite (the app's own migrated temp file) and real Redis (a fresh key/channel prefix).
 */
import type { AlertCreatedData } from "@tgsentinel/contract/events.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  chatMessage,
  EventRecorder,
  Feeder,
  getJson,
  redisAdapters,
  sendJson,
  TestClock,
} from "../testing/alerting-fixture.ts";
import { buildTestApp, type TestApp } from "../testing/sentinel-fixture.ts";

const PROFILES = {
  profiles: [
    {
      name: "crypto",
      threshold: 2,
      keywords: [{ term: "bitcoin", weight: 2 }, { term: "ethereum", weight: 1.5 }, "wallet"],
    },
    {
      name: "security",
      threshold: 1,
      keywords: ["vulnerability", "CVE"],
      regex: [{ pattern: "CVE-\\d{4}-\\d+", weight: 2 }],
    },
  ],
};

const YAML = [
  "alerts:",
  "  per_chat_per_hour: 1000",
  "  per_profile_per_hour: 1000",
  "api_rate_limit:",
  "  max: 100000",
  "",
].join("\n");

describe("alerts end to end (Redis, SQLite, ingestion hook)", () => {
  const redis = redisAdapters();
  const clock = new TestClock(new Date("2026-03-02T09:00:00Z"));
  let t: TestApp;
  let feeder: Feeder;
  let recorder: EventRecorder;

  beforeAll(async () => {
    recorder = new EventRecorder(redis.target, ["alert_created", "alert_updated"]);
    await recorder.ready();
    t = await buildTestApp({
      yaml: YAML,
      bus: redis.bus,
      ttl: redis.ttl,
      now: clock.now,
      digestTimer: false,
    });
    await t.app.ready();
    feeder = new Feeder(t.app);
    const put = await sendJson(t.app, "PUT", "/api/profiles", PROFILES);
    expect(put.status).toBe(200);
  });

  afterAll(async () => {
    await feeder.close();
    await t.close();
    await recorder.close();
    await redis.close();
  });

  it("turns a message at or above a threshold into one alert per profile, published after commit", async () => {
    await feeder.feed(
      chatMessage("-1001", 1, "Bitcoin wallet drained through a vulnerability, see CVE-2026-1234"),
      chatMessage("-1001", 2, "nothing to see here"),
      chatMessage("-1001", 3, "my wallet is empty"), // crypto scores 1 < threshold 2: no alert
    );
    const events = await recorder.waitFor("alert_created", 2);
    expect(events.map((e) => e.data.profile).sort()).toEqual(["crypto", "security"]);

    const { status, body } = await getJson(t.app, "/api/alerts");
    expect(status).toBe(200);
    expect(body.data.alerts).toHaveLength(2);
    const crypto = body.data.alerts.find((a: { profile: string }) => a.profile === "crypto");
    expect(crypto).toMatchObject({
      chat_id: "-1001",
      chat_title: "Crypto News",
      message_id: 1,
      score: 3,
      text: "Bitcoin wallet drained through a vulnerability, see CVE-2026-1234",
      sender_name: "Alice",
      link: "https://t.me/c/1/1",
      message_date: "2026-03-01T12:00:01.000Z",
      created_at: "2026-03-02T09:00:00.000Z",
    });
    expect(crypto.reasons).toEqual([
      { kind: "keyword", term: "bitcoin", weight: 2, start: 0, end: 7, text: "Bitcoin" },
      { kind: "keyword", term: "wallet", weight: 1, start: 8, end: 14, text: "wallet" },
    ]);
    const security = body.data.alerts.find((a: { profile: string }) => a.profile === "security");
    expect(security.score).toBe(4); // vulnerability 1 + CVE 1 + regex 2
    // The event names the stored alert (it was committed before it was announced).
    for (const event of events) {
      const stored = body.data.alerts.find((a: { id: number }) => a.id === event.data.id);
      expect(event.data).toEqual<AlertCreatedData>({
        id: stored.id,
        chat_id: stored.chat_id,
        chat_title: stored.chat_title,
        message_id: stored.message_id,
        profile: stored.profile,
        score: stored.score,
        created_at: stored.created_at,
      });
    }
    // Every fed message is marked scored.
    expect(await t.app.prisma.message.count({ where: { scoredAt: null } })).toBe(0);
  });

  it("is idempotent: the same message again (replayed or re-scored) never makes a second alert", async () => {
    const message = chatMessage("-1002", 10, "ethereum and bitcoin");
    await feeder.feed(message);
    await feeder.feed(message); // a replay: stored once, not handed on again
    await t.app.scoring.consume([message]); // scored again directly: still one alert
    await t.app.scoring.consume([message, message]);
    const alerts = await t.app.prisma.alert.findMany({ where: { chatId: "-1002", messageId: 10 } });
    expect(alerts).toHaveLength(1);
    await recorder.waitFor("alert_created", 3);
    await new Promise((r) => setTimeout(r, 100));
    expect(recorder.of("alert_created").filter((e) => e.data.chat_id === "-1002")).toHaveLength(1);
  });

  it("re-scores edits and updates the alert's score, reasons and text (no second alert)", async () => {
    const original = chatMessage("-1003", 20, "bitcoin rally");
    await feeder.feed(original);
    const before = await t.app.prisma.alert.findFirstOrThrow({ where: { chatId: "-1003", messageId: 20 } });
    expect(before.score).toBe(2);

    // 2 alerts of the first test, 1 of the second, and this one.
    const eventsBefore = (await recorder.waitFor("alert_created", 4)).length;
    await feeder.feed({
      ...original,
      text: "bitcoin and ethereum rally",
      editDate: new Date("2026-03-01T12:05:00Z"),
    });
    const edited = await t.app.prisma.alert.findMany({ where: { chatId: "-1003", messageId: 20 } });
    expect(edited).toHaveLength(1);
    expect(edited[0]).toMatchObject({ id: before.id, score: 3.5, text: "bitcoin and ethereum rally" });
    expect(JSON.parse(edited[0]!.reasons).map((r: { term: string }) => r.term)).toEqual([
      "bitcoin",
      "ethereum",
    ]);

    // Edited into something that no longer matches: the alert stays, with score 0 and no reasons.
    await feeder.feed({ ...original, text: "never mind", editDate: new Date("2026-03-01T12:06:00Z") });
    const cleared = await t.app.prisma.alert.findUniqueOrThrow({ where: { id: before.id } });
    expect(cleared).toMatchObject({ score: 0, reasons: "[]", text: "never mind" });
    await new Promise((r) => setTimeout(r, 100));
    expect(recorder.of("alert_created").length).toBe(eventsBefore);
  });

  it("pages by cursor in id order, stable while new alerts are inserted between pages", async () => {
    // Fresh alerts in a chat of their own, so the filters below have exact expectations.
    const base = 100;
    for (let i = 0; i < 7; i++) await feeder.feed(chatMessage("-1009", base + i, `bitcoin ${i}`));
    const seen: number[] = [];
    let cursor: string | null = null;
    const page1 = await getJson(t.app, "/api/alerts?chat_id=-1009&limit=3");
    expect(page1.body.data.alerts.map((a: { message_id: number }) => a.message_id)).toEqual([100, 101, 102]);
    expect(page1.body.data.has_more).toBe(true);
    seen.push(...page1.body.data.alerts.map((a: { id: number }) => a.id));
    cursor = page1.body.data.next_cursor;

    // Inserted between pages: they come at the end, nothing repeats or is skipped.
    await feeder.feed(
      chatMessage("-1009", base + 7, "bitcoin late"),
      chatMessage("-1009", base + 8, "bitcoin later"),
    );
    const messageIds: number[] = [...page1.body.data.alerts.map((a: { message_id: number }) => a.message_id)];
    for (let pages = 0; pages < 10; pages++) {
      const page = await getJson(t.app, `/api/alerts?chat_id=-1009&limit=3&cursor=${cursor}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.data.alerts.map((a: { id: number }) => a.id));
      messageIds.push(...page.body.data.alerts.map((a: { message_id: number }) => a.message_id));
      cursor = page.body.data.next_cursor;
      if (!page.body.data.has_more) break;
    }
    expect(messageIds).toEqual([100, 101, 102, 103, 104, 105, 106, 107, 108]);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    expect(new Set(seen).size).toBe(seen.length);

    // The last cursor is a resume point: empty now, and the next new alert shows up from it.
    const caughtUp = await getJson(t.app, `/api/alerts?chat_id=-1009&cursor=${cursor}`);
    expect(caughtUp.body.data).toEqual({ alerts: [], next_cursor: cursor, has_more: false });
    await feeder.feed(chatMessage("-1009", base + 9, "bitcoin newest"));
    const resumed = await getJson(t.app, `/api/alerts?chat_id=-1009&cursor=${cursor}`);
    expect(resumed.body.data.alerts.map((a: { message_id: number }) => a.message_id)).toEqual([109]);
  });

  it("filters by min_score, chat_id, profile and since", async () => {
    clock.set("2026-03-02T10:00:00Z");
    await feeder.feed(
      chatMessage("-1010", 1, "bitcoin"),
      chatMessage("-1010", 2, "bitcoin ethereum CVE-2026-0001"),
    );
    clock.set("2026-03-02T09:00:00Z");

    const all = (await getJson(t.app, "/api/alerts?limit=500")).body.data.alerts as Array<{
      chat_id: string;
      profile: string;
      score: number;
      created_at: string;
    }>;
    const minScore = (await getJson(t.app, "/api/alerts?limit=500&min_score=3.5")).body.data.alerts;
    expect(minScore.length).toBeGreaterThan(0);
    expect(minScore).toEqual(all.filter((a) => a.score >= 3.5));

    const security = (await getJson(t.app, "/api/alerts?limit=500&profile=security")).body.data.alerts;
    expect(security).toEqual(all.filter((a) => a.profile === "security"));

    const since = (await getJson(t.app, "/api/alerts?since=2026-03-02T09:30:00Z")).body.data.alerts;
    expect(since.map((a: { chat_id: string; profile: string }) => `${a.chat_id}/${a.profile}`)).toEqual([
      "-1010/crypto",
      "-1010/crypto",
      "-1010/security",
    ]);
    const combined = (await getJson(t.app, "/api/alerts?chat_id=-1010&profile=crypto&min_score=3")).body.data
      .alerts;
    expect(combined.map((a: { message_id: number }) => a.message_id)).toEqual([2]);
  });

  it.each([
    ["limit=0", "limit"],
    ["limit=501", "limit"],
    ["limit=ten", "limit"],
    ["cursor=not-a-cursor", "cursor"],
    ["min_score=high", "min_score"],
    ["since=yesterday", "since"],
    ["chat_id=Crypto%20News", "chat_id"],
    ["limit=1&limit=2", "limit"],
  ])("answers 400 VALIDATION_FAILED naming the parameter for %s", async (query, name) => {
    const { status, body } = await getJson(t.app, `/api/alerts?${query}`);
    expect(status).toBe(400);
    expect(body.code).toBe("VALIDATION_FAILED");
    expect(body.error.details[0].path).toBe(name);
    expect(body.message.startsWith(name)).toBe(true);
  });

  it("reports consistent figures in /api/stats", async () => {
    const { body } = await getJson(t.app, "/api/stats");
    const data = body.data;
    const prisma = t.app.prisma;
    const messages = await prisma.message.count();
    expect(data.messages_ingested).toBe(messages);
    expect(data.messages_ingested).toBe(3 + 1 + 1 + 10 + 2);
    expect(data.alerts_created).toBe(await prisma.alert.count());
    const perProfile = Object.fromEntries(
      (await prisma.alert.groupBy({ by: ["profile"], _count: { _all: true } })).map((g) => [
        g.profile,
        g._count._all,
      ]),
    );
    expect(data.alerts.per_profile).toEqual(perProfile);
    expect(data.alerts.total).toBe(data.alerts_created);
    const perChat = Object.fromEntries(
      data.per_chat.map((c: { chat_id: string; messages: number; alerts: number }) => [
        c.chat_id,
        [c.messages, c.alerts],
      ]),
    );
    expect(perChat["-1001"]).toEqual([3, 2]);
    expect(perChat["-1009"]).toEqual([10, 10]);
    expect(data.per_chat.find((c: { chat_id: string }) => c.chat_id === "-1001").title).toBe("Crypto News");
    expect(data.suppressed).toMatchObject({ total: 0, last_hour: 0 });
    expect(data.last_message_at).toBe("2026-03-01T12:01:49.000Z"); // message 109
    expect(data.messages_per_minute).toBe(messages); // all fed within the last minute of wall time
    expect(data.scoring.messages_scored).toBeGreaterThanOrEqual(messages);
    expect(data.scoring_latency_ms.samples).toBe(data.scoring.messages_scored);
    expect(data.scoring_latency_ms.p50).toBeGreaterThan(0);
    expect(data.scoring_latency_ms.p99).toBeGreaterThanOrEqual(data.scoring_latency_ms.p50);
    expect(data.scoring).toMatchObject({ profiles: 2, enabled_profiles: 2 });
    expect(data.redis).toEqual({ kind: "redis", connected: true, ttl_store: "redis" });
    // The ingestion counters since start agree with sentinel.db: 17 new messages, 2 edits.
    expect(data.ingestion).toMatchObject({ messages_ingested: messages, messages_edited: 2 });
    expect(data.ingestion.per_chat["-1009"]).toBe(10);
    expect(data.backfill).toMatchObject({ state: "idle" });
    expect(data.uptime_seconds).toBe(0); // the fake clock has not moved since start
    console.info(
      `scoring latency over ${data.scoring_latency_ms.samples} messages:`,
      data.scoring_latency_ms,
    );
  });

  it("lists revised alerts from updated_since in update order, with a cursor, and publishes alert_updated", async () => {
    type Listed = { id: number; score: number; text: string; created_at: string; updated_at: string };
    // The only alert revised so far: -1003/20, edited twice in the edits test above.
    const edited = await t.app.prisma.alert.findFirstOrThrow({ where: { chatId: "-1003", messageId: 20 } });
    const first = await getJson(t.app, "/api/alerts?updated_since=1970-01-01T00:00:00Z");
    expect(first.status).toBe(200);
    const listed = first.body.data.alerts as Listed[];
    expect(listed.map((a) => [a.id, a.score, a.text])).toEqual([[edited.id, 0, "never mind"]]);
    expect(Date.parse(listed[0]!.updated_at)).toBeGreaterThan(Date.parse(listed[0]!.created_at));
    expect(first.body.data.has_more).toBe(false);
    const updates = await recorder.waitFor("alert_updated", 2);
    expect(updates.map((e) => [e.data.id, e.data.score])).toEqual([
      [edited.id, 3.5],
      [edited.id, 0],
    ]);
    expect(updates[1]!.data.updated_at).toBe(listed[0]!.updated_at);

    // Nothing revised since: empty, and the cursor still moves on (to the newest alert).
    let cursor = first.body.data.next_cursor as string;
    const idle = await getJson(t.app, `/api/alerts?cursor=${cursor}`);
    expect(idle.body.data.alerts).toEqual([]);
    expect(idle.body.data.next_cursor).toEqual(expect.any(String));
    cursor = idle.body.data.next_cursor;

    // An edit of a message with two alerts: both come next, and nothing else.
    const original = await t.app.prisma.message.findFirstOrThrow({
      where: { chatId: "-1001", messageId: 1 },
    });
    await feeder.feed({
      ...chatMessage("-1001", 1, "Bitcoin wallet drained, see CVE-2026-1234 and CVE-2026-9999"),
      date: original.date,
      editDate: new Date("2026-03-02T08:59:00Z"),
    });
    const revised = await t.app.prisma.alert.findMany({ where: { chatId: "-1001", messageId: 1 } });
    expect(revised).toHaveLength(2);
    const next = await getJson(t.app, `/api/alerts?limit=1&cursor=${cursor}`);
    const rest = await getJson(t.app, `/api/alerts?limit=1&cursor=${next.body.data.next_cursor}`);
    expect(next.body.data.has_more).toBe(true);
    expect(rest.body.data.has_more).toBe(false);
    const ids = [...next.body.data.alerts, ...rest.body.data.alerts].map((a: Listed) => a.id);
    expect(ids.sort()).toEqual(revised.map((a) => a.id).sort());
    expect(recorder.of("alert_updated").map((e) => e.data.id)).toEqual([edited.id, edited.id, ...ids]);

    const bad = await getJson(t.app, "/api/alerts?updated_since=soon");
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe("updated_since");
    const mixed = await getJson(t.app, "/api/alerts?limit=1");
    const idCursor = mixed.body.data.next_cursor;
    const refused = await getJson(t.app, `/api/alerts?updated_since=2026-01-01T00:00:00Z&cursor=${idCursor}`);
    expect(refused.status).toBe(400);
    expect(refused.body.error.details[0].path).toBe("cursor");
  });
});

describe("alert caps (Redis TTL counters)", () => {
  const redis = redisAdapters();
  let t: TestApp;
  let feeder: Feeder;
  let recorder: EventRecorder;

  beforeAll(async () => {
    recorder = new EventRecorder(redis.target, ["alert_created"]);
    await recorder.ready();
    t = await buildTestApp({
      yaml: ["alerts:", "  per_chat_per_hour: 3", "  per_profile_per_hour: 4", ""].join("\n"),
      bus: redis.bus,
      ttl: redis.ttl,
      now: () => new Date("2026-03-02T09:15:00Z"),
      digestTimer: false,
    });
    await t.app.ready();
    feeder = new Feeder(t.app);
    expect(
      (await sendJson(t.app, "PUT", "/api/profiles", [{ name: "crypto", keywords: ["bitcoin"] }])).status,
    ).toBe(200);
  });

  afterAll(async () => {
    await feeder.close();
    await t.close();
    await recorder.close();
    await redis.close();
  });

  it("suppresses alerts over the per-chat and per-profile caps, and counts them", async () => {
    // Chat A: 5 matches, cap 3 per chat → 3 alerts, 2 suppressed by the chat cap.
    for (let i = 1; i <= 5; i++) await feeder.feed(chatMessage("-1001", i, `bitcoin ${i}`));
    // Chat B: 3 matches, but the profile has 1 of its 4 left → 1 alert, 2 suppressed by the profile cap.
    await feeder.feed(...[1, 2, 3].map((i) => chatMessage("-1002", i, `bitcoin ${i}`)));

    const alerts = await t.app.prisma.alert.findMany({ orderBy: { id: "asc" } });
    expect(alerts.map((a) => `${a.chatId}/${a.messageId}`)).toEqual([
      "-1001/1",
      "-1001/2",
      "-1001/3",
      "-1002/1",
    ]);
    expect(await recorder.waitFor("alert_created", 4)).toHaveLength(4);

    const rows = await t.app.prisma.alertSuppression.findMany({ orderBy: { chatId: "asc" } });
    expect(rows.map((r) => [r.chatId, r.profile, r.hour.toISOString(), r.count])).toEqual([
      ["-1001", "crypto", "2026-03-02T09:00:00.000Z", 2],
      ["-1002", "crypto", "2026-03-02T09:00:00.000Z", 2],
    ]);
    // The counters are TTL keys in Redis with an hour's window.
    const counters = await redis.ttl.list("alert-cap:");
    expect(counters.map((c) => [c.key, c.value])).toEqual([
      ["alert-cap:chat:-1001", "3"],
      ["alert-cap:chat:-1002", "1"],
      ["alert-cap:profile:crypto", "4"],
    ]);
    for (const c of counters) expect(c.ttlMs).toBeGreaterThan(3_500_000);

    const stats = (await getJson(t.app, "/api/stats")).body.data;
    expect(stats.suppressed).toEqual({
      total: 4,
      last_hour: 4,
      per_profile: { crypto: 4 },
      per_chat: { "-1001": 2, "-1002": 2 },
    });
    expect(stats.alerts_created).toBe(4);
    expect(stats.messages_ingested).toBe(8);
  });

  it("lets an edit of an existing alert through even when the caps are full", async () => {
    await feeder.feed(
      chatMessage("-1001", 1, "edited: bitcoin", { editDate: new Date("2026-03-01T13:00:00Z") }),
    );
    const alert = await t.app.prisma.alert.findFirstOrThrow({ where: { chatId: "-1001", messageId: 1 } });
    expect(alert.text).toBe("edited: bitcoin");
    expect(JSON.parse(alert.reasons)[0]).toMatchObject({ term: "bitcoin", start: 8, end: 15 });
    expect(await t.app.prisma.alert.count()).toBe(4);
  });
});
