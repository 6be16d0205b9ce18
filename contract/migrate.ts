import { createHash, randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";

/** File modes from the seed: data directories 0o777 (container compatibility), databases 0o664. */
export const DATA_DIR_MODE = 0o777;
export const DATABASE_FILE_MODE = 0o664;

export interface MigrationResult {
  applied: string[];
  alreadyApplied: string[];
}

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MigrationError";
  }
}

// Prisma's own table, so `prisma migrate status`/`deploy` agree with what ran here.
const PRISMA_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
)`;

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: unknown;
  rolled_back_at: unknown;
}

/**
 * Applies the committed migrations in `migrationsDir` (Prisma's `NNNN_name/migration.sql` layout)
 * that the database at `dbFile` lacks, each in its own transaction. Safe to run twice, on an
 * existing database, and from two processes at once (the write lock serialises them).
 * A migration edited after it was applied is an error, never silently re-run.
 */
export function migrateDatabase(dbFile: string, migrationsDir: string): MigrationResult {
  const dataDir = path.dirname(dbFile);
  if (!fs.existsSync(dataDir)) {
    fs.mkdirSync(dataDir, { recursive: true });
    // mkdir's mode is filtered by the umask; the seed's mode is applied explicitly.
    fs.chmodSync(dataDir, DATA_DIR_MODE);
  }
  const created = !fs.existsSync(dbFile);
  const db = new Database(dbFile);
  try {
    if (created) fs.chmodSync(dbFile, DATABASE_FILE_MODE);
    db.pragma("journal_mode = WAL");
    db.pragma("busy_timeout = 10000");
    db.exec(PRISMA_MIGRATIONS_TABLE);
    const migrations = listMigrations(migrationsDir);
    const result: MigrationResult = { applied: [], alreadyApplied: [] };
    for (const migration of migrations) {
      const run = db.transaction(() => {
        const rows = db
          .prepare(
            `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" WHERE migration_name = ?`,
          )
          .all(migration.name) as AppliedRow[];
        const done = rows.find((r) => r.finished_at !== null && r.rolled_back_at === null);
        if (done) {
          if (done.checksum !== migration.checksum) {
            throw new MigrationError(
              `migration ${migration.name} was changed after it was applied to ${path.basename(dbFile)}`,
            );
          }
          return false;
        }
        if (rows.some((r) => r.finished_at === null && r.rolled_back_at === null)) {
          throw new MigrationError(
            `migration ${migration.name} failed earlier on ${path.basename(dbFile)}; restore a backup`,
          );
        }
        const startedAt = Date.now();
        db.exec(migration.sql);
        db.prepare(
          `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, logs, started_at, applied_steps_count) VALUES (?, ?, ?, ?, NULL, ?, 1)`,
        ).run(randomUUID(), migration.checksum, Date.now(), migration.name, startedAt);
        return true;
      });
      if (run.immediate()) result.applied.push(migration.name);
      else result.alreadyApplied.push(migration.name);
    }
    return result;
  } finally {
    db.close();
  }
}

interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

function listMigrations(migrationsDir: string): Migration[] {
  if (!fs.existsSync(migrationsDir)) throw new MigrationError(`no migrations folder at ${migrationsDir}`);
  return fs
    .readdirSync(migrationsDir, { withFileTypes: true })
    .filter(
      (entry) => entry.isDirectory() && fs.existsSync(path.join(migrationsDir, entry.name, "migration.sql")),
    )
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = fs.readFileSync(path.join(migrationsDir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    });
}
