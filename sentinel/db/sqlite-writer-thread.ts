/**
 * The sentinel.db writer thread (started by db/sqlite-writer.ts): its own better-sqlite3
 * connection, prepared statements, one transaction per request. Requests are handled one at a
 * time in arrival order, so the hot path's writes never overlap; blocking on SQLite's busy
 * handler (another connection holding the write lock) only ever blocks this thread.
 */
import Database from "better-sqlite3";
import { type AlertWrite, type MessageKeyPair, storedAlerts, writeAlerts } from "../alerts/alert-sql.ts";
import type { NormalizedMessage } from "../ingestion/message.ts";
import { saveMessages } from "../ingestion/message-sql.ts";
import { serveRequests, threadData } from "../threads/serve-requests.ts";
import { statementCache } from "./statement-cache.ts";

export interface WriterThreadData {
  databaseFile: string;
  busyTimeoutMs: number;
}

const { databaseFile, busyTimeoutMs } = threadData<WriterThreadData>();
const db = new Database(databaseFile, { fileMustExist: true, timeout: busyTimeoutMs });
// The migrations set WAL; asserting it costs nothing and keeps readers off the writer's back.
db.pragma("journal_mode = WAL");
const sql = statementCache(db);

/** Write requests run in one BEGIN IMMEDIATE … COMMIT each (rolled back when they throw). */
const inTransaction =
  <A, R>(run: (args: A) => R) =>
  (args: A): R =>
    db.transaction(() => run(args)).immediate();

serveRequests(
  {
    saveMessages: inTransaction((args: { messages: NormalizedMessage[]; now: string }) =>
      saveMessages(sql, args.messages, args.now),
    ),
    storedAlerts: (args: { keys: MessageKeyPair[] }) => storedAlerts(sql, args.keys),
    writeAlerts: inTransaction((args: AlertWrite) => writeAlerts(sql, args)),
  },
  { close: () => db.close() },
);
