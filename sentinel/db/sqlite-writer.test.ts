/**
 * SqliteWriter on a real sentinel.db file: its thread's own connection, committed rows visible to
 * Prisma at once, failures rolled back with SQLite's code, waiting on another connection's write
 * lock without blocking the event loop (up to the busy timeout), a dead thread replaced, and close.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { Worker } from "node:worker_threads";
import { migrateDatabase } from "@tgsentinel/contract/migrate.ts";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SENTINEL_MIGRATIONS_DIR } from "../plugins/database.ts";
import { chatMessage } from "../testing/alerting-fixture.ts";
import { openSentinelDatabase, type SentinelDatabase } from "./sentinel-database.ts";
import { PrismaSqlite } from "./sqlite-library.ts";
import { SQLITE_BUSY_TIMEOUT_MS, SqliteWriter, SqliteWriterError } from "./sqlite-writer.ts";

const NOW = "2026-03-01T12:00:00.000+00:00";

describe("SqliteWriter", () => {
  let dir: string;
  let file: string;
  let db: SentinelDatabase;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sqlite-writer-"));
    file = path.join(dir, "sentinel.db");
    migrateDatabase(file, SENTINEL_MIGRATIONS_DIR);
    db = openSentinelDatabase(file);
  });
  afterEach(async () => {
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("writes on its own thread and connection; Prisma reads the committed rows at once", async () => {
    expect(SQLITE_BUSY_TIMEOUT_MS).toBe(10_000);
    const saved = await db.writer.saveMessages(
      [chatMessage("-1001", 1, "a"), chatMessage("-1001", 2, "b")],
      NOW,
    );
    expect(saved).toEqual({ inserted: [0, 1], updated: [], unchanged: 0 });
    expect(await db.prisma.message.count()).toBe(2);
    expect(await db.writer.storedAlerts([["-1001", 1]])).toEqual([]);
  });

  it("rolls a failing request back whole, reports SQLite's code, and keeps serving", async () => {
    const other = new PrismaSqlite(file);
    other.exec(`CREATE TRIGGER no_2 BEFORE INSERT ON messages WHEN NEW.message_id = 2
                BEGIN SELECT RAISE(ABORT, 'no message 2'); END`);
    const error = await db.writer
      .saveMessages([chatMessage("-1001", 1, "a"), chatMessage("-1001", 2, "b")], NOW)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SqliteWriterError);
    expect(error).toMatchObject({ message: "no message 2", code: "SQLITE_CONSTRAINT_TRIGGER" });
    expect(await db.prisma.message.count()).toBe(0);
    other.exec("DROP TRIGGER no_2");
    other.close();
    await db.writer.saveMessages([chatMessage("-1001", 1, "a")], NOW);
    expect(await db.prisma.message.count()).toBe(1);
  });

  it("marks a scored batch with its alerts: runs of row ids it stored, keys for the rest, never a rolled-back row id", async () => {
    const scored = async (keys: Array<[string, number]>) =>
      db.writer.writeAlerts({
        drafts: [],
        revisions: [],
        suppressions: [],
        createdAt: new Date(NOW),
        scored: { keys, at: new Date("2026-03-01T13:00:00Z") },
      });
    const scoredIds = async () =>
      (await db.prisma.message.findMany({ where: { scoredAt: { not: null } }, orderBy: { id: "asc" } })).map(
        (m) => `${m.chatId}/${m.messageId}`,
      );
    await db.writer.saveMessages(
      [1, 2, 3, 4].map((id) => chatMessage("-1001", id, `m${id}`)),
      NOW,
    );
    await db.writer.saveMessages([chatMessage("-1001", 2, "m2 edited"), chatMessage("-1002", 1, "x")], NOW);
    await scored([
      ["-1001", 1],
      ["-1001", 2],
      ["-1001", 4],
      ["-1002", 1],
    ]);
    expect(await scoredIds()).toEqual(["-1001/1", "-1001/2", "-1001/4", "-1002/1"]);

    // A batch that failed leaves no row id behind: the ids it held go to the next batch's rows.
    const other = new PrismaSqlite(file);
    other.exec(`CREATE TRIGGER no_9 BEFORE INSERT ON messages WHEN NEW.message_id = 9
                BEGIN SELECT RAISE(ABORT, 'no 9'); END`);
    await expect(
      db.writer.saveMessages([chatMessage("-1003", 8, "a"), chatMessage("-1003", 9, "b")], NOW),
    ).rejects.toThrow(/no 9/);
    other.exec("DROP TRIGGER no_9");
    other.close();
    await db.writer.saveMessages([chatMessage("-1004", 1, "c")], NOW);
    await scored([["-1003", 8]]);
    expect(await scoredIds()).toEqual(["-1001/1", "-1001/2", "-1001/4", "-1002/1"]);
    // Keys the thread does not remember (a new thread) are marked one by one; Prisma sees the new
    // thread's writes (it opens sentinel.db with the same SQLite library as Prisma: with a second
    // copy, the dead thread's connection took Prisma's locks with it and Prisma read stale pages).
    await (db.writer as unknown as { thread: { worker: Worker } }).thread.worker.terminate();
    await scored([
      ["-1001", 3],
      ["-1004", 1],
    ]);
    expect(await scoredIds()).toEqual(["-1001/1", "-1001/2", "-1001/3", "-1001/4", "-1002/1", "-1004/1"]);
  });

  it("waits for a Prisma transaction holding the write lock on its own thread: the event loop keeps running", async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const prisma = db.prisma.$transaction(
      async (tx) => {
        await tx.workerState.create({ data: { key: "held", value: "1" } });
        locked();
        await held;
      },
      { timeout: 10_000 },
    );
    await isLocked;
    let stored = false;
    const write = db.writer.saveMessages([chatMessage("-1001", 1, "a")], NOW).then(() => {
      stored = true;
    });
    // Timers still fire while the writer thread waits for the lock.
    const ticks: number[] = [];
    for (let i = 0; i < 5; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      ticks.push(i);
    }
    expect(ticks).toHaveLength(5);
    expect(stored).toBe(false);
    release();
    await Promise.all([prisma, write]);
    expect(await db.prisma.message.count()).toBe(1);
    expect(await db.prisma.workerState.count({ where: { key: "held" } })).toBe(1);
  });

  it("shares SQLite's locks with the connections next to it: SQLITE_BUSY once the busy timeout has passed, then the write", async () => {
    const writer = new SqliteWriter(file, 200);
    const other = new PrismaSqlite(file);
    other.exec("BEGIN IMMEDIATE");
    const started = Date.now();
    const error = await writer.saveMessages([chatMessage("-1001", 1, "a")], NOW).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "SQLITE_BUSY" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    other.exec("COMMIT");
    other.close();
    await writer.saveMessages([chatMessage("-1001", 1, "a")], NOW);
    expect(await db.prisma.message.count()).toBe(1);
    await writer.close();
  });

  it("fails the requests in flight when its thread dies; the next request starts a new thread", async () => {
    await db.writer.saveMessages([chatMessage("-1001", 1, "a")], NOW);
    const threadOf = (writer: SqliteWriter) =>
      (writer as unknown as { thread: { worker: Worker } }).thread.worker;
    const thread = threadOf(db.writer);
    const inFlight = db.writer.saveMessages([chatMessage("-1001", 2, "b")], NOW).catch((e: unknown) => e);
    await thread.terminate();
    const outcome = await inFlight;
    // Either the thread finished the write before it was stopped, or the request failed.
    if (outcome instanceof Error) expect(outcome).toBeInstanceOf(SqliteWriterError);
    else expect(outcome).toMatchObject({ inserted: [0] });
    await db.writer.saveMessages([chatMessage("-1001", 3, "c")], NOW);
    expect(threadOf(db.writer)).not.toBe(thread);
    const ids = (await db.prisma.message.findMany()).map((m) => m.messageId);
    expect(ids).toContain(1);
    expect(ids).toContain(3);
  });

  it("starts its thread whatever flags the process was launched with (tsx, preloaded .ts files, V8 flags)", async () => {
    const root = fileURLToPath(new URL("../..", import.meta.url));
    const probe = path.join(root, "sentinel/testing/writer-probe.ts");
    const preload = path.join(root, "e2e/harness/exit-with-parent.ts");
    const launches = [
      [path.join(root, "node_modules/tsx/dist/cli.mjs"), probe],
      ["--import", "tsx", "--import", preload, probe],
      ["--import", "tsx", "--expose-gc", probe],
    ];
    for (const [index, args] of launches.entries()) {
      const databaseFile = path.join(dir, `probe-${index}.db`);
      migrateDatabase(databaseFile, SENTINEL_MIGRATIONS_DIR);
      const { stdout } = await promisify(execFile)(process.execPath, [...args, databaseFile], {
        cwd: root,
        timeout: 60_000,
      });
      expect(JSON.parse(stdout), args.join(" ")).toEqual({ inserted: [0], updated: [], unchanged: 0 });
    }
  }, 120_000);

  it("closes after finishing what it was given, and refuses requests afterwards", async () => {
    const writer = new SqliteWriter(file);
    const pending = writer.saveMessages([chatMessage("-1001", 1, "a"), chatMessage("-1001", 2, "b")], NOW);
    await writer.close();
    expect(await pending).toMatchObject({ inserted: [0, 1] });
    await expect(writer.saveMessages([chatMessage("-1001", 3, "c")], NOW)).rejects.toThrow(/closed/);
    expect(await db.prisma.message.count()).toBe(2);
  });
});
