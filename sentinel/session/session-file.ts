/**
 * File-level facts about an uploaded session file, checked before SQLite ever opens it:
 * the size limit, the SQLite header and the page geometry it declares.
 * Pure functions over bytes; no I/O.
 */
import { type ErrorCode, SentinelError } from "@tgsentinel/contract/envelope.ts";

/** The largest session file the sentinel accepts (the seed's 10 MiB). */
export const SESSION_MAX_BYTES = 10 * 1024 * 1024;

/** Length of the base64 text of a SESSION_MAX_BYTES file. */
export const SESSION_MAX_BASE64_CHARS = Math.ceil(SESSION_MAX_BYTES / 3) * 4;

/** The first 16 bytes of every SQLite 3 database. */
export const SQLITE_MAGIC = Buffer.from("SQLite format 3\0", "latin1");

/** Size of the database header at the start of page 1. */
export const SQLITE_HEADER_BYTES = 100;

export type SessionFileErrorCode = Extract<
  ErrorCode,
  "INVALID_SESSION_FILE" | "PYROGRAM_SESSION_UNSUPPORTED" | "SESSION_TOO_LARGE"
>;

/**
 * A session file was refused. The message is safe to show a user: it names what is wrong,
 * never the file's content. `reason` is a stable, machine-readable detail for logs and tests.
 */
export class SessionFileError extends SentinelError {
  readonly reason: string;
  constructor(code: SessionFileErrorCode, reason: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = "SessionFileError";
    this.reason = reason;
  }
}

export function sessionTooLarge(): SessionFileError {
  return new SessionFileError(
    "SESSION_TOO_LARGE",
    "too_large",
    `Session file is larger than ${SESSION_MAX_BYTES / (1024 * 1024)} MiB`,
  );
}

export function invalidSession(reason: string, message: string, cause?: unknown): SessionFileError {
  return new SessionFileError(
    "INVALID_SESSION_FILE",
    reason,
    message,
    cause === undefined ? undefined : { cause },
  );
}

export interface SqliteHeaderInfo {
  pageSize: number;
  /** Pages the file holds (file size / page size). */
  pageCount: number;
  /** The header says the database is in WAL mode (file format versions 2). */
  walMode: boolean;
}

/**
 * Checks the 100-byte SQLite header against the file's real size, so that SQLite is only ever
 * asked to open a file whose geometry is sane: a known page size, a whole number of pages, and a
 * declared page count that matches the bytes present (a truncated or padded file is refused here).
 * A WAL-mode file is refused too: its `-wal` companion is never part of an upload, so committed
 * transactions may be missing from the main file.
 */
export function inspectSqliteHeader(header: Buffer, fileSize: number): SqliteHeaderInfo {
  if (fileSize === 0) throw invalidSession("empty", "Session file is empty");
  if (fileSize < SQLITE_HEADER_BYTES || header.length < SQLITE_HEADER_BYTES) {
    const n = Math.min(header.length, SQLITE_MAGIC.length);
    const startsLikeSqlite = n > 0 && header.subarray(0, n).equals(SQLITE_MAGIC.subarray(0, n));
    if (startsLikeSqlite)
      throw invalidSession("truncated", "Session file is truncated (shorter than an SQLite header)");
    throw notSqlite();
  }
  if (!header.subarray(0, SQLITE_MAGIC.length).equals(SQLITE_MAGIC)) throw notSqlite();

  const rawPageSize = header.readUInt16BE(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) {
    throw corrupt("page_size", "Session file has an invalid SQLite page size");
  }
  const writeVersion = header[18];
  const readVersion = header[19];
  if ((writeVersion !== 1 && writeVersion !== 2) || (readVersion !== 1 && readVersion !== 2)) {
    throw corrupt("format_version", "Session file uses an unknown SQLite file format version");
  }
  // Bytes 21-23 are fixed by the file format (payload fractions).
  if (header[21] !== 64 || header[22] !== 32 || header[23] !== 32) {
    throw corrupt("payload_fraction", "Session file has a corrupt SQLite header");
  }
  const reserved = header[20] ?? 0;
  if (reserved > 0) {
    // Reserved bytes per page are how page-level encryption/checksum extensions store their data.
    throw invalidSession(
      "reserved_space",
      "Session file uses an SQLite extension (encryption or checksums); upload a plain Telethon session file",
    );
  }
  if (fileSize < pageSize)
    throw invalidSession("truncated", "Session file is truncated (shorter than one database page)");
  if (fileSize % pageSize !== 0) {
    throw invalidSession(
      "truncated",
      "Session file is truncated or padded (not a whole number of database pages)",
    );
  }
  const pageCount = fileSize / pageSize;
  const declaredPages = header.readUInt32BE(28);
  const changeCounter = header.readUInt32BE(24);
  const validFor = header.readUInt32BE(92);
  // The declared size is only meaningful when the writer kept it current (SQLite >= 3.7.0).
  if (declaredPages !== 0 && validFor === changeCounter && declaredPages !== pageCount) {
    throw invalidSession(
      declaredPages > pageCount ? "truncated" : "page_count",
      declaredPages > pageCount
        ? "Session file is truncated (it declares more pages than it holds)"
        : "Session file does not match the page count its header declares",
    );
  }
  const schemaFormat = header.readUInt32BE(44);
  if (schemaFormat > 4) throw corrupt("schema_format", "Session file has an unknown SQLite schema format");
  const encoding = header.readUInt32BE(56);
  if (encoding > 3) throw corrupt("text_encoding", "Session file has an unknown SQLite text encoding");

  const walMode = writeVersion === 2 || readVersion === 2;
  if (walMode) {
    throw invalidSession(
      "wal_mode",
      "Session file is in SQLite WAL mode and its -wal journal is not part of the upload; " +
        "close the program that uses it (or run PRAGMA journal_mode=DELETE on it) and upload it again",
    );
  }
  return { pageSize, pageCount, walMode };
}

function notSqlite(): SessionFileError {
  return invalidSession(
    "not_sqlite",
    "Not an SQLite database file (missing the 'SQLite format 3' header; it may be encrypted or of another format)",
  );
}

function corrupt(reason: string, message: string): SessionFileError {
  return invalidSession(reason, message);
}
