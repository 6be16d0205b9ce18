/**
 * The SQL of a scored batch, run on the writer thread's connection (db/sqlite-writer.ts): the
 * alerts already stored for its messages, its new alerts, revisions and suppression counts, and
 * `scored_at`. New alerts are inserted with ON CONFLICT DO NOTHING on (chat, message, profile), so
 * the same message can never produce two alerts for a profile, whatever races.
 */
import type { StatementCache } from "../db/statement-cache.ts";
import type { RecentMessageIds } from "../ingestion/message-sql.ts";
import type { AlertDraft, AlertRevision, StoredAlert } from "./alert-plan.ts";

/** A message as `[chat id, message id]` (what crosses to the writer thread). */
export type MessageKeyPair = readonly [chatId: string, messageId: number];

export interface SuppressionCount {
  chatId: string;
  profile: string;
  /** Start of the clock hour. */
  hour: Date;
  count: number;
}

/** A row the insert created (rows that already existed are not returned). */
export interface CreatedAlert {
  id: number;
  chatId: string;
  chatTitle: string;
  messageId: number;
  profile: string;
  score: number;
  createdAt: Date;
}

/** A stored alert a revision changed (an edited message scored again). */
export interface RevisedAlert {
  id: number;
  chatId: string;
  messageId: number;
  profile: string;
  score: number;
  updatedAt: Date;
}

export interface AlertWrite {
  drafts: readonly AlertDraft[];
  revisions: readonly AlertRevision[];
  suppressions: readonly SuppressionCount[];
  createdAt: Date;
  /** Messages whose scored_at is set to `at` in the same transaction (the batch these alerts came from). */
  scored?: { keys: readonly MessageKeyPair[]; at: Date };
}

/**
 * The stored alerts of these messages (every profile): one statement for the whole batch, its keys
 * passed as one JSON array (half the cost of a statement per message).
 */
export function storedAlerts(sql: StatementCache, keys: readonly MessageKeyPair[]): StoredAlert[] {
  if (keys.length === 0) return [];
  return sql.prepare(SELECT_STORED).all(JSON.stringify(keys)) as StoredAlert[];
}

/**
 * Writes new alerts (created at `createdAt`), revisions (stamped `updated_at`), suppression counts
 * and the batch's scored_at, in the caller's transaction. Returns the alerts actually inserted and
 * those revised, in id order.
 */
export function writeAlerts(
  sql: StatementCache,
  input: AlertWrite,
  recent?: RecentMessageIds,
): { created: CreatedAlert[]; revised: RevisedAlert[] } {
  const { drafts, revisions, suppressions } = input;
  const created: CreatedAlert[] = [];
  const revised: RevisedAlert[] = [];
  const at = sqliteDate(input.createdAt);
  if (drafts.length > 0) {
    const insert = sql.prepare(INSERT_ALERT);
    for (const d of drafts) {
      const { changes, lastInsertRowid } = insert.run(
        d.chatId,
        d.chatTitle,
        d.messageId,
        d.profile,
        d.score,
        JSON.stringify(d.reasons),
        d.text,
        d.senderName,
        d.link,
        sqliteDate(d.messageDate),
        at,
        at,
      );
      // ON CONFLICT DO NOTHING: an alert that already exists is not created again.
      if (changes === 0) continue;
      created.push({
        id: Number(lastInsertRowid),
        chatId: d.chatId,
        chatTitle: d.chatTitle,
        messageId: d.messageId,
        profile: d.profile,
        score: d.score,
        createdAt: input.createdAt,
      });
    }
    created.sort((a, b) => a.id - b.id);
  }
  if (revisions.length > 0) {
    // A revision is stamped at least 1 ms past every updated_at in the table (so past its own
    // created_at): the stamps only move forward, even on a clock that stands still or steps
    // back, so a reader of the updates listing never skips a revision. One index lookup, once per
    // batch: every revision of the batch carries the same stamp.
    const stamp = (sql.prepare(REVISION_STAMP).get(at) as { stamp: string }).stamp;
    const update = sql.prepare(UPDATE_ALERT);
    for (const r of revisions) {
      const row = update.get(r.score, JSON.stringify(r.reasons), r.text, stamp, r.id) as
        | Omit<RevisedAlert, "updatedAt">
        | undefined;
      if (row) revised.push({ ...row, updatedAt: new Date(stamp) });
    }
    revised.sort((a, b) => a.id - b.id);
  }
  if (suppressions.length > 0) {
    const count = sql.prepare(COUNT_SUPPRESSED);
    for (const s of suppressions) count.run(s.chatId, s.profile, sqliteDate(s.hour), s.count);
  }
  if (input.scored) markScored(sql, input.scored.keys, input.scored.at, recent);
  return { created, revised };
}

/**
 * Sets scored_at of these messages. Those stored lately (their row ids in `recent`) are updated
 * by runs of consecutive row ids, one statement per run (a batch's new messages are one run);
 * the others one by one, by key.
 */
export function markScored(
  sql: StatementCache,
  keys: readonly MessageKeyPair[],
  at: Date,
  recent?: RecentMessageIds,
): void {
  const stamp = sqliteDate(at);
  const ids: number[] = [];
  const byKey = sql.prepare(MARK_SCORED);
  for (const [chatId, messageId] of keys) {
    const id = recent?.get(chatId, messageId);
    if (id === undefined) byKey.run(stamp, chatId, messageId);
    else ids.push(id);
  }
  if (ids.length === 0) return;
  ids.sort((a, b) => a - b);
  const byRange = sql.prepare(MARK_SCORED_RANGE);
  let first = ids[0]!;
  let last = first;
  for (let i = 1; i < ids.length; i++) {
    const id = ids[i]!;
    if (id <= last + 1) {
      last = Math.max(last, id);
      continue;
    }
    byRange.run(stamp, first, last);
    first = id;
    last = id;
  }
  byRange.run(stamp, first, last);
}

const SELECT_STORED = `SELECT a.id AS id, a.chat_id AS chatId, a.message_id AS messageId, a.profile AS profile,
       a.score AS score, a.reasons AS reasons, a.text AS text
  FROM json_each(?) AS k
  JOIN alerts AS a ON a.chat_id = k.value ->> 0 AND a.message_id = k.value ->> 1`;

const INSERT_ALERT = `INSERT INTO alerts (chat_id, chat_title, message_id, profile, score, reasons, text, sender_name, link,
                                 message_date, created_at, updated_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (chat_id, message_id, profile) DO NOTHING`;

const REVISION_STAMP = `SELECT max(?, (SELECT strftime('%Y-%m-%dT%H:%M:%f', max(updated_at), '+0.001 seconds') || '+00:00'
                                         FROM alerts)) AS stamp`;

const UPDATE_ALERT = `UPDATE alerts SET score = ?, reasons = ?, text = ?, updated_at = ? WHERE id = ?
  RETURNING id, chat_id AS chatId, message_id AS messageId, profile, score`;

const COUNT_SUPPRESSED = `INSERT INTO alert_suppressions (chat_id, profile, hour, count) VALUES (?, ?, ?, ?)
  ON CONFLICT (chat_id, profile, hour) DO UPDATE SET count = alert_suppressions.count + excluded.count`;

const MARK_SCORED = "UPDATE messages SET scored_at = ? WHERE chat_id = ? AND message_id = ?";
const MARK_SCORED_RANGE = "UPDATE messages SET scored_at = ? WHERE id BETWEEN ? AND ?";

/** DateTime as Prisma stores it in SQLite (ISO with +00:00), so raw writes read back through Prisma. */
export function sqliteDate(date: Date): string {
  return date.toISOString().replace("Z", "+00:00");
}
