/**
 * SqliteWriter on a real sentinel.db file: its thread's own connection, committed rows visible to
 * Prisma at once, failures rolled back with SQLite's code, waiting on another connection's write
 * lock without blocking the event loop (up to the busy timeout), a dead thread replaced, and close.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Worker } from "node:worker_threads";
import { migrateDatabase } from "@tgsentinel/contract/migrate.ts";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SENTINEL_MIGRATIONS_DIR } from "../plugins/database.ts";
import { chatMessage } from "../testing/alerting-fixture.ts";
import { openSentinelDatabase, type SentinelDatabase } from "./sentinel-database.ts";
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
    const other = new Database(file);
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

  it("gives up with SQLITE_BUSY once the busy timeout has passed, then writes when the lock is free", async () => {
    const writer = new SqliteWriter(file, 200);
    const other = new Database(file);
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
    const error = await inFlight;
    // Either the thread finished the write before it was stopped, or the request failed.
    if (error !== undefined) expect(error).toBeInstanceOf(SqliteWriterError);
    await db.writer.saveMessages([chatMessage("-1001", 3, "c")], NOW);
    expect(threadOf(db.writer)).not.toBe(thread);
    const ids = (await db.prisma.message.findMany()).map((m) => m.messageId);
    expect(ids).toContain(1);
    expect(ids).toContain(3);
  });

  it("closes after finishing what it was given, and refuses requests afterwards", async () => {
    const writer = new SqliteWriter(file);
    const pending = writer.saveMessages([chatMessage("-1001", 1, "a"), chatMessage("-1001", 2, "b")], NOW);
    await writer.close();
    expect(await pending).toMatchObject({ inserted: [0, 1] });
    await expect(writer.saveMessages([chatMessage("-1001", 3, "c")], NOW)).rejects.toThrow(/closed/);
    expect(await db.prisma.message.count()).toBe(2);
  });
});
