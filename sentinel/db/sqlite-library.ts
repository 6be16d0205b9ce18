/**
 * better-sqlite3 as Prisma's adapter loads it. A process must hold sentinel.db open through ONE
 * copy of the SQLite library: SQLite coordinates the connections of a process in memory and
 * relies on POSIX advisory locks only between processes, and those locks belong to the process,
 * not to the library copy. With two copies (the adapter pins better-sqlite3 11, the workspace
 * uses 12, each with its own SQLite), each copy's connections would not see the other's locks
 * (two writers at once), and closing one copy's file descriptor drops the other's locks, after
 * which a new connection rebuilds the shared WAL index under the other's feet (stale reads,
 * corruption: "multiple copies of SQLite linked into the same application",
 * https://www.sqlite.org/howtocorrupt.html). So every connection to sentinel.db that lives next to
 * Prisma's (the writer thread, tests) is opened with this module.
 */
import { createRequire } from "node:module";
import type BetterSqlite3 from "better-sqlite3";

const require = createRequire(import.meta.url);

/** The better-sqlite3 constructor the Prisma adapter resolves (its own copy when it has one). */
export const PrismaSqlite = createRequire(require.resolve("@prisma/adapter-better-sqlite3"))(
  "better-sqlite3",
) as typeof BetterSqlite3;
