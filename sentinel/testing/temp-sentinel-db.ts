import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { migrateDatabase } from "@tgsentinel/contract/migrate.ts";
import { prismaFileUrl } from "@tgsentinel/contract/sqlite-uri.ts";
import { PrismaClient } from "../db/generated/client.ts";

const MIGRATIONS = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../prisma/sentinel/migrations",
);

export interface TempSentinelDb {
  dir: string;
  file: string;
  prisma: PrismaClient;
  /** Disconnects and removes the directory. */
  dispose(): Promise<void>;
}

/** A real sentinel.db in a fresh temp directory, migrated with the committed migrations. */
export async function createTempSentinelDb(prefix = "sentinel-db-"): Promise<TempSentinelDb> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const file = path.join(dir, "sentinel.db");
  migrateDatabase(file, MIGRATIONS);
  const prisma = new PrismaClient({ adapter: new PrismaBetterSQLite3({ url: prismaFileUrl(file) }) });
  return {
    dir,
    file,
    prisma,
    async dispose() {
      await prisma.$disconnect();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
