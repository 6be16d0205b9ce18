import type { Chat, PrismaClient } from "../db/generated/client.ts";
import type { SqliteWriter } from "../db/sqlite-writer.ts";
import type { DialogInfo } from "../telegram/gateway.ts";
import type { NormalizedMessage } from "./message.ts";
import { sqliteDate } from "./message-sql.ts";

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
 * batch is written in one transaction together with its chats' counters, by the writer thread
 * (db/sqlite-writer.ts, SQL in message-sql.ts); the rest goes through Prisma.
 */
export class MessageStore {
  constructor(
    private readonly db: PrismaClient,
    private readonly writer: SqliteWriter,
  ) {}

  async saveBatch(batch: NormalizedMessage[]): Promise<SavedBatch> {
    // The latest version of a message within the batch wins (an edit right after the post).
    const latest = new Map<string, NormalizedMessage>();
    for (const message of batch) latest.set(`${message.chatId}:${message.messageId}`, message);
    if (latest.size === 0) return { inserted: [], updated: [], unchanged: 0 };
    const messages = [...latest.values()];
    const saved = await this.writer.saveMessages(messages, sqliteDate(new Date()));
    return {
      inserted: saved.inserted.map((index) => messages[index]!),
      updated: saved.updated.map((index) => messages[index]!),
      unchanged: saved.unchanged,
    };
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
