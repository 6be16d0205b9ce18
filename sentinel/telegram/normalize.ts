import { Api } from "telegram";
import type { NormalizedMessage } from "../ingestion/message.ts";
import { bareId, chatTypeOf, markedPeerId, type PeerRecord } from "./peer-cache.ts";

/** The account owner, as far as mention detection needs it. */
export interface SelfIdentity {
  /** User id (positive, as a decimal string). */
  id: string;
  username: string | null;
}

/** What normalisation may look up; every lookup is local (never a network call). */
export interface NormalizeContext {
  peer(id: string): PeerRecord | undefined;
  self: SelfIdentity | null;
  /** True when (chat, message) is known to be one of the owner's own messages. */
  isOwnMessage?(chatId: string, messageId: number): boolean;
}

/**
 * Turns a GramJS `Api.Message` into the sentinel's NormalizedMessage, using only what the message
 * and the peer cache hold. Service messages and empty messages are not messages to score: null.
 */
export function normalizeMessage(message: unknown, context: NormalizeContext): NormalizedMessage | null {
  if (!(message instanceof Api.Message)) return null;
  const chatId = markedPeerId(message.peerId);
  const chat = context.peer(chatId);
  const senderId = senderIdOf(message, chatId, context.self);
  const sender = senderId ? context.peer(senderId) : undefined;
  const text = flattenText(message.message ?? "");
  const replyToMsgId = replyTargetOf(message, chatId);
  const chatType = chat ? chatTypeOf(chat) : fallbackChatType(message.peerId);
  const chatUsername = chat?.username ?? null;

  return {
    chatId,
    chatTitle: chat?.title ?? chatId,
    chatType,
    chatUsername,
    messageId: message.id,
    senderId,
    senderUsername:
      sender?.username ?? (senderId && senderId === context.self?.id ? context.self.username : null),
    senderName: sender?.title ?? null,
    text,
    date: new Date(message.date * 1000),
    editDate: message.editDate ? new Date(message.editDate * 1000) : null,
    replyToMsgId,
    forwardFrom: forwardOriginOf(message.fwdFrom, context),
    link: messageLink(chatId, chatUsername, message.id),
    mentionsMe: mentionsOwner(message, { chatId, senderId, text, replyToMsgId }, context),
    reactions: reactionCount(message.reactions),
    forwards: message.forwards ?? 0,
  };
}

/**
 * Plain text of a message. Telegram already sends text and formatting apart (entities are
 * offsets into the text), so the visible text is the text: bold stays words, a text link keeps
 * its label, a mention by name keeps the name. Only invisible zero-width spaces (used to break
 * keywords apart) are removed; joiners stay, they belong to emoji and scripts.
 */
export function flattenText(text: string): string {
  return text.replace(/[\u200b\u2060\ufeff]/g, "");
}

/**
 * `https://t.me/<username>/<id>` for public chats, `https://t.me/c/<bare id>/<id>` for private
 * channels and supergroups, null where Telegram has no message links (private chats, basic groups).
 */
export function messageLink(chatId: string, chatUsername: string | null, messageId: number): string | null {
  if (chatId.startsWith("-100")) {
    return chatUsername
      ? `https://t.me/${chatUsername}/${messageId}`
      : `https://t.me/c/${bareId(chatId)}/${messageId}`;
  }
  return null;
}

function senderIdOf(message: Api.Message, chatId: string, self: SelfIdentity | null): string | null {
  if (message.fromId) return markedPeerId(message.fromId);
  if (message.out) return self?.id ?? null;
  // Channel posts without a signature, and incoming private messages, come from the chat itself.
  if (message.post || message.peerId instanceof Api.PeerUser) return chatId;
  return null;
}

function fallbackChatType(peer: Api.TypePeer): NormalizedMessage["chatType"] {
  if (peer instanceof Api.PeerUser) return "user";
  if (peer instanceof Api.PeerChat) return "group";
  return "channel";
}

function replyTargetOf(message: Api.Message, chatId: string): number | null {
  const header = message.replyTo;
  if (!(header instanceof Api.MessageReplyHeader) || header.replyToMsgId === undefined) return null;
  // A reply quoting another chat's message does not point into this chat.
  if (header.replyToPeerId && markedPeerId(header.replyToPeerId) !== chatId) return null;
  return header.replyToMsgId;
}

function forwardOriginOf(header: Api.MessageFwdHeader | undefined, context: NormalizeContext): string | null {
  if (!header) return null;
  if (header.fromId) {
    const id = markedPeerId(header.fromId);
    const origin = context.peer(id);
    return origin?.title ?? origin?.username ?? header.fromName ?? id;
  }
  return header.fromName ?? header.postAuthor ?? null;
}

function mentionsOwner(
  message: Api.Message,
  facts: { chatId: string; senderId: string | null; text: string; replyToMsgId: number | null },
  context: NormalizeContext,
): boolean {
  const self = context.self;
  if (message.out || (self && facts.senderId === self.id)) return false;
  // Telegram's own flag covers @mentions and replies to the owner's messages.
  if (message.mentioned) return true;
  if (!self) return false;
  const username = self.username?.toLowerCase() ?? null;
  const rawText = message.message ?? "";
  for (const entity of message.entities ?? []) {
    if (entity instanceof Api.MessageEntityMentionName && entity.userId.toString() === self.id) return true;
    if (entity instanceof Api.MessageEntityMention && username) {
      const mention = rawText.slice(entity.offset, entity.offset + entity.length).toLowerCase();
      if (mention === `@${username}`) return true;
    }
  }
  // Text that was never parsed into entities (some bots, forwarded plain text) still names the owner.
  if (username && mentionPattern(username).test(rawText)) return true;
  return facts.replyToMsgId !== null && context.isOwnMessage?.(facts.chatId, facts.replyToMsgId) === true;
}

let lastMention: { username: string; pattern: RegExp } | null = null;

function mentionPattern(username: string): RegExp {
  // One owner per process: the pattern is compiled once, not per message.
  if (lastMention?.username === username) return lastMention.pattern;
  // Usernames are [A-Za-z0-9_]; a longer handle that merely starts with ours is someone else.
  const pattern = new RegExp(`(^|[^\\w@])@${username.replace(/\W/g, "")}(?![\\w])`, "i");
  lastMention = { username, pattern };
  return pattern;
}

function reactionCount(reactions: Api.MessageReactions | undefined): number {
  if (!reactions) return 0;
  return reactions.results.reduce((sum, result) => sum + result.count, 0);
}
