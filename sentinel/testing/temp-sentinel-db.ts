import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { migrateDatabase } from "@tgsentinel/contract/migrate.ts";
import type { PrismaClient } from "../db/generated/client.ts";
import { openSentinelDatabase, type SharedSqlite } from "../db/shared-sqlite.ts";

const MIGRATIONS = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../prisma/sentinel/migrations",
);

export interface TempSentinelDb {
  dir: string;
  file: string;
  prisma: PrismaClient;
  /** The hot path's access to the same connection (MessageStore, AlertStore, ScoringBacklog). */
  sqlite: SharedSqlite;
  /** Disconnects and removes the directory. */
  dispose(): Promise<void>;
}

/** A real sentinel.db in a fresh temp directory, migrated with the committed migrations. */
export async function createTempSentinelDb(prefix = "sentinel-db-"): Promise<TempSentinelDb> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const file = path.join(dir, "sentinel.db");
  migrateDatabase(file, MIGRATIONS);
  const { prisma, sqlite } = openSentinelDatabase(file);
  return {
    dir,
    file,
    prisma,
    sqlite,
    async dispose() {
      await prisma.$disconnect();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
