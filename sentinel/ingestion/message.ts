/**
 * A message as the sentinel understands it, whatever its source (GramJS updates, backfill,
 * a Telegram Desktop export). Ingestion produces it, sentinel.db stores it, scoring reads it.
 */
export type ChatType = "channel" | "group" | "user";

export interface NormalizedMessage {
  /** Marked peer id as a decimal string: channels "-100…", basic groups "-…", users positive. */
  chatId: string;
  chatTitle: string;
  chatType: ChatType;
  chatUsername: string | null;
  messageId: number;
  senderId: string | null;
  senderUsername: string | null;
  /** "First Last" or the channel title for channel posts. */
  senderName: string | null;
  /** Text with entities flattened to plain text (links keep their visible text). */
  text: string;
  date: Date;
  editDate: Date | null;
  replyToMsgId: number | null;
  /** Name or id of the original author/chat of a forwarded message. */
  forwardFrom: string | null;
  /** `https://t.me/<username>/<id>` or `https://t.me/c/<id>/<msg>`; null for private chats. */
  link: string | null;
  /** The message mentions the account owner or replies to one of the owner's messages. */
  mentionsMe: boolean;
  /** Total reactions count, when known. */
  reactions: number;
  /** Forwards count, when known (channels). */
  forwards: number;
}
