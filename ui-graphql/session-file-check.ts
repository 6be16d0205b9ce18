import { SentinelError } from "@tgsentinel/contract/envelope.ts";
import Database from "better-sqlite3";

/** The first 16 bytes of every SQLite 3 database file. */
const SQLITE_HEADER = Buffer.from("SQLite format 3\u0000", "latin1");
/** A Telegram auth key is 2048 bits. */
const AUTH_KEY_BYTES = 256;

/** What the light check found; no key material. */
export interface SessionFileSummary {
  format: "telethon" | "telethon-v2";
  size: number;
}

function invalid(message: string): SentinelError {
  return new SentinelError("INVALID_SESSION_FILE", message);
}

/**
 * The UI's light check of an uploaded session before it is forwarded: SQLite header, page
 * layout, and the Telethon tables with one 256-byte auth key. The sentinel validates fully
 * again. The bytes are opened as an in-memory, read-only database (SQLite's deserialize):
 * nothing is written to disk and no file path is involved.
 */
export function checkSessionFile(bytes: Buffer): SessionFileSummary {
  if (bytes.length === 0) throw invalid("The file is empty");
  if (bytes.length < 100 || !bytes.subarray(0, 16).equals(SQLITE_HEADER)) {
    throw invalid("Not a session file: the SQLite header (SQLite format 3) is missing");
  }
  const rawPageSize = bytes.readUInt16BE(16);
  const pageSize = rawPageSize === 1 ? 65_536 : rawPageSize;
  if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0)
    throw invalid("The SQLite header is corrupt (bad page size)");
  if (bytes.length % pageSize !== 0) throw invalid("The session file is truncated or corrupt");
  if (bytes[18] === 2 || bytes[19] === 2) {
    throw invalid(
      "The session file is in WAL mode and depends on a -wal file; close the client that uses it and upload again",
    );
  }

  let db: Database.Database | null = null;
  try {
    db = new Database(bytes, { readonly: true });
    const objects = db.prepare("SELECT type, name FROM sqlite_master").all() as {
      type: string;
      name: string;
    }[];
    const tables = new Set(objects.filter((o) => o.type === "table").map((o) => o.name));
    const columnsOf = (table: string) =>
      new Set(
        (db!.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as { name: string }[]).map(
          (c) => c.name,
        ),
      );

    if (tables.has("sessions") && tables.has("version") && columnsOf("sessions").has("api_id")) {
      throw new SentinelError(
        "PYROGRAM_SESSION_UNSUPPORTED",
        "This is a Pyrogram session; TG Sentinel needs a Telethon session file",
      );
    }
    if (tables.has("datacenter") && tables.has("version") && !tables.has("sessions")) {
      const keys = db
        .prepare("SELECT count(*) AS n FROM datacenter WHERE length(auth) = ?")
        .get(AUTH_KEY_BYTES) as { n: number };
      if (keys.n === 0) throw invalid("The session holds no auth key (it is not logged in)");
      return { format: "telethon-v2", size: bytes.length };
    }
    const missing = ["sessions", "version"].filter((t) => !tables.has(t));
    if (missing.length > 0) throw invalid(`Missing required Telethon tables: ${missing.join(", ")}`);
    if (!columnsOf("sessions").has("auth_key")) throw invalid("The sessions table has no auth_key column");
    const keys = db
      .prepare("SELECT count(*) AS n FROM sessions WHERE length(auth_key) = ?")
      .get(AUTH_KEY_BYTES) as { n: number };
    if (keys.n === 0) throw invalid("The session holds no auth key (it is not logged in)");
    return { format: "telethon", size: bytes.length };
  } catch (err) {
    if (err instanceof SentinelError) throw err;
    // SQLite's own message names the problem (not a database, malformed…) and holds no file content.
    const code = (err as { code?: string }).code ?? "";
    throw invalid(`The session file cannot be read as SQLite (${code || (err as Error).message})`);
  } finally {
    db?.close();
  }
}
