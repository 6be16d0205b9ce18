/**
 * Reads the login of an uploaded session file (Telethon v1, Telethon v2 or Pyrogram layout).
 *
 * The file must be a private temp copy: it is opened read-only, `query_only`, with
 * `trusted_schema=OFF`, only after its header geometry was checked, and only real tables are read
 * (never views, virtual tables or anything with triggers on the tables we read). Every failure,
 * including SQLite's own (`SQLITE_CORRUPT`, `SQLITE_NOTADB`, …), becomes a SessionFileError whose
 * message never quotes the file's content.
 */
import fs from "node:fs";
import net from "node:net";
import Database from "better-sqlite3";
import {
  inspectSqliteHeader,
  invalidSession,
  SESSION_MAX_BYTES,
  SessionFileError,
  SQLITE_HEADER_BYTES,
  sessionTooLarge,
} from "./session-file.ts";

export type SessionSourceFormat = "telethon" | "telethon-v2" | "pyrogram";

/** What it takes to log in as the account: the home DC and its 256-byte auth key. Never logged. */
export interface SessionCredentials {
  format: SessionSourceFormat;
  dcId: number;
  serverAddress: string;
  port: number;
  authKey: Buffer;
}

export const AUTH_KEY_BYTES = 256;

/** GramJS stores the DC id in one byte. Production DCs are 1-5; local test DCs use small ids too. */
export const MAX_DC_ID = 255;

/**
 * Production DC addresses, used for Pyrogram files (Pyrogram stores no address; it maps the DC id
 * the same way). GramJS follows Telegram's own redirects from there.
 */
export const PRODUCTION_DC_ADDRESSES: Readonly<Record<number, string>> = {
  1: "149.154.175.53",
  2: "149.154.167.51",
  3: "149.154.175.100",
  4: "149.154.167.91",
  5: "91.108.56.130",
};
const PYROGRAM_PORT = 443;

/** Reads and validates the session file at `file` (a private temp copy). */
export function readSessionFile(file: string): SessionCredentials {
  const { size } = fs.statSync(file);
  if (size > SESSION_MAX_BYTES) throw sessionTooLarge();
  const header = Buffer.alloc(SQLITE_HEADER_BYTES);
  const fd = fs.openSync(file, "r");
  let read = 0;
  try {
    read = fs.readSync(fd, header, 0, SQLITE_HEADER_BYTES, 0);
  } finally {
    fs.closeSync(fd);
  }
  inspectSqliteHeader(header.subarray(0, read), size);

  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    db.defaultSafeIntegers(true);
    db.pragma("query_only = ON");
    db.pragma("trusted_schema = OFF");
    db.pragma("cell_size_check = ON");
    db.pragma("mmap_size = 0");
    const check = db.pragma("quick_check(1)", { simple: true });
    if (check !== "ok")
      throw invalidSession("corrupt", "Session file is corrupt (SQLite integrity check failed)");
    return readCredentials(new SchemaView(db));
  } catch (err) {
    if (err instanceof SessionFileError) throw err;
    const code = (err as { code?: unknown }).code;
    throw invalidSession(
      typeof code === "string" && code.startsWith("SQLITE_") ? code.toLowerCase() : "unreadable",
      "Session file is corrupt or not a readable SQLite database",
      err,
    );
  } finally {
    db?.close();
  }
}

interface MasterRow {
  type: string;
  name: string;
  tbl_name: string;
  sql: string | null;
}

/** The file's schema, read once; table and column names compared case-insensitively like SQLite. */
class SchemaView {
  readonly tables = new Set<string>();
  private readonly rows: MasterRow[];

  constructor(readonly db: Database.Database) {
    this.rows = db.prepare("SELECT type, name, tbl_name, sql FROM sqlite_master").all() as MasterRow[];
    for (const row of this.rows) {
      if (row.type === "table" && typeof row.name === "string") this.tables.add(row.name.toLowerCase());
    }
  }

  has(table: string): boolean {
    return this.tables.has(table);
  }

  /**
   * Refuses tables that are not plain tables, and triggers or views on them: a session file has
   * no reason to carry either, and they are how a hostile file would run code on a reader.
   */
  assertPlainTables(tables: readonly string[]): void {
    for (const row of this.rows) {
      const target = String(row.tbl_name ?? "").toLowerCase();
      if (!tables.includes(target)) continue;
      if (row.type === "trigger" || row.type === "view") {
        throw invalidSession(
          "hostile_schema",
          `Session file defines ${row.type}s on the ${target} table; refusing to read it`,
        );
      }
      if (row.type === "table" && /^\s*create\s+virtual\s/i.test(row.sql ?? "")) {
        throw invalidSession(
          "hostile_schema",
          `Session file's ${target} table is a virtual table; refusing to read it`,
        );
      }
    }
  }

  columns(table: string): Set<string> {
    const rows = this.db.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as { name: string }[];
    return new Set(rows.map((r) => String(r.name).toLowerCase()));
  }

  count(table: string): number {
    const value = this.db.prepare(`SELECT COUNT(*) FROM "${table}"`).pluck().get();
    return Number(value);
  }
}

/** Every table any supported layout reads from. */
const READ_TABLES = ["sessions", "version", "datacenter", "user"] as const;

function readCredentials(schema: SchemaView): SessionCredentials {
  schema.assertPlainTables(READ_TABLES);
  if (schema.has("datacenter")) return readTelethonV2(schema);
  if (schema.has("sessions") && looksLikePyrogram(schema)) return readPyrogram(schema);
  return readTelethonV1(schema);
}

function looksLikePyrogram(schema: SchemaView): boolean {
  const sessionColumns = schema.columns("sessions");
  if (sessionColumns.has("server_address")) return false;
  if (sessionColumns.has("test_mode") || sessionColumns.has("is_bot")) return true;
  return schema.has("version") && schema.columns("version").has("number");
}

function readTelethonV1(schema: SchemaView): SessionCredentials {
  const missing = ["sessions", "version"].filter((t) => !schema.has(t));
  if (missing.length > 0) {
    throw invalidSession("missing_tables", `Missing required Telethon tables: ${missing.join(", ")}`);
  }
  requireColumns(schema, "sessions", ["dc_id", "server_address", "port", "auth_key"]);
  requireOneRow(schema, "sessions");
  // Columns by name: Telethon < 1.x lacks takeout_id, and column order is not ours to trust.
  const row = schema.db.prepare("SELECT dc_id, server_address, port, auth_key FROM sessions").get() as Record<
    string,
    unknown
  >;
  return {
    format: "telethon",
    dcId: dcIdOf(row.dc_id),
    serverAddress: addressOf(row.server_address),
    port: portOf(row.port),
    authKey: authKeyOf(row.auth_key),
  };
}

function readTelethonV2(schema: SchemaView): SessionCredentials {
  const columns = schema.columns("datacenter");
  const addressColumns = ["addr", "ipv4_addr", "ipv6_addr"].filter((c) => columns.has(c));
  if (!columns.has("id") || !columns.has("auth") || addressColumns.length === 0) {
    throw invalidSession("missing_columns", "Telethon v2 datacenter table lacks id, address or auth columns");
  }
  let homeDc: number | null = null;
  if (schema.has("user") && schema.columns("user").has("dc")) {
    const dc = schema.db.prepare('SELECT dc FROM "user" LIMIT 1').pluck().get();
    if (dc !== undefined) homeDc = dcIdOf(dc);
  }
  const select = `SELECT id, auth, ${addressColumns.join(", ")} FROM datacenter`;
  const rows = (
    homeDc === null
      ? schema.db.prepare(`${select} WHERE auth IS NOT NULL AND length(auth) > 0 LIMIT 2`).all()
      : schema.db.prepare(`${select} WHERE id = ? LIMIT 2`).all(homeDc)
  ) as Record<string, unknown>[];
  if (rows.length === 0) throw notLoggedIn("Telethon v2 session has no logged-in datacenter");
  if (rows.length > 1)
    throw invalidSession("ambiguous_dc", "Telethon v2 session has several logged-in datacenters and no user");
  const row = rows[0]!;
  const endpoint = [row.addr, row.ipv4_addr, row.ipv6_addr].find((v) => typeof v === "string" && v !== "");
  const { host, port } = splitHostPort(endpoint);
  return {
    format: "telethon-v2",
    dcId: dcIdOf(row.id),
    serverAddress: addressOf(host),
    port: portOf(port),
    authKey: authKeyOf(row.auth),
  };
}

function readPyrogram(schema: SchemaView): SessionCredentials {
  requireColumns(schema, "sessions", ["dc_id", "auth_key"]);
  requireOneRow(schema, "sessions");
  const hasTestMode = schema.columns("sessions").has("test_mode");
  const row = schema.db
    .prepare(`SELECT dc_id, auth_key${hasTestMode ? ", test_mode" : ""} FROM sessions`)
    .get() as Record<string, unknown>;
  if (hasTestMode && row.test_mode !== null && row.test_mode !== 0n && row.test_mode !== 0) {
    throw new SessionFileError(
      "PYROGRAM_SESSION_UNSUPPORTED",
      "pyrogram_test_mode",
      "This is a Pyrogram session for Telegram's test servers; only production sessions can be imported",
    );
  }
  const dcId = dcIdOf(row.dc_id);
  const serverAddress = PRODUCTION_DC_ADDRESSES[dcId];
  if (serverAddress === undefined) {
    throw new SessionFileError(
      "PYROGRAM_SESSION_UNSUPPORTED",
      "pyrogram_unknown_dc",
      "This Pyrogram session names a datacenter with no known address (production DCs are 1-5)",
    );
  }
  return { format: "pyrogram", dcId, serverAddress, port: PYROGRAM_PORT, authKey: authKeyOf(row.auth_key) };
}

function requireColumns(schema: SchemaView, table: string, required: string[]): void {
  const columns = schema.columns(table);
  const missing = required.filter((c) => !columns.has(c));
  if (missing.length > 0) {
    throw invalidSession("missing_columns", `The ${table} table is missing columns: ${missing.join(", ")}`);
  }
}

function requireOneRow(schema: SchemaView, table: string): void {
  const rows = schema.count(table);
  if (rows === 0) throw notLoggedIn(`Session is not logged in (the ${table} table is empty)`);
  if (rows > 1)
    throw invalidSession("several_rows", `The ${table} table holds ${rows} rows; expected exactly one`);
}

function notLoggedIn(message: string): SessionFileError {
  return invalidSession("not_logged_in", message);
}

function integerOf(value: unknown): number | null {
  if (typeof value === "bigint") {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : null;
  }
  if (typeof value === "number" && Number.isInteger(value)) return value;
  return null;
}

function dcIdOf(value: unknown): number {
  const dc = integerOf(value);
  if (dc === null || dc < 1 || dc > MAX_DC_ID) {
    throw invalidSession("dc_id", `dc_id must be an integer from 1 to ${MAX_DC_ID}`);
  }
  return dc;
}

function portOf(value: unknown): number {
  const port = typeof value === "string" && /^\d{1,5}$/.test(value) ? Number(value) : integerOf(value);
  if (port === null || port < 1 || port > 65535)
    throw invalidSession("port", "port must be an integer from 1 to 65535");
  return port;
}

function addressOf(value: unknown): string {
  if (typeof value !== "string" || net.isIP(value) === 0) {
    throw invalidSession("server_address", "server_address must be an IPv4 or IPv6 address");
  }
  return value;
}

function authKeyOf(value: unknown): Buffer {
  if (
    value === null ||
    value === undefined ||
    (Buffer.isBuffer(value) && value.length === 0) ||
    value === ""
  ) {
    throw notLoggedIn("Session is not logged in (its auth_key is empty)");
  }
  if (!Buffer.isBuffer(value)) throw invalidSession("auth_key_type", "auth_key must be a 256-byte blob");
  if (value.length !== AUTH_KEY_BYTES) {
    throw invalidSession("auth_key_length", `auth_key must be ${AUTH_KEY_BYTES} bytes (got ${value.length})`);
  }
  return Buffer.from(value);
}

/** "1.2.3.4:443", "[2001:db8::1]:443" or a bare address (port then defaults to 443). */
function splitHostPort(value: unknown): { host: unknown; port: unknown } {
  if (typeof value !== "string") return { host: value, port: null };
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(value);
  if (bracketed) return { host: bracketed[1], port: bracketed[2] };
  if (net.isIP(value) !== 0) return { host: value, port: "443" };
  const i = value.lastIndexOf(":");
  return i < 0 ? { host: value, port: null } : { host: value.slice(0, i), port: value.slice(i + 1) };
}
