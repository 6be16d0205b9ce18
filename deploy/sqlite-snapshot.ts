/**
 * Consistent copies of live SQLite databases and the facts a backup records about them.
 *
 * A database the service is writing is never copied as a file (a copy taken mid-checkpoint, or
 * without its -wal file, can be torn or stale). SQLite's online backup API reads every page inside
 * one read transaction instead, so the copy is the database as of one commit.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import Database from "better-sqlite3";

/** Prisma's migration table, which plays the seed's `schema_migrations` role. */
export const MIGRATIONS_TABLE = "_prisma_migrations";

/** How long a snapshot waits for a writer's lock before giving up. */
export const SNAPSHOT_BUSY_TIMEOUT_MS = 10_000;

export interface AppliedMigration {
  name: string;
  checksum: string;
}

export interface DatabaseFacts {
  /** "ok", or the problems PRAGMA integrity_check listed. */
  integrity: string[];
  /** Rows per table (SQLite's internal tables excluded). */
  tables: Record<string, number>;
  /** Finished, not rolled back, by name; null when the migration table is missing. */
  migrations: AppliedMigration[] | null;
}

/**
 * Copies `source` into `dest` (an existing empty file or a new path) with the online backup API,
 * all pages in one step: a step that spans several calls restarts whenever another connection
 * writes in between, and under steady writes might never finish. The copy is switched to a
 * rollback journal so that it is one self-contained file (no -wal companion).
 */
export async function snapshotDatabase(source: string, dest: string): Promise<void> {
  const db = new Database(source, { fileMustExist: true, timeout: SNAPSHOT_BUSY_TIMEOUT_MS });
  try {
    await db.backup(dest, { progress: () => 0x7fffffff });
  } finally {
    db.close();
  }
  const copy = new Database(dest, { fileMustExist: true });
  try {
    copy.pragma("journal_mode = DELETE");
  } finally {
    copy.close();
  }
}

/** Opens `file` read-only and reads its integrity, row counts and applied migrations. */
export function inspectDatabase(file: string): DatabaseFacts {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const integrity = (db.pragma("integrity_check(20)") as { integrity_check: string }[]).map(
      (row) => row.integrity_check,
    );
    const names = (
      db
        .prepare(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
        )
        .all() as { name: string }[]
    ).map((row) => row.name);
    const tables: Record<string, number> = {};
    for (const name of names) {
      const row = db.prepare(`SELECT count(*) AS n FROM "${name.replaceAll('"', '""')}"`).get() as {
        n: number;
      };
      tables[name] = row.n;
    }
    const migrations = names.includes(MIGRATIONS_TABLE)
      ? (db
          .prepare(
            `SELECT migration_name AS name, checksum FROM "${MIGRATIONS_TABLE}" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name`,
          )
          .all() as AppliedMigration[])
      : null;
    return { integrity, tables, migrations };
  } finally {
    db.close();
  }
}

export function integrityOk(facts: DatabaseFacts): boolean {
  return facts.integrity.length === 1 && facts.integrity[0] === "ok";
}

/**
 * True when another connection has `file` open (a running service keeps one open for its whole
 * life). An exclusive lock cannot be had while any other connection to a WAL database exists, even
 * an idle one, so asking for it without waiting tells. Locks are per host: a service in another
 * container sharing the volume on the same machine is seen too; one on another machine is not.
 */
export function databaseInUse(file: string): boolean {
  if (!fs.existsSync(file)) return false;
  let db: Database.Database;
  try {
    db = new Database(file, { fileMustExist: true, timeout: 0 });
  } catch (err) {
    return isBusy(err);
  }
  try {
    db.pragma("locking_mode = EXCLUSIVE");
    db.exec("BEGIN EXCLUSIVE");
    db.exec("COMMIT");
    return false;
  } catch (err) {
    // A corrupt or non-database file is not "in use": restoring over it is the point.
    return isBusy(err);
  } finally {
    db.close();
  }
}

function isBusy(err: unknown): boolean {
  const code = (err as { code?: string }).code ?? "";
  return code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED");
}

/** sha256 (hex) and size of a file, streamed. */
export async function fileDigest(file: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of fs.createReadStream(file)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest("hex"), size };
}
