/**
 * Test support: Telethon session files built with better-sqlite3 (tables `version` and
 * `sessions` with a 256-byte auth key), and broken or foreign variants.
 */
import { randomBytes } from "node:crypto";
import Database from "better-sqlite3";

export function telethonSession(
  options: { authKey?: Buffer; omit?: ("version" | "sessions")[]; extraSql?: string } = {},
) {
  const authKey = options.authKey ?? randomBytes(256);
  const db = new Database(":memory:");
  if (!options.omit?.includes("version")) {
    db.exec("create table version (version integer primary key); insert into version values (7)");
  }
  if (!options.omit?.includes("sessions")) {
    db.exec(
      "create table sessions (dc_id integer primary key, server_address text, port integer, auth_key blob, takeout_id integer)",
    );
    db.prepare(
      "insert into sessions (dc_id, server_address, port, auth_key) values (2, '149.154.167.51', 443, ?)",
    ).run(authKey);
  }
  if (options.extraSql) db.exec(options.extraSql);
  db.exec(
    "create table entities (id integer primary key, hash integer not null, username text, phone integer, name text, date integer)",
  );
  const bytes = db.serialize();
  db.close();
  return { bytes: Buffer.from(bytes), authKey };
}

export function pyrogramSession() {
  const db = new Database(":memory:");
  db.exec(
    "create table sessions (dc_id integer primary key, api_id integer, test_mode integer, auth_key blob, date integer, user_id integer, is_bot integer);" +
      "create table peers (id integer primary key, access_hash integer, type text, username text, phone_number text, last_update_on integer);" +
      "create table version (number integer primary key); insert into version values (3);",
  );
  db.prepare("insert into sessions values (2, 12345, 0, ?, 0, 42, 0)").run(randomBytes(256));
  const bytes = Buffer.from(db.serialize());
  db.close();
  return bytes;
}
