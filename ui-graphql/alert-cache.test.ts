import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { migrateDatabase } from "@tgsentinel/contract/migrate.ts";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  ALERT_COUNT_KEY,
  ALERTS_CURSOR_KEY,
  AlertCache,
  cachedAlertCount,
  ensureAlertCount,
} from "./alert-cache.ts";
import { UI_MIGRATIONS_DIR } from "./app.ts";
import { type Alert, PrismaClient } from "./db/generated/client.ts";
import type { SentinelAlert, SentinelAlertsPage, SentinelClient } from "./sentinel-client.ts";

/**
 * The sentinel's GET /api/alerts as AlertCache reads it: ids ascending after a numeric cursor, and
 * the updates listing (cursor "u:<n>") over `revisions` in the order they were made.
 */
class SentinelAlertsStub {
  listed: SentinelAlert[] = [];
  revisions: SentinelAlert[] = [];
  /** requests made of the updates listing */
  updateReads = 0;

  add(n: number): void {
    const from = this.listed.length + 1;
    for (let id = from; id < from + n; id++) {
      const at = new Date(Date.UTC(2026, 0, 1, 0, 0, id)).toISOString();
      this.listed.push({
        id,
        chat_id: "-100",
        chat_title: "News",
        message_id: id,
        profile: "p",
        score: 1,
        reasons: [],
        text: `alert ${id}`,
        message_date: at,
        created_at: at,
        updated_at: at,
      });
    }
  }

  revise(id: number): void {
    const a = this.listed.find((x) => x.id === id)!;
    const revised = {
      ...a,
      score: a.score + 1,
      updated_at: new Date(Date.parse(a.updated_at!) + 60_000).toISOString(),
    };
    this.listed[this.listed.indexOf(a)] = revised;
    this.revisions.push(revised);
  }

  async alerts(q: {
    limit?: number;
    cursor?: string | null;
    updatedSince?: string;
  }): Promise<SentinelAlertsPage> {
    const limit = q.limit ?? 500;
    if (q.updatedSince !== undefined || q.cursor?.startsWith("u:")) {
      this.updateReads++;
      const after = q.cursor ? Number(q.cursor.slice(2)) : 0;
      const page = this.revisions.slice(after, after + limit);
      const next = after + page.length;
      return { alerts: page, next_cursor: `u:${next}`, has_more: next < this.revisions.length };
    }
    const after = q.cursor ? Number(q.cursor) : 0;
    const page = this.listed.filter((a) => a.id > after).slice(0, limit);
    const last = page.at(-1)?.id ?? after;
    return { alerts: page, next_cursor: String(last), has_more: this.listed.some((a) => a.id > last) };
  }
}

describe("the maintained number of cached alerts", () => {
  let dir: string;
  let dbFile: string;
  let db: PrismaClient;
  let sentinel: SentinelAlertsStub;
  let cache: AlertCache;

  const open = async () => {
    migrateDatabase(dbFile, UI_MIGRATIONS_DIR);
    db = new PrismaClient({ adapter: new PrismaBetterSQLite3({ url: `file:${dbFile}` }) });
    await ensureAlertCount(db);
    cache = new AlertCache(db, sentinel as unknown as SentinelClient, { pageSize: 7 });
  };
  const stored = async () =>
    Number((await db.syncState.findUniqueOrThrow({ where: { key: ALERT_COUNT_KEY } })).value);
  const counted = () => db.alert.count();

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "alert-count-"));
    dbFile = path.join(dir, "ui.db");
    sentinel = new SentinelAlertsStub();
    await open();
  });
  afterEach(async () => {
    await db.$disconnect();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("starts at zero and follows inserts, re-syncs, updates and deletions", async () => {
    expect(await stored()).toBe(0);
    sentinel.add(20);
    expect(await cache.sync()).toBe(20);
    expect(await stored()).toBe(20);

    // The same alerts listed again from the start (the sentinel forgot the cursor): none counted twice.
    await db.syncState.delete({ where: { key: ALERTS_CURSOR_KEY } });
    expect(await cache.sync()).toBe(0);
    expect(await stored()).toBe(20);

    // Revisions rewrite rows without changing how many there are.
    sentinel.revise(3);
    sentinel.revise(11);
    sentinel.add(5);
    expect(await cache.sync()).toBe(5);
    expect((await db.alert.findUniqueOrThrow({ where: { id: 11 } })).score).toBe(2);
    expect(await stored()).toBe(25);
    expect(await counted()).toBe(25);

    // Deletions by any writer, and rows written outside the cache, move it in their transaction.
    await db.alert.deleteMany({ where: { id: { lte: 4 } } });
    await db.alert.delete({ where: { id: 25 } });
    await db.alert.create({
      data: {
        id: 100,
        chatId: "-1",
        messageId: 1,
        profile: "p",
        score: 1,
        reasons: "[]",
        messageDate: new Date(),
        createdAt: new Date(),
      },
    });
    expect(await stored()).toBe(await counted());
    expect(await stored()).toBe(21);
    expect(await cachedAlertCount(db)).toBe(21);
  });

  it("survives a restart and is recounted once when missing", async () => {
    sentinel.add(12);
    await cache.sync();
    await db.$disconnect();
    await open();
    expect(await stored()).toBe(12);
    sentinel.add(3);
    await cache.sync();
    expect(await stored()).toBe(15);

    await db.syncState.delete({ where: { key: ALERT_COUNT_KEY } });
    // Without the figure the total is still right (a count), and the next start stores it again.
    expect(await cachedAlertCount(db)).toBe(15);
    await db.$disconnect();
    await open();
    expect(await stored()).toBe(15);
    sentinel.add(2);
    await cache.sync();
    expect(await stored()).toBe(await counted());
    expect(await stored()).toBe(17);
  });
});

describe("which listings a sync reads", () => {
  let dir: string;
  let db: PrismaClient;
  let sentinel: SentinelAlertsStub;
  let cache: AlertCache;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "alert-sync-"));
    const dbFile = path.join(dir, "ui.db");
    migrateDatabase(dbFile, UI_MIGRATIONS_DIR);
    db = new PrismaClient({ adapter: new PrismaBetterSQLite3({ url: `file:${dbFile}` }) });
    sentinel = new SentinelAlertsStub();
    cache = new AlertCache(db, sentinel as unknown as SentinelClient, { pageSize: 7 });
    sentinel.add(10);
    await cache.sync();
  });
  afterEach(async () => {
    await db.$disconnect();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const scoreOf = async (id: number) => (await db.alert.findUniqueOrThrow({ where: { id } })).score;

  it("skips the updates listing for new alerts only, and reads it otherwise", async () => {
    const reads = sentinel.updateReads;
    sentinel.revise(2);
    sentinel.add(3);
    expect(await cache.sync({ updates: false })).toBe(3);
    expect(sentinel.updateReads).toBe(reads);
    expect(await scoreOf(2)).toBe(1);
    await cache.sync();
    expect(sentinel.updateReads).toBeGreaterThan(reads);
    expect(await scoreOf(2)).toBe(2);
  });

  it("a revision asked for during a new-alerts run is applied by the follow-up run", async () => {
    sentinel.add(2);
    const first = cache.sync({ updates: false });
    sentinel.revise(5);
    const second = cache.sync();
    expect(second).toBe(first);
    expect(await second).toBe(2);
    expect(await scoreOf(5)).toBe(2);
  });
});

describe("what a sync announces", () => {
  let dir: string;
  let db: PrismaClient;
  let sentinel: SentinelAlertsStub;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "alert-announce-"));
    const dbFile = path.join(dir, "ui.db");
    migrateDatabase(dbFile, UI_MIGRATIONS_DIR);
    db = new PrismaClient({ adapter: new PrismaBetterSQLite3({ url: `file:${dbFile}` }) });
    await ensureAlertCount(db);
    sentinel = new SentinelAlertsStub();
  });
  afterEach(async () => {
    await db.$disconnect();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("announces each new alert once, oldest first, exactly as ui.db then holds it", async () => {
    const announced: Alert[][] = [];
    const cache = new AlertCache(db, sentinel as unknown as SentinelClient, {
      pageSize: 7,
      onNew: (fresh) => announced.push(fresh),
    });
    sentinel.add(10);
    sentinel.listed[3] = {
      ...sentinel.listed[3]!,
      chat_title: null,
      score: 4.125,
      reasons: [{ kind: "keyword", term: "взлом", weight: 1.5, start: 0, end: 5 }],
      text: 'взлом 🔓 漏洞 «quoted» "double" \\ back',
      sender_name: "Ольга",
      link: "https://t.me/c/100/4",
    };
    await cache.sync();
    // Pages of 7: two announcements, every alert once, in id order.
    expect(announced.map((page) => page.length)).toEqual([7, 3]);
    const rows = await db.alert.findMany({ orderBy: { id: "asc" } });
    expect(announced.flat()).toEqual(rows);
    expect(rows[3]).toMatchObject({ chatTitle: "", score: 4.125, senderName: "Ольга", readAt: null });
    expect(JSON.parse(rows[3]!.reasons)).toEqual(sentinel.listed[3]!.reasons);

    // Listed again from the start (the cursor forgotten): nothing is new, nothing announced.
    await db.syncState.delete({ where: { key: ALERTS_CURSOR_KEY } });
    sentinel.add(2);
    announced.length = 0;
    expect(await cache.sync()).toBe(2);
    expect(announced.flat().map((a) => a.id)).toEqual([11, 12]);
    expect(await cachedAlertCount(db)).toBe(12);
  });
});
