import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startTestDc } from "./server.ts";
import { readTelethonSession, writeTelethonSession } from "./telethon-session.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "telethon-session-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("writeTelethonSession", () => {
  it("writes Telethon v1's layout: version 7, one sessions row, the empty side tables", () => {
    const file = join(dir, "a.session");
    const authKey = randomBytes(256);
    writeTelethonSession(file, { dcId: 2, serverAddress: "127.0.0.1", port: 23456, authKey });
    expect(readFileSync(file).subarray(0, 16).toString("latin1")).toBe("SQLite format 3\0");
    const db = new Database(file, { readonly: true });
    try {
      const tables = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .pluck()
        .all();
      expect(tables).toEqual(["entities", "sent_files", "sessions", "update_state", "version"]);
      expect(db.prepare("SELECT version FROM version").pluck().all()).toEqual([7]);
      const columns = db.prepare("SELECT name FROM pragma_table_info('sessions')").pluck().all();
      expect(columns).toEqual(["dc_id", "server_address", "port", "auth_key", "takeout_id"]);
      const rows = db.prepare("SELECT * FROM sessions").all() as Record<string, unknown>[];
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ dc_id: 2, server_address: "127.0.0.1", port: 23456, takeout_id: null });
      expect(Buffer.compare(rows[0]!.auth_key as Buffer, authKey)).toBe(0);
      expect(db.pragma("journal_mode", { simple: true })).toBe("delete");
    } finally {
      db.close();
    }
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // Nothing but the session itself is left behind (no temp file, no journal).
    expect(readdirSync(dir)).toEqual(["a.session"]);
  });

  it("holds the running DC's address, port and key", async () => {
    const file = join(dir, "dc.session");
    const dc = await startTestDc({ controlPort: false, sessionOut: file });
    try {
      expect(readTelethonSession(file)).toEqual({
        dcId: 2,
        serverAddress: "127.0.0.1",
        port: dc.port,
        authKey: dc.authKey,
      });
    } finally {
      await dc.stop();
    }
  });
});
