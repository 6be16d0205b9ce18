/**
 * sentinel.db's hot path on a thread of its own: ingestion batches, the alerts of scored batches
 * and `scored_at` are written by a worker thread (db/sqlite-writer-thread.ts) with its own
 * better-sqlite3 connection and prepared statements, one transaction per request, requests
 * handled one at a time in order. The main thread only sends the rows and awaits the answer, so
 * storing a batch overlaps with normalising and scoring the next ones on the second core.
 *
 * Prisma keeps owning the schema (migrations) and every other query, on its own connection in the
 * main thread. The file is in WAL mode: readers never wait for the writer. Two connections may
 * want the write lock at once (Prisma's rare writes: retention, profiles, digests, chat choices);
 * SQLite lets one in and the other waits in its busy handler, up to SQLITE_BUSY_TIMEOUT_MS. Each
 * waits on its own thread, so the writer thread waiting for an open Prisma transaction never
 * blocks the event loop that transaction needs to finish.
 *
 * The thread starts with the first request. If it dies, the requests in flight fail (the
 * ingestion queue retries its batch) and the next request starts a new one.
 */
import { Worker } from "node:worker_threads";
import type { StoredAlert } from "../alerts/alert-plan.ts";
import type { AlertWrite, CreatedAlert, MessageKeyPair, RevisedAlert } from "../alerts/alert-sql.ts";
import type { NormalizedMessage } from "../ingestion/message.ts";
import type { SavedIndices } from "../ingestion/message-sql.ts";
import type { WriterOp, WriterReply, WriterRequest, WriterThreadData } from "./sqlite-writer-thread.ts";

/** How long a connection waits for another one holding sentinel.db's write lock (SQLITE_BUSY after). */
export const SQLITE_BUSY_TIMEOUT_MS = 10_000;
/** How long `close()` waits for the thread to finish what it was given before stopping it. */
export const WRITER_CLOSE_TIMEOUT_MS = 10_000;

const BOOTSTRAP = new URL("./thread-bootstrap.mjs", import.meta.url);
const ENTRY = new URL("./sqlite-writer-thread.ts", import.meta.url).href;

/** A failure inside the writer thread, with SQLite's code when there is one (SQLITE_BUSY, …). */
export class SqliteWriterError extends Error {
  readonly code: string;
  constructor(message: string, code = "SQLITE_WRITER_FAILED") {
    super(message);
    this.name = "SqliteWriterError";
    this.code = code;
  }
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

export class SqliteWriter {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly databaseFile: string,
    private readonly busyTimeoutMs = SQLITE_BUSY_TIMEOUT_MS,
  ) {}

  /** Stores distinct messages and their chats' counters in one transaction (see ingestion/message-sql.ts). */
  saveMessages(messages: readonly NormalizedMessage[], now: string): Promise<SavedIndices> {
    return this.call("saveMessages", { messages: messages as NormalizedMessage[], now });
  }

  /** The stored alerts of these messages, every profile. */
  storedAlerts(keys: MessageKeyPair[]): Promise<StoredAlert[]> {
    return this.call("storedAlerts", { keys });
  }

  /** A scored batch's new alerts, revisions, suppression counts and scored_at, in one transaction. */
  writeAlerts(input: AlertWrite): Promise<{ created: CreatedAlert[]; revised: RevisedAlert[] }> {
    return this.call("writeAlerts", input);
  }

  /** Finishes what was sent, closes the connection and stops the thread. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const worker = this.worker;
    if (worker === null) return;
    const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
    const id = this.nextId++;
    const done = new Promise<unknown>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    worker.ref();
    worker.postMessage({ id, op: "close" } satisfies WriterRequest);
    const timer = setTimeout(() => void worker.terminate(), WRITER_CLOSE_TIMEOUT_MS);
    await done.catch(() => {});
    await exited;
    clearTimeout(timer);
  }

  private call<T>(op: WriterOp, args: unknown): Promise<T> {
    if (this.closed) return Promise.reject(new SqliteWriterError("the sentinel.db writer is closed"));
    const worker = this.thread();
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      if (this.pending.size === 0) worker.ref();
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage({ id, op, args } as WriterRequest);
    });
  }

  private thread(): Worker {
    if (this.worker !== null) return this.worker;
    const workerData: WriterThreadData = {
      entry: ENTRY,
      databaseFile: this.databaseFile,
      busyTimeoutMs: this.busyTimeoutMs,
    };
    const worker = new Worker(BOOTSTRAP, { workerData, name: "sentinel.db writer" });
    // Keeps the process alive only while requests are in flight.
    worker.unref();
    worker.on("message", (reply: WriterReply) => {
      const pending = this.pending.get(reply.id);
      if (pending === undefined) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      if (reply.ok) pending.resolve(reply.result);
      else {
        const error = new SqliteWriterError(reply.error.message, reply.error.code);
        if (reply.error.name !== "Error") error.name = reply.error.name;
        pending.reject(error);
      }
    });
    const fail = (error: Error) => {
      if (this.worker === worker) this.worker = null;
      const failed = [...this.pending.values()];
      this.pending.clear();
      for (const pending of failed) pending.reject(error);
    };
    worker.on("error", (error) =>
      fail(new SqliteWriterError(`the sentinel.db writer thread failed: ${error.message}`)),
    );
    worker.on("exit", (code) =>
      fail(new SqliteWriterError(`the sentinel.db writer thread exited (${code})`)),
    );
    this.worker = worker;
    return worker;
  }
}
