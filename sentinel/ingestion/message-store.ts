import type { Chat, PrismaClient } from "../db/generated/client.ts";
import type { SharedSqlite } from "../db/shared-sqlite.ts";
import type { DialogInfo } from "../telegram/gateway.ts";
import type { NormalizedMessage } from "./message.ts";

/** What one batch did to the `messages` table. */
export interface SavedBatch {
  /** Messages seen for the first time. */
  inserted: NormalizedMessage[];
  /** Known messages whose text or edit date changed: stored again and due for re-scoring. */
  updated: NormalizedMessage[];
  /** Replays of what was already stored (counts may have been refreshed). */
  unchanged: number;
}

/** A row of `GET /api/chats`. */
export interface ChatRow {
  id: string;
  title: string;
  type: string;
  username: string | null;
  /** What ingestion applies: the override when set, else the config rules. */
  included: boolean;
  /** The user's choice (PATCH /api/chats/:id), or null when the config rules decide. */
  included_override: boolean | null;
  included_override_at: string | null;
  message_count: number;
  last_message_id: number;
  last_message_at: string | null;
}

/**
 * sentinel.db access for ingestion: messages are idempotent on (chat, message id) and every
 * batch is written in one transaction together with its chats' counters. Batches go through the
 * shared connection's prepared statements (db/shared-sqlite.ts); the rest through Prisma.
 */
export class MessageStore {
  constructor(
    private readonly db: PrismaClient,
    private readonly sqlite: SharedSqlite,
  ) {}

  async saveBatch(batch: NormalizedMessage[]): Promise<SavedBatch> {
    // The latest version of a message within the batch wins (an edit right after the post).
    const latest = new Map<string, NormalizedMessage>();
    for (const message of batch) latest.set(`${message.chatId}:${message.messageId}`, message);
    if (latest.size === 0) return { inserted: [], updated: [], unchanged: 0 };

    return this.sqlite.write((sql) => {
      const insert = sql.prepare(INSERT_MESSAGE);
      const existing = sql.prepare(SELECT_MESSAGE);
      const update = sql.prepare(UPDATE_MESSAGE);
      const now = sqliteDate(new Date());
      const result: SavedBatch = { inserted: [], updated: [], unchanged: 0 };
      const chats = new Map<string, ChatTouch>();

      for (const message of latest.values()) {
        const date = sqliteDate(message.date);
        const editDate = sqliteDate(message.editDate);
        const mentionsMe = message.mentionsMe ? 1 : 0;
        // A new message is the common case: one statement; ON CONFLICT tells a known one.
        const { changes } = insert.run(
          message.chatId,
          message.messageId,
          message.senderId,
          message.senderUsername,
          message.senderName,
          message.text,
          date,
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
        if (isNew) result.inserted.push(message);
        else {
          const row = existing.get(message.chatId, message.messageId) as ExistingRow;
          const contentChanged = row.text !== message.text || row.editDate !== editDate;
          const countsChanged =
            row.reactions !== message.reactions ||
            row.forwards !== message.forwards ||
            row.mentionsMe !== mentionsMe;
          if (contentChanged) result.updated.push(message);
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
      }

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
    });
  }

  /**
   * Writes the dialog list into `chats` (title, type, username, include state). Chats that left
   * the dialog list keep their rows and counters; a user's override keeps deciding `included`.
   */
  async syncChats(dialogs: DialogInfo[], isIncluded: (dialog: DialogInfo) => boolean): Promise<void> {
    if (dialogs.length === 0) return;
    const rows = dialogs.map((d) => ({
      id: d.id,
      title: d.title,
      type: d.type,
      username: d.username,
      included: isIncluded(d),
    }));
    await this.db.$executeRawUnsafe(
      `INSERT INTO chats (id, title, type, username, included, updated_at)
       SELECT json_extract(value, '$.id'), json_extract(value, '$.title'), json_extract(value, '$.type'),
              json_extract(value, '$.username'), json_extract(value, '$.included'), ?
         FROM json_each(?) WHERE true
       ON CONFLICT (id) DO UPDATE SET title = excluded.title, type = excluded.type, username = excluded.username,
                                      included = coalesce(chats.included_override, excluded.included),
                                      updated_at = excluded.updated_at`,
      sqliteDate(new Date()),
      JSON.stringify(rows),
    );
  }

  /**
   * Records the user's include/exclude choice for a chat (it then wins over the config rules).
   * Returns the updated row, or null when no such chat is known.
   */
  async setIncluded(chatId: string, included: boolean, at: Date): Promise<ChatRow | null> {
    const { count } = await this.db.chat.updateMany({
      where: { id: chatId },
      data: { included, includedOverride: included, includedOverrideAt: at },
    });
    if (count === 0) return null;
    const row = await this.db.chat.findUnique({ where: { id: chatId } });
    return row && chatRow(row);
  }

  /** Every chat's override (chats without one are absent). */
  async includedOverrides(): Promise<Map<string, boolean>> {
    const rows = await this.db.chat.findMany({
      where: { includedOverride: { not: null } },
      select: { id: true, includedOverride: true },
    });
    return new Map(rows.map((row) => [row.id, row.includedOverride === true]));
  }

  /** Per chat, the newest stored message id: where a backfill resumes. */
  async lastMessageIds(): Promise<Map<string, number>> {
    const rows = await this.db.chat.findMany({ select: { id: true, lastMessageId: true } });
    return new Map(rows.map((row) => [row.id, row.lastMessageId]));
  }

  async listChats(): Promise<ChatRow[]> {
    const rows = await this.db.chat.findMany({
      orderBy: [{ lastMessageAt: { sort: "desc", nulls: "last" } }, { title: "asc" }],
    });
    return rows.map(chatRow);
  }

  /** Total stored messages (all chats). */
  async countMessages(): Promise<number> {
    return this.db.message.count();
  }
}

function chatRow(row: Chat): ChatRow {
  return {
    id: row.id,
    title: row.title,
    type: row.type,
    username: row.username,
    included: row.included,
    included_override: row.includedOverride,
    included_override_at: row.includedOverrideAt?.toISOString() ?? null,
    message_count: row.messageCount,
    last_message_id: row.lastMessageId,
    last_message_at: row.lastMessageAt?.toISOString() ?? null,
  };
}

/** A known message as the batch compares it (integers as numbers, dates as stored). */
interface ExistingRow {
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

const SELECT_MESSAGE = `SELECT text, edit_date AS editDate, reactions, forwards, mentions_me AS mentionsMe
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
function sqliteDate(date: Date): string;
function sqliteDate(date: Date | null): string | null;
function sqliteDate(date: Date | null): string | null {
  return date ? date.toISOString().replace("Z", "+00:00") : null;
}
