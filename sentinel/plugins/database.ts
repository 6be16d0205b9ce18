/**
 * `app.prisma`: sentinel.db through Prisma's better-sqlite3 adapter. The committed migrations
 * (prisma/sentinel/migrations) are applied on start, before anything queries.
 * `app.sqlite`: the same connection for the hot path's prepared statements (ingestion batches,
 * alert recording, scored_at), used only between Prisma's transactions (db/shared-sqlite.ts).
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { migrateDatabase } from "@tgsentinel/contract/migrate.ts";
import type { FastifyPluginAsync } from "fastify";
import fp from "fastify-plugin";
import type { PrismaClient } from "../db/generated/client.ts";
import { openSentinelDatabase, type SharedSqlite } from "../db/shared-sqlite.ts";

declare module "fastify" {
  interface FastifyInstance {
    prisma: PrismaClient;
    sqlite: SharedSqlite;
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
  const { prisma, sqlite } = openSentinelDatabase(opts.databaseFile);
  app.decorate("prisma", prisma);
  app.decorate("sqlite", sqlite);
  app.addHook("onClose", async () => {
    await prisma.$disconnect();
  });
};

export default fp(database, { name: "database", fastify: "5.x" });
