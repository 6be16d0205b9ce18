/**
 * Retention through the app (real SQLite, ingestion and scoring make the alerts) and the
 * service's batching on a temp sentinel.db with thousands of rows.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { MemoryEventBus } from "@tgsentinel/contract/event-bus.ts";
import { MemoryTtlStore } from "@tgsentinel/contract/ttl-store.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nextOccurrence } from "../digest/digest-schedule.ts";
import { DAY_MS, isExpired, RETENTION_PURGE_CRON, retentionCutoffs } from "../retention/retention-policy.ts";
import { chatMessage, Feeder, getJson, sendJson, TestClock } from "../testing/alerting-fixture.ts";
import { buildTestApp, makeTempDir, type TestApp } from "../testing/sentinel-fixture.ts";
import { createTempSentinelDb, type TempSentinelDb } from "../testing/temp-sentinel-db.ts";
import { RETENTION_FIRST_PURGE_DELAY_MS, RetentionService } from "./retention.ts";

const NOW = new Date("2026-06-03T12:00:00Z");
const YAML = [
  "alerts: { per_chat_per_hour: 1000, per_profile_per_hour: 1000 }",
  "retention: { messages_days: 30, alerted_messages_days: 180, vacuum_cron: '0 4 * * 0' }",
  "",
].join("\n");

const daysAgo = (days: number) => new Date(NOW.getTime() - days * DAY_MS);
const AGES = [1, 29, 31, 100, 179, 181, 400];

describe("retention plugin", () => {
  const dir = makeTempDir("retention-");
  const clock = new TestClock(NOW);
  let t: TestApp;

  const build = () =>
    buildTestApp({
      dir,
      yaml: YAML,
      bus: new MemoryEventBus(),
      ttl: new MemoryTtlStore(),
      now: clock.now,
      digestTimer: false,
      retentionTimer: false,
    });

  beforeAll(async () => {
    t = await build();
    await t.app.ready();
    await sendJson(t.app, "PUT", "/api/profiles", [{ name: "security", keywords: ["breach"] }]);
    const feeder = new Feeder(t.app);
    // One plain and one alerting message at each age.
    await feeder.feed(
      ...AGES.flatMap((age, i) => [
        chatMessage("-1001", i * 2 + 1, `weather report ${age}`, { date: daysAgo(age) }),
        chatMessage("-1002", i * 2 + 2, `data breach ${age}`, { date: daysAgo(age) }),
      ]),
    );
  });

  afterAll(async () => {
    await t.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("deletes plain messages after messages_days and alerted ones after alerted_messages_days, as isExpired says; alerts stay", async () => {
    const { prisma } = t.app;
    expect(await prisma.alert.count()).toBe(AGES.length);
    const before = await prisma.message.findMany({ orderBy: { id: "asc" } });
    const alerted = new Set((await prisma.alert.findMany()).map((a) => `${a.chatId}:${a.messageId}`));
    const cutoffs = retentionCutoffs(NOW, t.config.settings.retention);
    const expected = before
      .filter(
        (m) => !isExpired({ date: m.date, alerted: alerted.has(`${m.chatId}:${m.messageId}`) }, cutoffs),
      )
      .map((m) => m.text);

    const outcome = await t.app.retention.purgeNow();
    const after = (await prisma.message.findMany({ orderBy: { id: "asc" } })).map((m) => m.text);
    expect(after).toEqual(expected);
    expect(after).toEqual([
      "weather report 1",
      "data breach 1",
      "weather report 29",
      "data breach 29",
      "data breach 31",
      "data breach 100",
      "data breach 179",
    ]);
    expect(outcome).toMatchObject({ messages: 7, alerted_messages: 2, interrupted: false });
    expect(await prisma.alert.count()).toBe(AGES.length);

    const stats = (await getJson(t.app, "/api/stats")).body.data.retention;
    expect(stats).toMatchObject({
      enabled: true,
      messages_days: 30,
      alerted_messages_days: 180,
      deleted_total: { messages: 7, alerted_messages: 2, webhook_deliveries: 0 },
      last_purge: { messages: 7, alerted_messages: 2 },
      last_error: null,
    });
    // Nothing left to delete: a second run deletes nothing and changes no total.
    expect(await t.app.retention.purgeNow()).toMatchObject({ messages: 0 });
  });

  it("purges first 10 minutes after start, then at minute 17 of each hour, on the injected clock", async () => {
    const first = new Date(NOW.getTime() + RETENTION_FIRST_PURGE_DELAY_MS);
    expect(t.app.retention.nextPurgeAt()?.toISOString()).toBe(first.toISOString());
    expect(await t.app.retention.runDue()).toEqual({ purge: null, vacuum: null });

    // Three days later the plain message of day 29 is past 30 days, and the alerted one of day
    // 179 past 180 (the VACUUM, due on Sunday, is not due yet).
    clock.set(new Date(NOW.getTime() + 3 * DAY_MS));
    const ran = await t.app.retention.runDue();
    expect(ran.purge).toMatchObject({ messages: 2, alerted_messages: 1 });
    expect(ran.vacuum).toBeNull();
    expect(t.app.retention.nextPurgeAt()?.toISOString()).toBe(
      nextOccurrence(RETENTION_PURGE_CRON, clock.now())?.toISOString(),
    );
  });

  it("vacuums on vacuum_cron, giving free pages back to the disk", async () => {
    const { prisma } = t.app;
    // Fill and empty the file so it has free pages to give back.
    await prisma.$executeRawUnsafe(
      `INSERT INTO messages (chat_id, message_id, text, date, created_at)
       SELECT '-1009', value, printf('%.2000c', 'x'), ?, ? FROM json_each(?)`,
      daysAgo(365).toISOString().replace("Z", "+00:00"),
      NOW.toISOString().replace("Z", "+00:00"),
      JSON.stringify(Array.from({ length: 2_000 }, (_, i) => i + 1)),
    );
    await t.app.retention.purgeNow();
    const file = t.config.databaseFile;
    const onDisk = () =>
      [file, `${file}-wal`].reduce((sum, f) => sum + (fs.existsSync(f) ? fs.statSync(f).size : 0), 0);
    const sizeBefore = onDisk();

    const due = t.app.retention.nextVacuumAt()!;
    expect(due.toISOString()).toBe(nextOccurrence("0 4 * * 0", NOW)?.toISOString());
    clock.set(new Date(due.getTime() + 1_000));
    const ran = await t.app.retention.runDue();
    expect(ran.vacuum).toMatchObject({ skipped: false });
    expect(ran.vacuum!.freePagesBefore).toBeGreaterThan(900);
    expect(ran.vacuum!.pagesAfter).toBeLessThan(ran.vacuum!.pagesBefore);
    expect(onDisk()).toBeLessThan(sizeBefore / 2);
    const stats = (await getJson(t.app, "/api/stats")).body.data.retention;
    expect(stats.last_vacuum).toMatchObject({ skipped: false });
    expect(stats.last_vacuum.freed_bytes).toBeGreaterThan(3_000_000);
    // The next one is a week later; with nothing to reclaim it is skipped.
    expect(t.app.retention.nextVacuumAt()!.getTime() - due.getTime()).toBe(7 * DAY_MS);
    expect(await t.app.retention.vacuumNow()).toMatchObject({ skipped: true });
  });

  it("keeps its totals and VACUUM schedule across a restart", async () => {
    const totals = (await getJson(t.app, "/api/stats")).body.data.retention.deleted_total;
    const nextVacuum = t.app.retention.nextVacuumAt()?.toISOString();
    await t.app.close();
    t = await build();
    await t.app.ready();
    const stats = (await getJson(t.app, "/api/stats")).body.data.retention;
    expect(stats.deleted_total).toEqual(totals);
    expect(totals.messages).toBeGreaterThan(2_000);
    expect(stats.next_vacuum_at).toBe(nextVacuum);
  });
});

describe("retention of a replayed export", () => {
  it("never purges messages replayed from a Telegram Desktop export (they are historical)", async () => {
    const sample = path.resolve(
      path.dirname(fileURLToPath(import.meta.url)),
      "../../samples/export/result.json",
    );
    const t = await buildTestApp({
      gateway: undefined,
      env: { TG_SOURCE: `export:${sample}` },
      digestTimer: false,
      retentionTimer: false,
    });
    try {
      await t.app.ready();
      expect(await t.app.retention.purgeNow()).toMatchObject({ messages: 0, batches: 0 });
      expect(t.app.retention.stats().enabled).toBe(false);
    } finally {
      await t.close();
    }
  });
});

describe("RetentionService batches", () => {
  let db: TempSentinelDb;
  beforeAll(async () => {
    db = await createTempSentinelDb("retention-batches-");
  });
  afterAll(async () => {
    await db.dispose();
  });

  it("deletes thousands of messages in batches of the configured size, each one short", async () => {
    const old = daysAgo(90).toISOString().replace("Z", "+00:00");
    await db.prisma.$executeRawUnsafe(
      `INSERT INTO messages (chat_id, message_id, text, date, created_at)
       SELECT '-1001', value, 'old news', ?, ? FROM json_each(?)`,
      old,
      old,
      JSON.stringify(Array.from({ length: 5_000 }, (_, i) => i + 1)),
    );
    await db.prisma.$executeRawUnsafe(
      `INSERT INTO messages (chat_id, message_id, text, date, created_at) VALUES ('-1001', 9001, 'fresh', ?, ?)`,
      NOW.toISOString().replace("Z", "+00:00"),
      NOW.toISOString().replace("Z", "+00:00"),
    );
    const lines: string[] = [];
    const log = {
      info: (_: object, msg?: string) => lines.push(String(msg)),
      debug: () => {},
      warn: () => {},
      error: () => {},
    } as unknown as ConstructorParameters<typeof RetentionService>[0]["log"];
    const service = new RetentionService({
      prisma: db.prisma,
      policy: { messagesDays: 30, alertedMessagesDays: 180, vacuumCron: null },
      now: () => NOW,
      log,
      purgeable: () => true,
      batch: 500,
      pauseMs: 1,
    });
    await service.start({ timer: false });
    const outcome = await service.purgeNow();
    expect(outcome).toMatchObject({ messages: 5_000, batches: 11 });
    expect(await db.prisma.message.count()).toBe(1);
    expect(lines).toContain("retention: old messages deleted");
    expect(service.nextVacuumAt()).toBeNull();
    await service.close();
  });
});
