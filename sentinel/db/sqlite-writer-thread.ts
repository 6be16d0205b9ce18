/**
 * The sentinel.db writer thread (started by db/sqlite-writer.ts): its own better-sqlite3
 * connection, prepared statements, one transaction per request. Requests are handled one at a
 * time in arrival order, so the hot path's writes never overlap; blocking on SQLite's busy
 * handler (another connection holding the write lock) only ever blocks this thread.
 */
import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";
import { type AlertWrite, type MessageKeyPair, storedAlerts, writeAlerts } from "../alerts/alert-sql.ts";
import type { NormalizedMessage } from "../ingestion/message.ts";
import { saveMessages } from "../ingestion/message-sql.ts";
import { type StatementCache, statementCache } from "./statement-cache.ts";

export interface WriterThreadData {
  entry: string;
  databaseFile: string;
  busyTimeoutMs: number;
}

/** What the thread can do: `write` operations run in one BEGIN IMMEDIATE … COMMIT each. */
const OPS = {
  saveMessages: {
    write: true,
    run: (sql: StatementCache, args: { messages: NormalizedMessage[]; now: string }) =>
      saveMessages(sql, args.messages, args.now),
  },
  storedAlerts: {
    write: false,
    run: (sql: StatementCache, args: { keys: MessageKeyPair[] }) => storedAlerts(sql, args.keys),
  },
  writeAlerts: { write: true, run: (sql: StatementCache, args: AlertWrite) => writeAlerts(sql, args) },
} as const;

export type WriterOps = typeof OPS;
export type WriterOp = keyof WriterOps;
export type WriterRequest =
  | { [K in WriterOp]: { id: number; op: K; args: Parameters<WriterOps[K]["run"]>[1] } }[WriterOp]
  | { id: number; op: "close" };
export type WriterReply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { message: string; name: string; code?: string } };

const port = parentPort;
if (port) {
  const { databaseFile, busyTimeoutMs } = workerData as WriterThreadData;
  const db = new Database(databaseFile, { fileMustExist: true, timeout: busyTimeoutMs });
  // The migrations set WAL; asserting it costs nothing and keeps readers off the writer's back.
  db.pragma("journal_mode = WAL");
  const sql = statementCache(db);

  port.on("message", (request: WriterRequest) => {
    if (request.op === "close") {
      db.close();
      port.postMessage({ id: request.id, ok: true, result: null } satisfies WriterReply);
      port.close();
      return;
    }
    try {
      const op = OPS[request.op];
      const run = () => (op.run as (sql: StatementCache, args: unknown) => unknown)(sql, request.args);
      const result = op.write ? db.transaction(run).immediate() : run();
      port.postMessage({ id: request.id, ok: true, result } satisfies WriterReply);
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      const code = (e as { code?: unknown }).code;
      port.postMessage({
        id: request.id,
        ok: false,
        error: { message: e.message, name: e.name, ...(typeof code === "string" ? { code } : {}) },
      } satisfies WriterReply);
    }
  });
}
