/**
 * The sentinel.db writer thread (started by db/sqlite-writer.ts): its own better-sqlite3
 * connection, prepared statements, one transaction per request. Requests are handled one at a
 * time in arrival order, so the hot path's writes never overlap; blocking on SQLite's busy
 * handler (another connection holding the write lock) only ever blocks this thread.
 */
import { type AlertWrite, type MessageKeyPair, storedAlerts, writeAlerts } from "../alerts/alert-sql.ts";
import type { NormalizedMessage } from "../ingestion/message.ts";
import { RecentMessageIds, saveMessages } from "../ingestion/message-sql.ts";
import { INGEST_BATCH_MAX } from "../ingestion/queue.ts";
import { serveRequests, threadData } from "../threads/serve-requests.ts";
import { PrismaSqlite } from "./sqlite-library.ts";
import { statementCache } from "./statement-cache.ts";

export interface WriterThreadData {
  databaseFile: string;
  busyTimeoutMs: number;
}

const { databaseFile, busyTimeoutMs } = threadData<WriterThreadData>();
// The same SQLite library as Prisma's connection in the main thread (see sqlite-library.ts).
const db = new PrismaSqlite(databaseFile, { fileMustExist: true, timeout: busyTimeoutMs });
// The migrations set WAL; asserting it costs nothing and keeps readers off the writer's back.
db.pragma("journal_mode = WAL");
const sql = statementCache(db);
// The row ids of the last few batches' messages: what the alerts of a scored batch mark scored.
const recent = new RecentMessageIds(4 * INGEST_BATCH_MAX);

/** Write requests run in one BEGIN IMMEDIATE … COMMIT each (rolled back when they throw). */
const inTransaction =
  <A, R>(run: (args: A) => R) =>
  (args: A): R =>
    db.transaction(() => run(args)).immediate();

serveRequests(
  {
    saveMessages: (args: { messages: NormalizedMessage[]; now: string }) => {
      const rowIds: number[] = [];
      const saved = db.transaction(() => saveMessages(sql, args.messages, args.now, rowIds)).immediate();
      // Remembered only once committed: a rolled-back batch's row ids may be handed out again.
      args.messages.forEach((message, index) => {
        const id = rowIds[index];
        if (id !== undefined) recent.remember(message.chatId, message.messageId, id);
      });
      return saved;
    },
    storedAlerts: (args: { keys: MessageKeyPair[] }) => storedAlerts(sql, args.keys),
    writeAlerts: inTransaction((args: AlertWrite) => writeAlerts(sql, args, recent)),
  },
  { close: () => db.close() },
);
