import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { migrateDatabase } from "@tgsentinel/contract/migrate.ts";
import type { PrismaClient } from "../db/generated/client.ts";
import { openSentinelDatabase } from "../db/sentinel-database.ts";
import type { SqliteWriter } from "../db/sqlite-writer.ts";

const MIGRATIONS = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../prisma/sentinel/migrations",
);

export interface TempSentinelDb {
  dir: string;
  file: string;
  prisma: PrismaClient;
  /** The hot path's writer thread on the same file (MessageStore, AlertStore, ScoringBacklog). */
  writer: SqliteWriter;
  /** Disconnects and removes the directory. */
  dispose(): Promise<void>;
}

/** A real sentinel.db in a fresh temp directory, migrated with the committed migrations. */
export async function createTempSentinelDb(prefix = "sentinel-db-"): Promise<TempSentinelDb> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const file = path.join(dir, "sentinel.db");
  migrateDatabase(file, MIGRATIONS);
  const database = openSentinelDatabase(file);
  const { prisma, writer } = database;
  return {
    dir,
    file,
    prisma,
    writer,
    async dispose() {
      await database.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
