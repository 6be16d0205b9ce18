/**
 * The messages stored but never scored (the process stopped between storing a batch and scoring
 * it, or a hook failed), read back as NormalizedMessages with their chat's title and type.
 * scored_at itself is set with the batch's alerts (AlertRecorder.record's `scoredAt`).
 */
import type { PrismaClient } from "../db/generated/client.ts";
import type { ChatType, NormalizedMessage } from "../ingestion/message.ts";

export class ScoringBacklog {
  constructor(private readonly db: PrismaClient) {}

  /** Up to `limit` unscored messages with an id above `afterId`, oldest first. */
  async unscored(afterId: number, limit: number): Promise<Array<{ id: number; message: NormalizedMessage }>> {
    const rows = await this.db.message.findMany({
      where: { scoredAt: null, id: { gt: afterId } },
      orderBy: { id: "asc" },
      take: limit,
    });
    if (rows.length === 0) return [];
    const chats = new Map(
      (
        await this.db.chat.findMany({
          where: { id: { in: [...new Set(rows.map((r) => r.chatId))] } },
          select: { id: true, title: true, type: true, username: true },
        })
      ).map((c) => [c.id, c]),
    );
    return rows.map((row) => {
      const chat = chats.get(row.chatId);
      return {
        id: row.id,
        message: {
          chatId: row.chatId,
          chatTitle: chat?.title ?? row.chatId,
          chatType: (chat?.type ?? "channel") as ChatType,
          chatUsername: chat?.username ?? null,
          messageId: row.messageId,
          senderId: row.senderId,
          senderUsername: row.senderUsername,
          senderName: row.senderName,
          text: row.text,
          date: row.date,
          editDate: row.editDate,
          replyToMsgId: row.replyToMsgId,
          forwardFrom: row.forwardFrom,
          link: row.link,
          mentionsMe: row.mentionsMe,
          reactions: row.reactions,
          forwards: row.forwards,
        },
      };
    });
  }
}
