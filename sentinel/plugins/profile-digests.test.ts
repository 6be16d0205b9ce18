/**
 * Profile digest schedules on the real app (real SQLite, real Redis), driven by a fake clock the
 * way the timer drives them: sleep until `nextRunAt()`, then `runDue()`. The server's time zone
 * is Europe/Berlin (set before any date is made; each test file runs in its own process), so the
 * wall-clock schedules cross the change to summer time on 2026-03-29 (02:00 CET → 03:00 CEST).
 */
process.env.TZ = "Europe/Berlin";

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
import type { DigestRunJson } from "./digests.ts";
import { DELIVERY_INTERRUPTED, type DigestFaults } from "./digests.ts";

const SESSION = { sessionString: "unused", dcId: 2, serverAddress: "127.0.0.1", port: 443 };
const YAML = [
  "digest:",
  "  deliver_to_saved_messages: true",
  "  schedules: []",
  "alerts:",
  "  per_chat_per_hour: 1000",
  "  per_profile_per_hour: 1000",
  "",
].join("\n");

const CRYPTO = {
  name: "crypto",
  keywords: ["bitcoin"],
  digests: [
    { every: "hourly", top_n: 1 },
    { every: "daily", at_hour: 8 },
    { every: "weekly", weekday: "mon", at_hour: 9 },
  ],
};
const MARKETS = {
  name: "markets",
  keywords: ["stocks"],
  digests: [{ every: "4h" }, { every: "6h" }, { every: "12h" }],
};

const hourIso = (ms: number) => new Date(ms).toISOString();

describe("profile digest schedules", () => {
  const redis = redisAdapters();
  // Friday 2026-03-27 12:30 in Berlin (CET, UTC+1).
  const clock = new TestClock(new Date("2026-03-27T11:30:00Z"));
  const dir = makeTempDir();
  const gateway = new RecordingGateway();
  /** Switched on by a test: a throw stands for the process dying at that point. */
  const crash = { afterCommit: false, afterSend: false };
  const faults: DigestFaults = {
    afterCommit: () => {
      if (crash.afterCommit) throw new Error("crash after commit");
    },
    afterSend: () => {
      if (crash.afterSend) throw new Error("crash after send");
    },
  };
  let t: TestApp;
  let recorder: EventRecorder;

  async function start(): Promise<void> {
    t = await buildTestApp({
      dir,
      yaml: YAML,
      bus: redis.bus,
      ttl: redis.ttl,
      gateway,
      now: clock.now,
      digestTimer: false,
      digestFaults: faults,
    });
    await t.app.ready();
    await gateway.start(SESSION);
  }

  /** What the timer does, on the fake clock, until `untilIso`. */
  async function runUntil(untilIso: string): Promise<DigestRunJson[]> {
    const end = new Date(untilIso).getTime();
    const runs: DigestRunJson[] = [];
    for (let next = t.app.digests.nextRunAt(); next && next.getTime() <= end; ) {
      clock.set(next);
      const made = await t.app.digests.runDue();
      expect(made.length).toBeGreaterThan(0); // woken only when something is due
      runs.push(...made);
      next = t.app.digests.nextRunAt();
    }
    clock.set(untilIso);
    return runs;
  }

  const untilsOf = (runs: DigestRunJson[], schedule: string) =>
    runs.filter((r) => r.schedule === schedule).map((r) => r.until);

  beforeAll(async () => {
    recorder = new EventRecorder(redis.target, ["digest_completed"]);
    await recorder.ready();
    await start();
    const put = await sendJson(t.app, "PUT", "/api/profiles", [CRYPTO, MARKETS]);
    expect(put.status).toBe(200);
  });

  afterAll(async () => {
    await t.close();
    await recorder.close();
    await redis.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("fires each kind at its wall-clock times in the server's zone, across the DST change", async () => {
    await new Feeder(t.app).feed(
      chatMessage("-1001", 1, "bitcoin"),
      chatMessage("-1002", 1, "bitcoin again"),
      chatMessage("-1003", 1, "stocks"),
    );
    const runs = await runUntil("2026-03-30T08:00:00Z");

    // Every UTC hour, no gap and no repeat where 02:00 is skipped.
    const hourly = untilsOf(runs, "profile:crypto:hourly");
    const first = Date.parse("2026-03-27T12:00:00Z");
    expect(hourly).toEqual(Array.from({ length: 69 }, (_, i) => hourIso(first + i * 3_600_000)));
    // Local 0/4/8/12/16/20 h: UTC+1 until Sunday 02:00, UTC+2 after.
    expect(untilsOf(runs, "profile:markets:4h")).toEqual(
      [
        "2026-03-27T15",
        "2026-03-27T19",
        "2026-03-27T23",
        "2026-03-28T03",
        "2026-03-28T07",
        "2026-03-28T11",
        "2026-03-28T15",
        "2026-03-28T19",
        "2026-03-28T23",
        "2026-03-29T02",
        "2026-03-29T06",
        "2026-03-29T10",
        "2026-03-29T14",
        "2026-03-29T18",
        "2026-03-29T22",
        "2026-03-30T02",
        "2026-03-30T06",
      ].map((h) => `${h}:00:00.000Z`),
    );
    expect(untilsOf(runs, "profile:markets:6h")).toEqual(
      [
        "2026-03-27T17",
        "2026-03-27T23",
        "2026-03-28T05",
        "2026-03-28T11",
        "2026-03-28T17",
        "2026-03-28T23",
        "2026-03-29T04",
        "2026-03-29T10",
        "2026-03-29T16",
        "2026-03-29T22",
        "2026-03-30T04",
      ].map((h) => `${h}:00:00.000Z`),
    );
    expect(untilsOf(runs, "profile:markets:12h")).toEqual(
      ["2026-03-27T23", "2026-03-28T11", "2026-03-28T23", "2026-03-29T10", "2026-03-29T22"].map(
        (h) => `${h}:00:00.000Z`,
      ),
    );
    // 08:00 local: 07:00Z in winter time, 06:00Z in summer time.
    expect(untilsOf(runs, "profile:crypto:daily")).toEqual([
      "2026-03-28T07:00:00.000Z",
      "2026-03-29T06:00:00.000Z",
      "2026-03-30T06:00:00.000Z",
    ]);
    expect(untilsOf(runs, "profile:crypto:weekly")).toEqual(["2026-03-30T07:00:00.000Z"]);
    expect(runs).toHaveLength(69 + 17 + 11 + 5 + 3 + 1);

    // The first run of a line starts when the schedule was first seen; each next one where the
    // previous ended. Each lists only its profile's alerts, at most its top N.
    const [firstHourly, secondHourly] = runs.filter((r) => r.schedule === "profile:crypto:hourly");
    expect(firstHourly).toMatchObject({
      trigger: "schedule",
      profile: "crypto",
      since: "2026-03-27T11:30:00.000Z",
      alert_count: 1,
      delivered: true,
    });
    expect(firstHourly!.content.flatMap((g) => g.entries.map((e) => e.profiles))).toEqual([["crypto"]]);
    expect(secondHourly).toMatchObject({ since: firstHourly!.until, alert_count: 0 });
    const firstFourHours = runs.find((r) => r.schedule === "profile:markets:4h")!;
    expect(firstFourHours).toMatchObject({ profile: "markets", alert_count: 1 });
    expect(firstFourHours.content[0]!.chat_id).toBe("-1003");

    // Delivered once each, titled by profile and kind; announced on Redis.
    expect(gateway.sent).toHaveLength(runs.length);
    expect(gateway.sent[0]!.text).toContain("TG Sentinel digest: crypto (hourly)");
    const events = await recorder.waitFor("digest_completed", runs.length);
    expect(events.at(-1)!.data).toMatchObject({ trigger: "schedule", schedule: runs.at(-1)!.schedule });
    expect(await t.app.digests.runDue()).toEqual([]);
  });

  it("catches up once per schedule after a long downtime", async () => {
    await t.close();
    clock.set("2026-04-02T13:20:00Z"); // three days later
    await start();
    expect(t.app.digests.nextRunAt()!.getTime()).toBeLessThan(clock.now().getTime());
    const runs = await t.app.digests.runDue();
    expect(runs.map((r) => [r.schedule, r.since, r.until]).sort()).toEqual(
      [
        ["profile:crypto:daily", "2026-03-30T06:00:00.000Z"],
        ["profile:crypto:hourly", "2026-03-30T08:00:00.000Z"],
        ["profile:markets:12h", "2026-03-29T22:00:00.000Z"],
        ["profile:markets:4h", "2026-03-30T06:00:00.000Z"],
        ["profile:markets:6h", "2026-03-30T04:00:00.000Z"],
      ].map(([s, since]) => [s, since, "2026-04-02T13:20:00.000Z"]),
    );
    expect(await t.app.digests.runDue()).toEqual([]);
    // The weekly line missed no Monday: it waits for the next one, 09:00 local.
    const nextWeekly = await runUntil("2026-04-06T07:00:00Z");
    expect(untilsOf(nextWeekly, "profile:crypto:weekly")).toEqual(["2026-04-06T07:00:00.000Z"]);
  });

  it("delivers a run committed just before a crash once after the restart, and never twice", async () => {
    const sentBefore = gateway.sent.length;
    crash.afterCommit = true;
    clock.set("2026-04-06T08:00:00Z"); // the hourly line is due
    await expect(t.app.digests.runDue()).rejects.toThrow("crash after commit");
    crash.afterCommit = false;
    const committed = await t.app.prisma.digestRun.findFirstOrThrow({ orderBy: { id: "desc" } });
    expect(committed).toMatchObject({
      schedule: "profile:crypto:hourly",
      deliver: true,
      delivered: false,
      deliveryStartedAt: null,
    });
    expect(gateway.sent).toHaveLength(sentBefore);

    await t.close();
    clock.set("2026-04-06T08:10:00Z");
    await start();
    // The restart delivers the committed run once and does not run its period again.
    expect(await t.app.digests.runDue()).toEqual([]);
    expect(gateway.sent).toHaveLength(sentBefore + 1);
    expect(gateway.sent.at(-1)!.text).toContain("TG Sentinel digest: crypto (hourly)");
    const after = await t.app.prisma.digestRun.findUniqueOrThrow({ where: { id: committed.id } });
    expect(after).toMatchObject({ delivered: true, error: null });
    await t.close();
    await start();
    expect(await t.app.digests.runDue()).toEqual([]);
    expect(gateway.sent).toHaveLength(sentBefore + 1);
  });

  it("never sends again a run whose delivery was cut short by a crash", async () => {
    const sentBefore = gateway.sent.length;
    crash.afterSend = true;
    clock.set("2026-04-06T09:00:00Z");
    await expect(t.app.digests.runDue()).rejects.toThrow("crash after send");
    crash.afterSend = false;
    expect(gateway.sent).toHaveLength(sentBefore + 1); // it went out, but that was not recorded
    const cut = await t.app.prisma.digestRun.findFirstOrThrow({ orderBy: { id: "desc" } });
    expect(cut).toMatchObject({ delivered: false, error: null, deliveryStartedAt: expect.any(Date) });

    await t.close();
    clock.set("2026-04-06T09:05:00Z");
    await start();
    expect(await t.app.digests.runDue()).toEqual([]);
    expect(gateway.sent).toHaveLength(sentBefore + 1);
    const settled = await t.app.prisma.digestRun.findUniqueOrThrow({ where: { id: cut.id } });
    expect(settled).toMatchObject({ delivered: false, error: DELIVERY_INTERRUPTED });
    const listed = await getJson(t.app, "/api/digests?limit=1");
    expect(listed.body.data.digests[0]).toMatchObject({ id: cut.id, error: DELIVERY_INTERRUPTED });
  });

  it("stops a removed schedule or profile, and a renamed profile starts a new line", async () => {
    clock.set("2026-04-06T09:30:00Z");
    const put = await sendJson(t.app, "PUT", "/api/profiles", [
      { ...CRYPTO, name: "coins", digests: [{ every: "hourly" }] },
      { ...MARKETS, digests: [{ every: "12h" }] },
    ]);
    expect(put.status).toBe(200);
    const runs = await runUntil("2026-04-06T12:00:00Z");
    expect(runs.map((r) => [r.schedule, r.since, r.until])).toEqual([
      ["profile:markets:12h", "2026-04-05T22:00:00.000Z", "2026-04-06T10:00:00.000Z"],
      ["profile:coins:hourly", "2026-04-06T09:30:00.000Z", "2026-04-06T10:00:00.000Z"],
      ["profile:coins:hourly", "2026-04-06T10:00:00.000Z", "2026-04-06T11:00:00.000Z"],
      ["profile:coins:hourly", "2026-04-06T11:00:00.000Z", "2026-04-06T12:00:00.000Z"],
    ]);
    const anchors = await t.app.prisma.workerState.findMany({
      where: { key: { startsWith: "digest.anchor.profile:" } },
      orderBy: { key: "asc" },
    });
    expect(anchors.map((a) => a.key)).toEqual([
      "digest.anchor.profile:coins:hourly",
      "digest.anchor.profile:markets:12h",
    ]);

    // Back under its old name, the hourly line starts afresh rather than covering the time away.
    clock.set("2026-04-06T12:15:00Z");
    await sendJson(t.app, "PUT", "/api/profiles", [CRYPTO]);
    const again = await runUntil("2026-04-06T13:00:00Z");
    expect(again.map((r) => [r.schedule, r.since])).toEqual([
      ["profile:crypto:hourly", "2026-04-06T12:15:00.000Z"],
    ]);
    // A disabled profile's schedules stop too.
    await sendJson(t.app, "PUT", "/api/profiles", [{ ...CRYPTO, enabled: false }]);
    expect(await runUntil("2026-04-07T13:00:00Z")).toEqual([]);
    expect(t.app.digests.nextRunAt()).toBeNull();
  });

  it("refuses invalid digest schedules, naming the field, and fills the defaults", async () => {
    const bad = await sendJson(t.app, "PUT", "/api/profiles", [
      {
        name: "a",
        keywords: ["x"],
        digests: [
          { every: "2h" },
          { every: "hourly", at_hour: 3 },
          { every: "daily", at_hour: 24, weekday: "mon" },
        ],
      },
      {
        name: "b",
        keywords: ["y"],
        digests: [
          { every: "daily", top_n: 0, colour: "red" },
          { every: "12h", at_hour: 1.5 },
          { every: "weekly", weekday: "monday", top_n: 101 },
        ],
      },
      { name: "c", keywords: ["z"], digests: [{ every: "daily" }, { every: "daily", at_hour: 9 }] },
      {
        name: "d",
        keywords: ["w"],
        digests: [{ every: "hourly" }, { every: "4h" }, { every: "6h" }, { every: "12h" }],
      },
    ]);
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe("INVALID_PROFILES");
    const details = (bad.body.error.details as Array<{ path: string; message: string }>).map(
      (d) => `${d.path}: ${d.message}`,
    );
    expect(details).toEqual([
      "profiles[0].digests[0].every: must be one of hourly, 4h, 6h, 12h, daily, weekly",
      "profiles[0].digests[1].at_hour: only for daily or weekly digests",
      "profiles[0].digests[2].at_hour: must be from 0 to 23",
      "profiles[0].digests[2].weekday: only for weekly digests",
      "profiles[1].digests[0].top_n: must be >= 1",
      "profiles[1].digests[0].colour: unknown key",
      "profiles[1].digests[1].at_hour: must be a whole hour",
      "profiles[1].digests[2].weekday: must be one of mon, tue, wed, thu, fri, sat, sun",
      "profiles[1].digests[2].top_n: must be <= 100",
      "profiles[2].digests[1].every: duplicate digest schedule (same as digests[0].every)",
      "profiles[3].digests: at most 3 digest schedules",
    ]);

    const good = await sendJson(t.app, "PUT", "/api/profiles", [
      { name: "a", keywords: ["x"], digests: [{ every: "weekly" }, { every: "daily" }, { every: "6h" }] },
    ]);
    expect(good.status).toBe(200);
    expect(good.body.data.profiles[0].digests).toEqual([
      { every: "weekly", at_hour: 8, weekday: "mon", top_n: 20 },
      { every: "daily", at_hour: 8, top_n: 20 },
      { every: "6h", top_n: 20 },
    ]);
  });
});
