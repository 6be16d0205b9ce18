/**
 * Digests on the real app: scheduled runs driven by a fake clock (app.digests.runDue()), the
 * real timer with a real clock, manual runs over REST, storage in digest_runs, digest_completed
 * on Redis, and delivery to Saved Messages through the gateway.
 */
import fs from "node:fs";
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
import { RecordingGateway } from "../testing/recording-gateway.ts";
import { buildTestApp, makeTempDir, type TestApp } from "../testing/sentinel-fixture.ts";

const SESSION = { sessionString: "unused", dcId: 2, serverAddress: "127.0.0.1", port: 443 };
const YAML = [
  "digest:",
  "  deliver_to_saved_messages: true",
  "  schedules:",
  "    - name: hourly",
  '      cron: "0 * * * *"',
  "      top_n: 2",
  "alerts:",
  "  per_chat_per_hour: 1000",
  "  per_profile_per_hour: 1000",
  "",
].join("\n");

describe("digests", () => {
  const redis = redisAdapters();
  const clock = new TestClock(new Date("2026-03-02T09:30:00Z"));
  const dir = makeTempDir();
  const gateway = new RecordingGateway();
  let t: TestApp;
  let feeder: Feeder;
  let recorder: EventRecorder;

  async function feedAt(iso: string, ...messages: Parameters<Feeder["feed"]>) {
    clock.set(iso);
    await feeder.feed(...messages);
  }

  beforeAll(async () => {
    recorder = new EventRecorder(redis.target, ["digest_completed"]);
    await recorder.ready();
    t = await buildTestApp({
      dir,
      yaml: YAML,
      bus: redis.bus,
      ttl: redis.ttl,
      gateway,
      now: clock.now,
      digestTimer: false,
    });
    await t.app.ready();
    feeder = new Feeder(t.app);
    await sendJson(t.app, "PUT", "/api/profiles", [
      { name: "crypto", keywords: ["bitcoin", { term: "ethereum", weight: 2 }] },
      { name: "markets", keywords: [{ term: "bitcoin", weight: 0.5 }, "stocks"] },
    ]);
  });

  afterAll(async () => {
    await feeder.close();
    await t.close();
    await recorder.close();
    await redis.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("runs a schedule when its cron time passes on the clock, with the top N since it was first seen", async () => {
    expect(t.app.digests.nextRunAt()?.toISOString()).toBe("2026-03-02T10:00:00.000Z");
    await feedAt(
      "2026-03-02T09:40:00Z",
      chatMessage("-1001", 1, "bitcoin"), // crypto 1, markets 0.5
      chatMessage("-1002", 1, "ethereum and bitcoin"), // crypto 3
      chatMessage("-1001", 2, "stocks"), // markets 1
      chatMessage("-1003", 1, "ethereum"), // crypto 2
    );
    clock.set("2026-03-02T09:59:59Z");
    expect(await t.app.digests.runDue()).toEqual([]);

    clock.set("2026-03-02T10:00:05Z");
    await gateway.start(SESSION); // authorized: delivery to Saved Messages works
    const [run, ...more] = await t.app.digests.runDue();
    expect(more).toEqual([]);
    expect(run).toMatchObject({
      trigger: "schedule",
      schedule: "hourly",
      since: "2026-03-02T09:30:00.000Z",
      until: "2026-03-02T10:00:05.000Z",
      finished_at: "2026-03-02T10:00:05.000Z",
      alert_count: 2,
      delivered: true,
      error: null,
    });
    expect(run!.content).toEqual([
      expect.objectContaining({
        chat_id: "-1002",
        chat_title: "Dev Chat",
        best_score: 3,
        entries: [
          expect.objectContaining({
            message_id: 1,
            score: 3,
            profiles: ["crypto"],
            text: "ethereum and bitcoin",
          }),
        ],
      }),
      expect.objectContaining({ chat_id: "-1003", entries: [expect.objectContaining({ score: 2 })] }),
    ]);
    expect(await t.app.digests.runDue()).toEqual([]); // once per occurrence

    const events = await recorder.waitFor("digest_completed", 1);
    expect(events[0]!.data).toEqual({
      id: run!.id,
      trigger: "schedule",
      schedule: "hourly",
      alert_count: 2,
      finished_at: "2026-03-02T10:00:05.000Z",
    });
    expect(gateway.sent).toHaveLength(1);
    expect(gateway.sent[0]!.peer).toBe("me");
    expect(gateway.sent[0]!.text).toContain("TG Sentinel digest: hourly");
    expect(gateway.sent[0]!.text).toContain("- [3 crypto] ethereum and bitcoin");
    expect(t.app.digests.nextRunAt()?.toISOString()).toBe("2026-03-02T11:00:00.000Z");
  });

  it("covers only the time since the schedule's previous run", async () => {
    await feedAt("2026-03-02T10:20:00Z", chatMessage("-1001", 3, "bitcoin and stocks"));
    clock.set("2026-03-02T11:00:00Z");
    const [run] = await t.app.digests.runDue();
    expect(run).toMatchObject({
      since: "2026-03-02T10:00:05.000Z",
      until: "2026-03-02T11:00:00.000Z",
      alert_count: 1,
    });
    // One entry for the message, under its best profile, naming both.
    expect(run!.content[0]!.entries[0]!).toMatchObject({
      message_id: 3,
      score: 1.5,
      profiles: ["markets", "crypto"],
    });
    expect(run!.content[0]!.entries[0]!.alert_ids).toHaveLength(2);
  });

  it("runs on demand over REST: since the last run of any kind, or since a given time, with top_n", async () => {
    await feedAt("2026-03-02T11:05:00Z", chatMessage("-1002", 2, "ethereum"));
    clock.set("2026-03-02T11:10:00Z");
    const manual = await sendJson(t.app, "POST", "/api/digests/run", {});
    expect(manual.status).toBe(200);
    expect(manual.body.message).toBe("Digest completed");
    expect(manual.body.data).toMatchObject({
      trigger: "manual",
      schedule: null,
      since: "2026-03-02T11:00:00.000Z",
      until: "2026-03-02T11:10:00.000Z",
      alert_count: 1,
      delivered: true,
    });

    const wide = await sendJson(t.app, "POST", "/api/digests/run", {
      since: "2026-03-02T00:00:00Z",
      top_n: 3,
      deliver: false,
    });
    expect(wide.status).toBe(200);
    expect(wide.body.data).toMatchObject({
      since: "2026-03-02T00:00:00.000Z",
      alert_count: 3,
      delivered: false,
    });
    const scores = wide.body.data.content.flatMap((g: { entries: Array<{ score: number }> }) =>
      g.entries.map((e) => e.score),
    );
    expect(scores.sort((a: number, b: number) => b - a)).toEqual([3, 2, 2]);

    await recorder.waitFor("digest_completed", 4);
    expect(recorder.of("digest_completed").map((e) => e.data.trigger)).toEqual([
      "schedule",
      "schedule",
      "manual",
      "manual",
    ]);

    for (const [payload, path] of [
      [{ since: "yesterday" }, "since"],
      [{ top_n: 0 }, "top_n"],
      [{ top_n: 501 }, "top_n"],
      [{ since: "2026-03-03T00:00:00Z" }, "since"],
      [{ colour: "red" }, ""],
    ] as const) {
      const bad = await sendJson(t.app, "POST", "/api/digests/run", payload);
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe("VALIDATION_FAILED");
      if (path) expect(bad.body.error.details[0].path).toBe(path);
    }
  });

  it("records a failed delivery without failing the digest", async () => {
    await gateway.stop();
    clock.set("2026-03-02T11:20:00Z");
    const run = await sendJson(t.app, "POST", "/api/digests/run", {});
    expect(run.status).toBe(200);
    expect(run.body.data).toMatchObject({
      delivered: false,
      error: expect.stringMatching(/^not delivered: /),
    });
    expect(gateway.sent).toHaveLength(3);
  });

  it("never ingests the account's own posts in its Saved Messages, where digests are delivered", async () => {
    await gateway.start(SESSION);
    const self = String(gateway.status().user_info?.user_id);
    const own = { chatType: "user" as const, chatTitle: "Saved Messages", senderId: self, link: null };
    // A long digest arrives in parts; only the first starts with the digest's title.
    await feeder.feed(
      chatMessage(self, 9001, "TG Sentinel digest: hourly\nbitcoin ethereum", own),
      chatMessage(self, 9002, "…continued: ethereum bitcoin stocks", own),
      chatMessage(self, 9003, "someone else's bitcoin news in my Saved Messages", {
        ...own,
        senderId: "777",
      }),
    );
    const stored = await t.app.prisma.message.findMany({
      where: { chatId: self },
      select: { messageId: true },
    });
    expect(stored.map((m) => m.messageId)).toEqual([9003]);
  });

  it("lists stored runs newest first with cursor pages", async () => {
    const all = await getJson(t.app, "/api/digests");
    expect(all.status).toBe(200);
    const ids = all.body.data.digests.map((d: { id: number }) => d.id);
    expect(ids).toHaveLength(5);
    expect([...ids].sort((a, b) => b - a)).toEqual(ids);
    expect(all.body.data.next_cursor).toBeNull();
    expect(all.body.data.digests[4]).toMatchObject({
      trigger: "schedule",
      schedule: "hourly",
      alert_count: 2,
    });
    expect(all.body.data.digests[4].content[0].chat_id).toBe("-1002");

    const first = await getJson(t.app, "/api/digests?limit=2");
    const second = await getJson(t.app, `/api/digests?limit=2&cursor=${first.body.data.next_cursor}`);
    const third = await getJson(t.app, `/api/digests?limit=2&cursor=${second.body.data.next_cursor}`);
    expect(
      [first, second, third].flatMap((p) => p.body.data.digests.map((d: { id: number }) => d.id)),
    ).toEqual(ids);
    expect(third.body.data.next_cursor).toBeNull();

    const since = await getJson(t.app, "/api/digests?since=2026-03-02T11:05:00Z");
    expect(since.body.data.digests).toHaveLength(3);
    expect((await getJson(t.app, "/api/digests?limit=0")).status).toBe(400);
    const stored = await t.app.prisma.digestRun.count();
    expect(stored).toBe(5);

    const stats = (await getJson(t.app, "/api/stats")).body.data;
    expect(stats.digests).toEqual({
      runs: 5,
      last_run_at: "2026-03-02T11:20:00.000Z",
      next_run_at: "2026-03-02T12:00:00.000Z",
    });
  });

  it("catches up once after a restart that missed occurrences", async () => {
    await feeder.close();
    await t.close();
    clock.set("2026-03-02T14:30:00Z");
    t = await buildTestApp({
      dir,
      yaml: YAML,
      bus: redis.bus,
      ttl: redis.ttl,
      gateway,
      now: clock.now,
      digestTimer: false,
    });
    await t.app.ready();
    feeder = new Feeder(t.app);
    const runs = await t.app.digests.runDue();
    expect(runs.map((r) => [r.schedule, r.since, r.until])).toEqual([
      ["hourly", "2026-03-02T11:00:00.000Z", "2026-03-02T14:30:00.000Z"],
    ]);
    expect(await t.app.digests.runDue()).toEqual([]);
  });
});

describe("the digest timer", () => {
  it("runs a schedule on time with the real clock", async () => {
    const redis = redisAdapters();
    const recorder = new EventRecorder(redis.target, ["digest_completed"]);
    await recorder.ready();
    const t = await buildTestApp({
      yaml: ["digest:", "  schedules:", "    - name: every-second", '      cron: "* * * * * *"', ""].join(
        "\n",
      ),
      bus: redis.bus,
      ttl: redis.ttl,
    });
    try {
      await t.app.ready();
      const [event] = await recorder.waitFor("digest_completed", 1, 4_000);
      expect(event!.data).toMatchObject({ trigger: "schedule", schedule: "every-second", alert_count: 0 });
      const run = await t.app.prisma.digestRun.findUniqueOrThrow({ where: { id: event!.data.id } });
      expect(run.content).toBe("[]");
    } finally {
      await t.close();
      await recorder.close();
      await redis.close();
    }
  });
});
