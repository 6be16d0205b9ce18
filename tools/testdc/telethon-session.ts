import { chmodSync, renameSync, rmSync } from "node:fs";
import Database from "better-sqlite3";

/** The one `sessions` row of a Telethon v1 session file. */
export interface TelethonSessionRow {
  dcId: number;
  serverAddress: string;
  port: number;
  /** 256 bytes; an empty key means "not logged in". */
  authKey: Buffer;
}

/** Telethon v1's schema version; the sentinel's import path expects exactly this layout. */
export const TELETHON_SESSION_VERSION = 7;

/**
 * Writes a Telethon v1 session file (SQLite, version 7) with one `sessions` row and the empty
 * `entities`, `sent_files` and `update_state` tables Telethon creates. The file is written next to
 * its destination and renamed into place, mode 0600 (it holds a full account key).
 */
export function writeTelethonSession(file: string, row: TelethonSessionRow): void {
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
  const db = new Database(temp);
  try {
    db.exec(`
      CREATE TABLE version (version integer primary key);
      CREATE TABLE sessions (dc_id integer primary key, server_address text, port integer, auth_key blob, takeout_id integer);
      CREATE TABLE entities (id integer primary key, hash integer not null, username text, phone integer, name text, date integer);
      CREATE TABLE sent_files (md5_digest blob, file_size integer, type integer, id integer, hash integer, primary key(md5_digest, file_size, type));
      CREATE TABLE update_state (id integer primary key, pts integer, qts integer, date integer, seq integer);
    `);
    db.prepare("INSERT INTO version VALUES (?)").run(TELETHON_SESSION_VERSION);
    db.prepare("INSERT INTO sessions VALUES (?, ?, ?, ?, NULL)").run(
      row.dcId,
      row.serverAddress,
      row.port,
      row.authKey,
    );
    db.close();
    chmodSync(temp, 0o600);
    renameSync(temp, file);
  } catch (error) {
    if (db.open) db.close();
    rmSync(temp, { force: true });
    throw error;
  }
}

/** Reads the `sessions` row back (tests use it to build a GramJS session the way the sentinel does). */
export function readTelethonSession(file: string): TelethonSessionRow {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare("SELECT dc_id, server_address, port, auth_key FROM sessions").get() as
      | { dc_id: number; server_address: string; port: number; auth_key: Buffer }
      | undefined;
    if (!row) throw new Error("the session file has no sessions row");
    return {
      dcId: row.dc_id,
      serverAddress: row.server_address,
      port: row.port,
      authKey: Buffer.from(row.auth_key),
    };
  } finally {
    db.close();
  }
}
