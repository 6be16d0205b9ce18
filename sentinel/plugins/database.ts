/**
 * `app.prisma`: sentinel.db through Prisma's better-sqlite3 adapter. The committed migrations
 * (prisma/sentinel/migrations) are applied on start, before anything queries.
 * `app.dbWriter`: the hot path's writer thread (ingestion batches, alert recording, scored_at;
 * db/sqlite-writer.ts), closed after everything that writes through it.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { migrateDatabase } from "@tgsentinel/contract/migrate.ts";
import type { FastifyPluginAsync } from "fastify";
import fp from "fastify-plugin";
import type { PrismaClient } from "../db/generated/client.ts";
import { openSentinelDatabase } from "../db/sentinel-database.ts";
import type { SqliteWriter } from "../db/sqlite-writer.ts";

declare module "fastify" {
  interface FastifyInstance {
    prisma: PrismaClient;
    dbWriter: SqliteWriter;
  }
}

export const SENTINEL_MIGRATIONS_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../prisma/sentinel/migrations",
);

export interface DatabaseOptions {
  /** Absolute path of sentinel.db; created (with its directory) when missing. */
  databaseFile: string;
  migrationsDir?: string;
}

const database: FastifyPluginAsync<DatabaseOptions> = async (app, opts) => {
  const result = migrateDatabase(opts.databaseFile, opts.migrationsDir ?? SENTINEL_MIGRATIONS_DIR);
  app.log.info(
    { database: opts.databaseFile, applied: result.applied, current: result.alreadyApplied.length },
    result.applied.length > 0 ? "sentinel.db migrated" : "sentinel.db is up to date",
  );
  const database = openSentinelDatabase(opts.databaseFile);
  app.decorate("prisma", database.prisma);
  app.decorate("dbWriter", database.writer);
  // Registered before every plugin that writes: their onClose hooks (ingestion flushing its
  // queue) run first.
  app.addHook("onClose", async () => {
    await database.close();
  });
};

export default fp(database, { name: "database", fastify: "5.x" });
