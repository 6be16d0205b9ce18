/**
 * `app.prisma`: sentinel.db through Prisma's better-sqlite3 adapter. The committed migrations
 * (prisma/sentinel/migrations) are applied on start, before anything queries.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { migrateDatabase } from "@tgsentinel/contract/migrate.ts";
import { prismaFileUrl } from "@tgsentinel/contract/sqlite-uri.ts";
import type { FastifyPluginAsync } from "fastify";
import fp from "fastify-plugin";
import { PrismaClient } from "../db/generated/client.ts";

declare module "fastify" {
  interface FastifyInstance {
    prisma: PrismaClient;
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
  const prisma = new PrismaClient({
    adapter: new PrismaBetterSQLite3({ url: prismaFileUrl(opts.databaseFile) }),
  });
  app.decorate("prisma", prisma);
  app.addHook("onClose", async () => {
    await prisma.$disconnect();
  });
};

export default fp(database, { name: "database", fastify: "5.x" });
