/**
 * sentinel.db for the hot path: Prisma's own better-sqlite3 connection, reached through the
 * adapter factory, with prepared statements in synchronous transactions.
 *
 * Prisma keeps owning the schema (migrations) and every other query. Ingestion, alert recording
 * and `scored_at` write through `SharedSqlite` instead, because Prisma's raw queries cost far more
 * than the SQL they run (a query compiler pass, argument mapping and a fresh `prepare` per call).
 *
 * One connection, one writer: the statements run on the very connection Prisma uses, and only
 * while no Prisma transaction is open on it. better-sqlite3 is synchronous, so a write here can
 * never interleave with a Prisma statement; what it must never do is join an interactive Prisma
 * transaction (a `SAVEPOINT` inside someone else's `BEGIN`, rolled back with it). So `read` and
 * `write` wait, without blocking the event loop, until `inTransaction` is false, then run their
 * whole callback at once. The connection is in WAL mode (set by the migrations, kept by the file)
 * with a busy timeout of SQLITE_BUSY_TIMEOUT_MS for other processes (backups, the sqlite3 CLI).
 */
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { prismaFileUrl } from "@tgsentinel/contract/sqlite-uri.ts";
import type Database from "better-sqlite3";
import { PrismaClient } from "./generated/client.ts";

/** How long another process may hold sentinel.db's write lock before a statement fails (SQLITE_BUSY). */
export const SQLITE_BUSY_TIMEOUT_MS = 10_000;
/** How long `read`/`write` wait for a Prisma transaction on the connection to end before failing. */
export const OPEN_TRANSACTION_WAIT_MS = 30_000;
/** How often a waiting `read`/`write` looks again (transactions are short; nothing else waits). */
const OPEN_TRANSACTION_POLL_MS = 1;

export class SqliteBusyError extends Error {
  readonly code = "SQLITE_TRANSACTION_OPEN";
  constructor(waitedMs: number) {
    super(`sentinel.db: a transaction stayed open on the connection for ${waitedMs} ms`);
    this.name = "SqliteBusyError";
  }
}

/** Prepared statements of the current connection, cached by SQL text. */
export interface StatementCache {
  prepare(sql: string): Database.Statement;
}

/**
 * The hot path's access to Prisma's connection. `read(fn)` and `write(fn)` run `fn` synchronously
 * once the connection is free; `write` wraps it in `BEGIN IMMEDIATE … COMMIT` (rolled back when
 * `fn` throws, then the error is rethrown). Statements return integers as numbers.
 */
export class SharedSqlite {
  private db: Database.Database | null = null;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly cache: StatementCache = { prepare: (sql) => this.prepare(sql) };

  constructor(
    private readonly reconnect: () => Promise<void>,
    private readonly maxWaitMs = OPEN_TRANSACTION_WAIT_MS,
  ) {}

  /** Called with every connection the adapter opens (the first query, or after a disconnect). */
  attach(db: Database.Database): void {
    this.db = db;
    this.statements.clear();
  }

  /** Runs `fn` on the connection, outside any transaction (single statements are atomic). */
  async read<T>(fn: (sql: StatementCache) => T): Promise<T> {
    await this.free();
    return fn(this.cache);
  }

  /** Runs `fn` in one write transaction: all of it is committed, or none of it. */
  async write<T>(fn: (sql: StatementCache) => T): Promise<T> {
    const db = await this.free();
    return db.transaction(() => fn(this.cache)).immediate();
  }

  /** The connection once nothing else has a transaction open on it; resolves right before use. */
  private async free(): Promise<Database.Database> {
    const started = Date.now();
    for (;;) {
      let db = this.db;
      if (db === null || !db.open) {
        await this.reconnect();
        db = this.db;
        if (db === null || !db.open) throw new Error("sentinel.db: Prisma opened no connection");
      }
      if (!db.inTransaction) return db;
      const waited = Date.now() - started;
      if (waited >= this.maxWaitMs) throw new SqliteBusyError(waited);
      await new Promise((resolve) => setTimeout(resolve, OPEN_TRANSACTION_POLL_MS));
    }
  }

  private prepare(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      const db = this.db;
      if (db === null) throw new Error("sentinel.db: not connected");
      // The adapter turns on safe integers for the whole connection; ids and counts fit a double.
      statement = db.prepare(sql);
      if (statement.reader) statement.safeIntegers(false);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}

export interface SentinelDatabase {
  prisma: PrismaClient;
  sqlite: SharedSqlite;
}

/**
 * The Prisma client for sentinel.db (migrated beforehand) and the hot path's access to the same
 * connection. The adapter factory is wrapped only to see each connection it opens.
 */
export function openSentinelDatabase(
  databaseFile: string,
  options: { maxWaitMs?: number } = {},
): SentinelDatabase {
  const inner = new PrismaBetterSQLite3({
    url: prismaFileUrl(databaseFile),
    timeout: SQLITE_BUSY_TIMEOUT_MS,
  });
  let sqlite: SharedSqlite | null = null;
  const factory: Pick<PrismaBetterSQLite3, "provider" | "adapterName" | "connect" | "connectToShadowDb"> = {
    provider: inner.provider,
    adapterName: inner.adapterName,
    async connect() {
      const adapter = await inner.connect();
      sqlite?.attach(connectionOf(adapter));
      return adapter;
    },
    connectToShadowDb: () => inner.connectToShadowDb(),
  };
  const prisma = new PrismaClient({ adapter: factory });
  sqlite = new SharedSqlite(() => prisma.$connect(), options.maxWaitMs);
  return { prisma, sqlite };
}

/** The better-sqlite3 handle inside Prisma's adapter (its `client`); refuses to guess otherwise. */
function connectionOf(adapter: unknown): Database.Database {
  const client = (adapter as { client?: Partial<Database.Database> }).client;
  // Duck-typed: the adapter may load better-sqlite3 through another module instance (test runners).
  if (
    typeof client?.prepare !== "function" ||
    typeof client.transaction !== "function" ||
    typeof client.inTransaction !== "boolean"
  )
    throw new Error(
      "sentinel.db: @prisma/adapter-better-sqlite3 no longer exposes its connection as `client`; see sentinel/db/shared-sqlite.ts",
    );
  return client as Database.Database;
}
