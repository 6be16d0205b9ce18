/**
 * Test support: real session files in the layouts Telethon (v1 and v2) and Pyrogram write,
 * built with better-sqlite3, plus deliberately broken variants. Used by the session and
 * session-import tests; never by production code.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";

/** A deterministic 256-byte "auth key" (any 256 bytes are a valid key to the file format). */
export function authKeyFrom(seed: string, length = 256): Buffer {
  const out = Buffer.alloc(length);
  let block = Buffer.from(seed);
  for (let at = 0; at < length; at += 32) {
    block = createHash("sha256").update(block).digest();
    block.copy(out, at, 0, Math.min(32, length - at));
  }
  return out;
}

export interface TelethonFileOptions {
  dcId?: number;
  serverAddress?: string;
  port?: number;
  /** Default: a 256-byte key derived from the file name. `null` stores NULL. */
  authKey?: Buffer | null;
  /** How many session rows (default 1; rows after the first use dc_id + i). */
  rows?: number;
  /** Omit tables to build "missing tables" files. */
  omitTables?: ReadonlyArray<"sessions" | "version">;
  /** Older Telethon (< v5) had no takeout_id column. */
  withTakeoutId?: boolean;
  /** Extra SQL run after the tables exist (triggers, views, …). */
  extraSql?: string;
  /** Page size of the new database (default SQLite's 4096). */
  pageSize?: number;
}

/** A Telethon v1 session file (`version` = 7) as Telethon's SQLiteSession creates it. */
export function telethonSessionFile(dir: string, name: string, options: TelethonFileOptions = {}): string {
  const file = freshPath(dir, name);
  const db = new Database(file);
  try {
    if (options.pageSize) db.pragma(`page_size = ${options.pageSize}`);
    const omit = new Set(options.omitTables ?? []);
    if (!omit.has("version")) {
      db.exec("create table version (version integer primary key)");
      db.prepare("insert into version values (?)").run(7);
    }
    if (!omit.has("sessions")) {
      const takeout = options.withTakeoutId === false ? "" : ", takeout_id integer";
      db.exec(
        `create table sessions (dc_id integer primary key, server_address text, port integer, auth_key blob${takeout})`,
      );
      const key = options.authKey === undefined ? authKeyFrom(name) : options.authKey;
      const rows = options.rows ?? 1;
      for (let i = 0; i < rows; i++) {
        db.prepare("insert into sessions (dc_id, server_address, port, auth_key) values (?, ?, ?, ?)").run(
          (options.dcId ?? 2) + i,
          options.serverAddress ?? "149.154.167.51",
          options.port ?? 443,
          key,
        );
      }
    }
    db.exec(`create table entities (id integer primary key, hash integer not null, username text, phone integer, name text, date integer);
      create table sent_files (md5_digest blob, file_size integer, type integer, id integer, hash integer, primary key(md5_digest, file_size, type));
      create table update_state (id integer primary key, pts integer, qts integer, date integer, seq integer);`);
    db.prepare("insert into entities values (?, ?, ?, ?, ?, ?)").run(
      -1001234567890,
      42,
      "somechannel",
      null,
      "Some Channel",
      0,
    );
    if (options.extraSql) db.exec(options.extraSql);
  } finally {
    db.close();
  }
  return file;
}

export interface PyrogramFileOptions {
  dcId?: number;
  testMode?: boolean;
  authKey?: Buffer | null;
}

/** A Pyrogram (v2/v3 storage) session file: no server address, a trigger on `peers`. */
export function pyrogramSessionFile(dir: string, name: string, options: PyrogramFileOptions = {}): string {
  const file = freshPath(dir, name);
  const db = new Database(file);
  try {
    db.exec(`CREATE TABLE sessions (dc_id INTEGER PRIMARY KEY, api_id INTEGER, test_mode INTEGER, auth_key BLOB, date INTEGER NOT NULL, user_id INTEGER, is_bot INTEGER);
      CREATE TABLE peers (id INTEGER PRIMARY KEY, access_hash INTEGER, type INTEGER NOT NULL, username TEXT, phone_number TEXT, last_update_on INTEGER NOT NULL DEFAULT (CAST(STRFTIME('%s', 'now') AS INTEGER)));
      CREATE TABLE version (number INTEGER PRIMARY KEY);
      CREATE INDEX idx_peers_id ON peers (id);
      CREATE TRIGGER trg_peers_last_update_on AFTER UPDATE ON peers BEGIN UPDATE peers SET last_update_on = CAST(STRFTIME('%s', 'now') AS INTEGER) WHERE id = NEW.id; END;
      INSERT INTO version VALUES (3);`);
    db.prepare("INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?, ?)").run(
      options.dcId ?? 2,
      12345,
      options.testMode ? 1 : 0,
      options.authKey === undefined ? authKeyFrom(name) : options.authKey,
      0,
      777000,
      0,
    );
  } finally {
    db.close();
  }
  return file;
}

export interface TelethonV2FileOptions {
  dcId?: number;
  /** "ip:port" as Telethon v2 stores it. */
  addr?: string;
  authKey?: Buffer | null;
  /** The alpha layout with ipv4_addr/ipv6_addr columns instead of addr. */
  splitAddressColumns?: boolean;
}

/** A Telethon v2 session file (`version` = 10): `datacenter` rows and the logged-in `user`. */
export function telethonV2SessionFile(
  dir: string,
  name: string,
  options: TelethonV2FileOptions = {},
): string {
  const file = freshPath(dir, name);
  const db = new Database(file);
  const dc = options.dcId ?? 4;
  const key = options.authKey === undefined ? authKeyFrom(name) : options.authKey;
  try {
    db.exec("create table version (version integer primary key); insert into version values (10);");
    if (options.splitAddressColumns) {
      db.exec("create table datacenter (id integer primary key, ipv4_addr text, ipv6_addr text, auth blob)");
      db.prepare("insert into datacenter values (?, ?, ?, ?)").run(
        dc,
        options.addr ?? "149.154.167.91:443",
        null,
        key,
      );
      db.prepare("insert into datacenter values (?, ?, ?, ?)").run(
        dc === 1 ? 2 : 1,
        "149.154.175.53:443",
        null,
        null,
      );
    } else {
      db.exec("create table datacenter (id integer primary key, addr text not null, auth blob)");
      db.prepare("insert into datacenter values (?, ?, ?)").run(
        dc,
        options.addr ?? "149.154.167.91:443",
        key,
      );
      db.prepare("insert into datacenter values (?, ?, ?)").run(dc === 1 ? 2 : 1, "149.154.175.53:443", null);
    }
    db.exec(`create table user (id integer primary key, dc integer not null, bot integer not null);
      create table state (pts integer not null, qts integer not null, date integer not null, seq integer not null);
      create table channelstate (id integer primary key, pts integer not null);`);
    db.prepare("insert into user values (?, ?, ?)").run(123456789, dc, 0);
  } finally {
    db.close();
  }
  return file;
}

/** `dir/name` with any earlier file of that name removed (builders always start from scratch). */
function freshPath(dir: string, name: string): string {
  const file = path.join(dir, name);
  fs.rmSync(file, { force: true });
  return file;
}

/** Writes `bytes` to `dir/name` and returns the path. */
export function rawFile(dir: string, name: string, bytes: Buffer): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return file;
}
