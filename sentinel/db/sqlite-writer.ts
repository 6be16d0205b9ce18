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
 * The thread starts with the first request (threads/request-thread.ts). If it dies, the requests
 * in flight fail (the ingestion queue retries its batch) and the next request starts a new one.
 */

import type { StoredAlert } from "../alerts/alert-plan.ts";
import type { AlertWrite, CreatedAlert, MessageKeyPair, RevisedAlert } from "../alerts/alert-sql.ts";
import type { NormalizedMessage } from "../ingestion/message.ts";
import type { SavedIndices } from "../ingestion/message-sql.ts";
import { RequestThread } from "../threads/request-thread.ts";
import type { WriterThreadData } from "./sqlite-writer-thread.ts";

export { ThreadRequestError as SqliteWriterError } from "../threads/request-thread.ts";

/** How long a connection waits for another one holding sentinel.db's write lock (SQLITE_BUSY after). */
export const SQLITE_BUSY_TIMEOUT_MS = 10_000;

export class SqliteWriter {
  private readonly thread: RequestThread;

  constructor(databaseFile: string, busyTimeoutMs = SQLITE_BUSY_TIMEOUT_MS) {
    this.thread = new RequestThread({
      entry: new URL("./sqlite-writer-thread.ts", import.meta.url),
      data: { databaseFile, busyTimeoutMs } satisfies WriterThreadData,
      name: "sentinel.db writer",
    });
  }

  /** Stores distinct messages and their chats' counters in one transaction (see ingestion/message-sql.ts). */
  saveMessages(messages: readonly NormalizedMessage[], now: string): Promise<SavedIndices> {
    return this.thread.request("saveMessages", { messages, now });
  }

  /** The stored alerts of these messages, every profile. */
  storedAlerts(keys: MessageKeyPair[]): Promise<StoredAlert[]> {
    return this.thread.request("storedAlerts", { keys });
  }

  /** A scored batch's new alerts, revisions, suppression counts and scored_at, in one transaction. */
  writeAlerts(input: AlertWrite): Promise<{ created: CreatedAlert[]; revised: RevisedAlert[] }> {
    return this.thread.request("writeAlerts", input);
  }

  /** Finishes what was sent, closes the connection and stops the thread. */
  close(): Promise<void> {
    return this.thread.close();
  }
}
