import fs from "node:fs";
import path from "node:path";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { defineConfig } from "prisma/config";

// Used by the Prisma CLI only (generate, migrate diff/deploy/status). The services migrate
// themselves on start with contract/migrate.ts, which keeps Prisma's migration table.
const here = path.dirname(new URL(import.meta.url).pathname);
const dbFile = process.env.PRISMA_SENTINEL_DB ?? path.resolve(here, "../../data/sentinel/sentinel.db");

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  adapter: async () => {
    fs.mkdirSync(path.dirname(dbFile), { recursive: true });
    return new PrismaBetterSQLite3({ url: `file:${dbFile}` });
  },
  schema: path.join(here, "schema.prisma"),
  migrations: { path: path.join(here, "migrations") },
});
