/**
 * SharedSqlite on a real sentinel.db: it runs on Prisma's own connection, commits all or nothing,
 * never joins (nor is rolled back with) an open Prisma transaction, gives up after its wait limit,
 * and follows Prisma through a disconnect.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { migrateDatabase } from "@tgsentinel/contract/migrate.ts";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SENTINEL_MIGRATIONS_DIR } from "../plugins/database.ts";
import {
  OPEN_TRANSACTION_WAIT_MS,
  openSentinelDatabase,
  type SentinelDatabase,
  SqliteBusyError,
} from "./shared-sqlite.ts";

const PUT_STATE =
  "INSERT INTO worker_state (key, value, updated_at) VALUES (?, ?, '2026-03-01T00:00:00.000+00:00')";

async function stateKeys(db: SentinelDatabase): Promise<string[]> {
  const rows = await db.prisma.workerState.findMany({ orderBy: { key: "asc" } });
  return rows.map((row) => row.key);
}

/** An interactive Prisma transaction that writes `key` and stays open until `end()`; then rolls back or commits. */
function openPrismaTransaction(db: SentinelDatabase, key: string, outcome: "commit" | "rollback") {
  let end!: () => void;
  const ended = new Promise<void>((resolve) => {
    end = resolve;
  });
  let opened!: () => void;
  const isOpen = new Promise<void>((resolve) => {
    opened = resolve;
  });
  const done = db.prisma
    .$transaction(
      async (tx) => {
        await tx.$executeRawUnsafe(PUT_STATE, key, "prisma");
        opened();
        await ended;
        if (outcome === "rollback") throw new Error("rolled back on purpose");
      },
      { timeout: 10_000 },
    )
    .catch((error: unknown) => {
      if (!(error instanceof Error) || error.message !== "rolled back on purpose") throw error;
    });
  return { isOpen, end, done };
}

describe("SharedSqlite", () => {
  let dir: string;
  let db: SentinelDatabase;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "shared-sqlite-"));
    migrateDatabase(path.join(dir, "sentinel.db"), SENTINEL_MIGRATIONS_DIR);
    db = openSentinelDatabase(path.join(dir, "sentinel.db"), { maxWaitMs: 300 });
  });
  afterEach(async () => {
    await db.prisma.$disconnect();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("writes on Prisma's connection: what it commits, Prisma reads at once (integers as numbers)", async () => {
    const changes = await db.sqlite.write((sql) => sql.prepare(PUT_STATE).run("a", "1").changes);
    expect(changes).toBe(1);
    expect(await stateKeys(db)).toEqual(["a"]);
    const count = await db.sqlite.read((sql) => sql.prepare("SELECT count(*) AS n FROM worker_state").get());
    expect(count).toEqual({ n: 1 });
  });

  it("commits all of a write or none of it, and rethrows the failure", async () => {
    await expect(
      db.sqlite.write((sql) => {
        sql.prepare(PUT_STATE).run("first", "1");
        sql.prepare(PUT_STATE).run("second", "2");
        sql.prepare(PUT_STATE).run("first", "again"); // primary key violation
      }),
    ).rejects.toThrow(/UNIQUE constraint failed/);
    expect(await stateKeys(db)).toEqual([]);
    // The connection is usable afterwards (no transaction left open).
    await db.sqlite.write((sql) => sql.prepare(PUT_STATE).run("after", "1"));
    expect(await stateKeys(db)).toEqual(["after"]);
  });

  it("waits while a Prisma transaction is open and is not rolled back with it", async () => {
    const prisma = openPrismaTransaction(db, "prisma-key", "rollback");
    await prisma.isOpen;
    let written = false;
    const write = db.sqlite
      .write((sql) => sql.prepare(PUT_STATE).run("hot-path-key", "1"))
      .then(() => {
        written = true;
      });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(written).toBe(false);
    prisma.end();
    await prisma.done;
    await write;
    expect(await stateKeys(db)).toEqual(["hot-path-key"]);
  });

  it("runs after a Prisma transaction commits, on top of its rows", async () => {
    const prisma = openPrismaTransaction(db, "prisma-key", "commit");
    await prisma.isOpen;
    const write = db.sqlite.write((sql) => sql.prepare(PUT_STATE).run("hot-path-key", "1"));
    setTimeout(() => prisma.end(), 30);
    await Promise.all([write, prisma.done]);
    expect(await stateKeys(db)).toEqual(["hot-path-key", "prisma-key"]);
  });

  it("gives up with SqliteBusyError when a transaction stays open past the wait limit", async () => {
    expect(OPEN_TRANSACTION_WAIT_MS).toBe(30_000);
    const prisma = openPrismaTransaction(db, "prisma-key", "commit");
    await prisma.isOpen;
    const started = Date.now();
    const error = await db.sqlite.write((sql) => sql.prepare(PUT_STATE).run("late", "1")).catch((e) => e);
    expect(error).toBeInstanceOf(SqliteBusyError);
    expect(error.code).toBe("SQLITE_TRANSACTION_OPEN");
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    prisma.end();
    await prisma.done;
    await db.sqlite.write((sql) => sql.prepare(PUT_STATE).run("late", "1"));
    expect(await stateKeys(db)).toEqual(["late", "prisma-key"]);
  });

  it("follows Prisma through a disconnect (a new connection, statements prepared again)", async () => {
    await db.sqlite.write((sql) => sql.prepare(PUT_STATE).run("before", "1"));
    await db.prisma.$disconnect();
    await db.sqlite.write((sql) => sql.prepare(PUT_STATE).run("after", "1"));
    expect(await stateKeys(db)).toEqual(["after", "before"]);
  });
});
