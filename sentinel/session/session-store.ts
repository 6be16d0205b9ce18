/**
 * The sentinel's stored Telegram login: a small JSON document at TG_SESSION_PATH holding the GramJS
 * string session (never logged), written atomically with mode 0o660.
 *
 * Write protocol (crash-safe at every step):
 *   1. the new document goes to a temp file in the same directory, fsynced;
 *   2. the current document is copied to `<path>.bak` (fsynced);
 *   3. the temp file is renamed over `<path>` and the directory fsynced;
 *   4. `<path>.bak` is removed.
 * `<path>` therefore always holds a complete document, old or new. `recover()` (run on start)
 * removes temp files a crash left behind, restores `<path>.bak` when `<path>` is missing or
 * unreadable, and otherwise drops a stale backup.
 */
import { randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import type { GatewaySession } from "../telegram/gateway.ts";
import type { SessionSourceFormat } from "./session-reader.ts";

/** The seed's session file mode (rw-rw----). */
export const SESSION_FILE_MODE = 0o660;
export const STORED_SESSION_FORMAT = "tgsentinel-session";
export const STORED_SESSION_VERSION = 1;

/** The document at TG_SESSION_PATH. `session` is a secret; everything else is safe to show. */
export interface StoredSession {
  format: typeof STORED_SESSION_FORMAT;
  version: typeof STORED_SESSION_VERSION;
  /** GramJS StringSession string (dc, address, port, auth key). */
  session: string;
  dc_id: number;
  server_address: string;
  port: number;
  /** The uploaded file's format, or "login" for a session made by logging in from the UI. */
  source_format: SessionSourceFormat | "login";
  imported_at: string;
  /** First 8 hex digits of sha256(auth key): tells two keys apart without revealing either. */
  key_fingerprint: string;
}

export class StoredSessionError extends Error {
  readonly code = "STORED_SESSION_INVALID";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StoredSessionError";
  }
}

/** Test seams for the write protocol; production passes none. */
export interface SessionStoreHooks {
  /** Runs after the new document is durable in its temp file and the backup exists, before the rename. */
  beforeRename?: (tempFile: string) => void | Promise<void>;
}

export interface RecoveryReport {
  removedTempFiles: number;
  restoredBackup: boolean;
  droppedBackup: boolean;
}

/** Whether a session is stored, as last seen by the store (no file access). */
export interface SessionPresence {
  present: boolean;
  /** null when none is stored, or when the stored document is unreadable. */
  imported_at: string | null;
}

export class SessionStore {
  readonly path: string;
  private known: SessionPresence = { present: false, imported_at: null };
  readonly backupPath: string;
  private readonly dir: string;
  private readonly base: string;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    sessionPath: string,
    private readonly hooks: SessionStoreHooks = {},
  ) {
    this.path = path.resolve(sessionPath);
    this.backupPath = `${this.path}.bak`;
    this.dir = path.dirname(this.path);
    this.base = path.basename(this.path);
  }

  /** Runs `task` after every task queued before it has settled: imports and removals never interleave. */
  exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => {});
    return run;
  }

  /** The stored session, or null when there is none. Throws StoredSessionError when it is unreadable. */
  async read(): Promise<StoredSession | null> {
    try {
      const doc = await readDocument(this.path);
      this.known = { present: doc !== null, imported_at: doc?.imported_at ?? null };
      return doc;
    } catch (err) {
      if (err instanceof StoredSessionError) this.known = { present: true, imported_at: null };
      throw err;
    }
  }

  /**
   * What the last read, write or removal found, without touching the file: for the worker status
   * published on every gateway change. Reads refresh it (start-up, GET /api/status).
   */
  presence(): SessionPresence {
    return this.known;
  }

  /** Atomically replaces the stored session (see the module comment). Returns the bytes written. */
  async write(doc: StoredSession): Promise<number> {
    const body = Buffer.from(`${JSON.stringify(doc, null, 2)}\n`, "utf8");
    await fs.mkdir(this.dir, { recursive: true });
    const temp = path.join(this.dir, `.${this.base}.tmp-${randomUUID()}`);
    let renamed = false;
    try {
      await writeDurably(temp, body);
      await this.backupCurrent();
      await this.hooks.beforeRename?.(temp);
      await fs.rename(temp, this.path);
      renamed = true;
      await syncDirectory(this.dir);
      await fs.rm(this.backupPath, { force: true });
      await syncDirectory(this.dir);
      this.known = { present: true, imported_at: doc.imported_at };
      return body.length;
    } finally {
      if (!renamed) await fs.rm(temp, { force: true });
    }
  }

  /** Removes the stored session and its backup. Returns whether a session was stored. */
  async remove(): Promise<boolean> {
    const existed = await exists(this.path);
    await fs.rm(this.path, { force: true });
    await fs.rm(this.backupPath, { force: true });
    this.known = { present: false, imported_at: null };
    if (await exists(this.dir)) await syncDirectory(this.dir);
    return existed;
  }

  /** Repairs what an interrupted write left behind. Safe to call on every start. */
  async recover(): Promise<RecoveryReport> {
    const report: RecoveryReport = { removedTempFiles: 0, restoredBackup: false, droppedBackup: false };
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch {
      return report;
    }
    for (const name of names) {
      if (name.startsWith(`.${this.base}.tmp-`) || name.startsWith(`.${this.base}.bak.tmp-`)) {
        await fs.rm(path.join(this.dir, name), { force: true });
        report.removedTempFiles += 1;
      }
    }
    if (await exists(this.backupPath)) {
      const current = await readDocument(this.path).catch(() => null);
      if (current === null && (await readDocument(this.backupPath).catch(() => null)) !== null) {
        await fs.rename(this.backupPath, this.path);
        report.restoredBackup = true;
      } else {
        await fs.rm(this.backupPath, { force: true });
        report.droppedBackup = true;
      }
      await syncDirectory(this.dir);
    }
    return report;
  }

  private async backupCurrent(): Promise<void> {
    if (!(await exists(this.path))) return;
    const temp = path.join(this.dir, `.${this.base}.bak.tmp-${randomUUID()}`);
    try {
      await fs.copyFile(this.path, temp);
      const handle = await fs.open(temp, "r+");
      try {
        await handle.chmod(SESSION_FILE_MODE);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.rename(temp, this.backupPath);
    } finally {
      await fs.rm(temp, { force: true });
    }
  }
}

/** What the gateway needs from a stored session. */
export function gatewaySessionOf(doc: StoredSession): GatewaySession {
  return { sessionString: doc.session, dcId: doc.dc_id, serverAddress: doc.server_address, port: doc.port };
}

/** Parses and checks a stored document; throws StoredSessionError with a message free of secrets. */
export function parseStoredSession(text: string): StoredSession {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new StoredSessionError("stored session is not valid JSON", { cause: err });
  }
  const doc = value as Partial<StoredSession> | null;
  const problems: string[] = [];
  if (doc === null || typeof doc !== "object")
    throw new StoredSessionError("stored session is not a JSON object");
  if (doc.format !== STORED_SESSION_FORMAT) problems.push("format");
  if (doc.version !== STORED_SESSION_VERSION) problems.push("version");
  if (typeof doc.session !== "string" || doc.session.length === 0) problems.push("session");
  if (!Number.isInteger(doc.dc_id)) problems.push("dc_id");
  if (typeof doc.server_address !== "string") problems.push("server_address");
  if (!Number.isInteger(doc.port)) problems.push("port");
  if (typeof doc.imported_at !== "string") problems.push("imported_at");
  if (problems.length > 0)
    throw new StoredSessionError(`stored session has invalid fields: ${problems.join(", ")}`);
  return doc as StoredSession;
}

async function readDocument(file: string): Promise<StoredSession | null> {
  let text: string;
  try {
    text = await fs.readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new StoredSessionError(`stored session cannot be read (${(err as NodeJS.ErrnoException).code})`, {
      cause: err,
    });
  }
  return parseStoredSession(text);
}

async function writeDurably(file: string, body: Buffer): Promise<void> {
  const handle = await fs.open(file, "wx", SESSION_FILE_MODE);
  try {
    // The umask may have narrowed the mode given to open(); the seed wants exactly 0o660.
    await handle.chmod(SESSION_FILE_MODE);
    await handle.writeFile(body);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await fs.open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}
