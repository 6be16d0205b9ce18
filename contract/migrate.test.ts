import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DATA_DIR_MODE, DATABASE_FILE_MODE, MigrationError, migrateDatabase } from "./migrate.ts";

const root = path.resolve(import.meta.dirname, "..");
const schemas = ["sentinel", "ui"] as const;

describe("migrateDatabase", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "tgs-migrate-"));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it.each(schemas)("creates %s.db from the committed migrations, with the seed's file mode", (name) => {
    const file = path.join(dir, "nested", `${name}.db`);
    const result = migrateDatabase(file, path.join(root, "prisma", name, "migrations"));
    expect(result.applied.length).toBeGreaterThan(0);
    expect(fs.statSync(file).mode & 0o777).toBe(DATABASE_FILE_MODE);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(DATA_DIR_MODE);
    const db = new Database(file, { readonly: true });
    const tables = (
      db.prepare("SELECT name FROM sqlite_master WHERE type='table'").all() as { name: string }[]
    ).map((t) => t.name);
    db.close();
    const expected =
      name === "ui"
        ? ["settings", "alerts", "profiles", "digest_runs", "audit_log", "ui_sessions", "_prisma_migrations"]
        : ["chats", "messages", "alerts", "profiles", "digest_runs", "session_imports", "_prisma_migrations"];
    expect(tables).toEqual(expect.arrayContaining(expected));
  });

  it("changes nothing when run twice, and keeps existing data", () => {
    const file = path.join(dir, "ui.db");
    const migrations = path.join(root, "prisma", "ui", "migrations");
    migrateDatabase(file, migrations);
    const db = new Database(file);
    db.prepare("INSERT INTO settings (key, value, updated_at) VALUES ('theme', '\"dark\"', 0)").run();
    db.close();
    const before = fs.readFileSync(file);
    const second = migrateDatabase(file, migrations);
    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied.length).toBeGreaterThan(0);
    const again = new Database(file, { readonly: true });
    expect(again.prepare("SELECT value FROM settings WHERE key='theme'").get()).toEqual({ value: '"dark"' });
    expect((again.prepare("SELECT count(*) AS n FROM _prisma_migrations").get() as { n: number }).n).toBe(
      second.alreadyApplied.length,
    );
    again.close();
    expect(fs.readFileSync(file).length).toBe(before.length);
  });

  it("refuses a migration that was edited after it was applied", () => {
    const file = path.join(dir, "x.db");
    const migrations = path.join(dir, "migrations");
    fs.mkdirSync(path.join(migrations, "0001_init"), { recursive: true });
    fs.writeFileSync(path.join(migrations, "0001_init", "migration.sql"), "CREATE TABLE t (id INTEGER);");
    migrateDatabase(file, migrations);
    fs.writeFileSync(
      path.join(migrations, "0001_init", "migration.sql"),
      "CREATE TABLE t (id INTEGER, x TEXT);",
    );
    expect(() => migrateDatabase(file, migrations)).toThrow(MigrationError);
  });

  it("rolls back a failing migration and applies nothing of it", () => {
    const file = path.join(dir, "y.db");
    const migrations = path.join(dir, "migrations");
    fs.mkdirSync(path.join(migrations, "0001_ok"), { recursive: true });
    fs.mkdirSync(path.join(migrations, "0002_bad"), { recursive: true });
    fs.writeFileSync(path.join(migrations, "0001_ok", "migration.sql"), "CREATE TABLE a (id INTEGER);");
    fs.writeFileSync(
      path.join(migrations, "0002_bad", "migration.sql"),
      "CREATE TABLE b (id INTEGER); INSERT INTO nope VALUES (1);",
    );
    expect(() => migrateDatabase(file, migrations)).toThrow();
    const db = new Database(file, { readonly: true });
    const tables = (
      db.prepare("SELECT name FROM sqlite_master WHERE type='table'").all() as { name: string }[]
    ).map((t) => t.name);
    db.close();
    expect(tables).toContain("a");
    expect(tables).not.toContain("b");
  });

  it("is recognised by Prisma's own CLI: migrate status finds nothing pending", () => {
    const file = path.join(dir, "sentinel.db");
    migrateDatabase(file, path.join(root, "prisma", "sentinel", "migrations"));
    const out = execFileSync(
      path.join(root, "node_modules", ".bin", "prisma"),
      ["migrate", "status", "--config", path.join(root, "prisma", "sentinel", "prisma.config.ts")],
      {
        cwd: root,
        env: { ...process.env, PRISMA_SENTINEL_DB: file, PRISMA_HIDE_UPDATE_MESSAGE: "1" },
        encoding: "utf8",
      },
    );
    expect(out).toMatch(/Database schema is up to date/);
  });
});
