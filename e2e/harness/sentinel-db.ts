/**
 * Reads sentinel.db from the test process (read-only, WAL-aware), as it is on disk: after a
 * kill -9 this is exactly what the sentinel had committed.
 */
import Database from "better-sqlite3";

export interface StoredMessage {
  chat_id: string;
  message_id: number;
  text: string;
}

function withDb<T>(file: string, read: (db: Database.Database) => T): T {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    db.pragma("busy_timeout = 5000");
    return read(db);
  } finally {
    db.close();
  }
}

/** Every stored message (ordered by chat and id). */
export function storedMessages(file: string): StoredMessage[] {
  return withDb(
    file,
    (db) =>
      db
        .prepare("select chat_id, message_id, text from messages order by chat_id, message_id")
        .all() as StoredMessage[],
  );
}

/** Rows stored more than once for the same (chat, message id): must always be empty. */
export function duplicateMessages(file: string): Array<{ chat_id: string; message_id: number; n: number }> {
  return withDb(
    file,
    (db) =>
      db
        .prepare(
          "select chat_id, message_id, count(*) as n from messages group by chat_id, message_id having n > 1",
        )
        .all() as Array<{ chat_id: string; message_id: number; n: number }>,
  );
}

/** How many messages are stored (0 while the table does not exist yet). */
export function messageCount(file: string): number {
  try {
    return withDb(file, (db) => (db.prepare("select count(*) as n from messages").get() as { n: number }).n);
  } catch {
    return 0;
  }
}

/** Rows of any table (for the secrets scan and audit checks). */
export function tableRows(file: string, table: string): Array<Record<string, unknown>> {
  return withDb(file, (db) => db.prepare(`select * from "${table.replaceAll('"', '""')}"`).all()) as Array<
    Record<string, unknown>
  >;
}

/** Names of the user tables. */
export function tableNames(file: string): string[] {
  return withDb(file, (db) =>
    (db.prepare("select name from sqlite_master where type = 'table'").all() as Array<{ name: string }>).map(
      (row) => row.name,
    ),
  );
}
