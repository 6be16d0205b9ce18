/**
 * sentinel.db as the sentinel opens it: the Prisma client (schema, API queries, everything off the
 * hot path) and the writer thread of the hot path (db/sqlite-writer.ts), on the same migrated file.
 */
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { prismaFileUrl } from "@tgsentinel/contract/sqlite-uri.ts";
import { PrismaClient } from "./generated/client.ts";
import { SQLITE_BUSY_TIMEOUT_MS, SqliteWriter } from "./sqlite-writer.ts";

export interface SentinelDatabase {
  prisma: PrismaClient;
  writer: SqliteWriter;
  /** Closes the writer (after what it was given) and disconnects Prisma. */
  close(): Promise<void>;
}

export function openSentinelDatabase(databaseFile: string): SentinelDatabase {
  const prisma = new PrismaClient({
    adapter: new PrismaBetterSQLite3({ url: prismaFileUrl(databaseFile), timeout: SQLITE_BUSY_TIMEOUT_MS }),
  });
  const writer = new SqliteWriter(databaseFile);
  return {
    prisma,
    writer,
    async close() {
      await writer.close();
      await prisma.$disconnect();
    },
  };
}
