/**
 * The SQL of an ingested batch, run on the writer thread's connection (db/sqlite-writer.ts):
 * messages idempotent on (chat, message id), edits stored and due for re-scoring, and the chats'
 * counters, all in the caller's transaction. Synchronous and free of anything but the statements.
 */
import type { StatementCache } from "../db/statement-cache.ts";
import type { NormalizedMessage } from "./message.ts";

/** What a batch did, by index into the messages given (each chat + message id at most once). */
export interface SavedIndices {
  /** Messages seen for the first time. */
  inserted: number[];
  /** Known messages whose text or edit date changed: stored again, scored_at cleared. */
  updated: number[];
  /** Replays of what was already stored (counts may have been refreshed). */
  unchanged: number;
}

/**
 * The row ids of the messages stored lately, by chat + message id (a bounded memory of the writer
 * thread): marking a batch scored then updates ranges of row ids instead of one row per key.
 */
export class RecentMessageIds {
  private readonly ids = new Map<string, number>();

  constructor(private readonly max: number) {}

  remember(chatId: string, messageId: number, id: number): void {
    const key = `${chatId}:${messageId}`;
    this.ids.delete(key);
    this.ids.set(key, id);
    if (this.ids.size > this.max) this.ids.delete(this.ids.keys().next().value!);
  }

  get(chatId: string, messageId: number): number | undefined {
    return this.ids.get(`${chatId}:${messageId}`);
  }
}

/**
 * Stores `messages` (distinct chat + message ids) and adds to their chats' counters; `now` is the
 * rows' created_at / the chats' updated_at, as Prisma stores dates. `rowIds` receives each
 * message's row id (for RecentMessageIds, once the transaction has committed).
 */
export function saveMessages(
  sql: StatementCache,
  messages: readonly NormalizedMessage[],
  now: string,
  rowIds?: number[],
): SavedIndices {
  const insert = sql.prepare(INSERT_MESSAGE);
  const existing = sql.prepare(SELECT_MESSAGE);
  const update = sql.prepare(UPDATE_MESSAGE);
  const result: SavedIndices = { inserted: [], updated: [], unchanged: 0 };
  const chats = new Map<string, ChatTouch>();

  messages.forEach((message, index) => {
    const editDate = sqliteDate(message.editDate);
    const mentionsMe = message.mentionsMe ? 1 : 0;
    // A new message is the common case: one statement; ON CONFLICT tells a known one.
    const { changes, lastInsertRowid } = insert.run(
      message.chatId,
      message.messageId,
      message.senderId,
      message.senderUsername,
      message.senderName,
      message.text,
      sqliteDate(message.date),
      editDate,
      message.replyToMsgId,
      message.forwardFrom,
      message.link,
      mentionsMe,
      message.reactions,
      message.forwards,
      now,
    );
    const isNew = changes > 0;
    if (isNew) {
      result.inserted.push(index);
      if (rowIds) rowIds[index] = Number(lastInsertRowid);
    } else {
      const row = existing.get(message.chatId, message.messageId) as ExistingRow;
      if (rowIds) rowIds[index] = row.id;
      const contentChanged = row.text !== message.text || row.editDate !== editDate;
      const countsChanged =
        row.reactions !== message.reactions ||
        row.forwards !== message.forwards ||
        row.mentionsMe !== mentionsMe;
      if (contentChanged) result.updated.push(index);
      else result.unchanged += 1;
      // A changed text is scored again (scored_at cleared); new counts alone are just stored.
      if (contentChanged || countsChanged)
        update.run(
          message.text,
          editDate,
          message.reactions,
          message.forwards,
          mentionsMe,
          contentChanged ? 1 : 0,
          message.chatId,
          message.messageId,
        );
    }

    const chat = chats.get(message.chatId);
    if (chat === undefined)
      chats.set(message.chatId, {
        message,
        lastMessageId: message.messageId,
        newMessages: isNew ? 1 : 0,
        lastMessageAt: message.date.getTime(),
      });
    else {
      if (message.messageId > chat.lastMessageId) chat.lastMessageId = message.messageId;
      if (isNew) chat.newMessages += 1;
      const time = message.date.getTime();
      if (time > chat.lastMessageAt) chat.lastMessageAt = time;
    }
  });

  const upsertChat = sql.prepare(UPSERT_CHAT);
  for (const [chatId, chat] of chats) {
    const first = chat.message;
    upsertChat.run(
      chatId,
      // An unknown title arrives as the chat id; it never overwrites a real one.
      first.chatTitle,
      first.chatType,
      first.chatUsername,
      chat.lastMessageId,
      chat.newMessages,
      sqliteDate(new Date(chat.lastMessageAt)),
      now,
    );
  }
  return result;
}

/** A known message as the batch compares it (integers as numbers, dates as stored). */
interface ExistingRow {
  id: number;
  text: string;
  editDate: string | null;
  reactions: number;
  forwards: number;
  mentionsMe: number;
}

/** Per chat of a batch: its first message (title, type, username) and the counters to add. */
interface ChatTouch {
  message: NormalizedMessage;
  lastMessageId: number;
  newMessages: number;
  lastMessageAt: number;
}

const INSERT_MESSAGE = `INSERT INTO messages (chat_id, message_id, sender_id, sender_username, sender_name, text, date, edit_date,
                                     reply_to_msg_id, forward_from, link, mentions_me, reactions, forwards, created_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (chat_id, message_id) DO NOTHING`;

const SELECT_MESSAGE = `SELECT id, text, edit_date AS editDate, reactions, forwards, mentions_me AS mentionsMe
  FROM messages WHERE chat_id = ? AND message_id = ?`;

const UPDATE_MESSAGE = `UPDATE messages
  SET text = ?, edit_date = ?, reactions = ?, forwards = ?, mentions_me = ?,
      scored_at = CASE WHEN ? THEN NULL ELSE scored_at END
  WHERE chat_id = ? AND message_id = ?`;

const UPSERT_CHAT = `INSERT INTO chats (id, title, type, username, included, last_message_id, message_count, last_message_at, updated_at)
  VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?)
  ON CONFLICT (id) DO UPDATE SET
    title = CASE WHEN excluded.title <> excluded.id THEN excluded.title ELSE chats.title END,
    type = CASE WHEN excluded.title <> excluded.id THEN excluded.type ELSE chats.type END,
    username = CASE WHEN excluded.title <> excluded.id THEN excluded.username ELSE chats.username END,
    last_message_id = max(chats.last_message_id, excluded.last_message_id),
    message_count = chats.message_count + excluded.message_count,
    last_message_at = CASE WHEN chats.last_message_at IS NULL OR chats.last_message_at < excluded.last_message_at
                           THEN excluded.last_message_at ELSE chats.last_message_at END,
    updated_at = excluded.updated_at`;

/** DateTime as Prisma stores it in SQLite, so rows written here read back through Prisma. */
export function sqliteDate(date: Date): string;
export function sqliteDate(date: Date | null): string | null;
export function sqliteDate(date: Date | null): string | null {
  return date ? date.toISOString().replace("Z", "+00:00") : null;
}
