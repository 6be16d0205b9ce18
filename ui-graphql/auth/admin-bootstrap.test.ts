import fs from "node:fs";
import path from "node:path";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { migrateDatabase } from "@tgsentinel/contract/migrate.ts";
import { afterAll, describe, expect, it } from "vitest";
import { UI_MIGRATIONS_DIR } from "../app.ts";
import { PrismaClient } from "../db/generated/client.ts";
import { tempDir } from "../testing/system.ts";
import { ensureAdminUser } from "./admin-bootstrap.ts";
import { verifyPassword } from "./passwords.ts";

const dir = tempDir("ui-admin-");
const dbFile = path.join(dir, "ui.db");
migrateDatabase(dbFile, UI_MIGRATIONS_DIR);
const db = new PrismaClient({ adapter: new PrismaBetterSQLite3({ url: `file:${dbFile}` }) });

afterAll(async () => {
  await db.$disconnect();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("first-run admin", () => {
  it("generates a password once, stores only its scrypt hash, and never changes an existing account", async () => {
    const first = await ensureAdminUser(db, { username: "root", password: undefined });
    expect(first.created).toBe(true);
    expect(first.generatedPassword).toMatch(/^[\w-]{20}$/);
    const user = await db.user.findUniqueOrThrow({ where: { username: "root" } });
    expect(user.passwordHash).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(user.passwordHash).not.toContain(first.generatedPassword!);
    expect(await verifyPassword(first.generatedPassword!, user.passwordHash)).toBe(true);
    expect(await verifyPassword("something else", user.passwordHash)).toBe(false);

    const again = await ensureAdminUser(db, { username: "root", password: "a configured password" });
    expect(again).toEqual({ created: false, username: "root", generatedPassword: null });
    expect((await db.user.findUniqueOrThrow({ where: { username: "root" } })).passwordHash).toBe(
      user.passwordHash,
    );
  });
});
