/**
 * Reads Telegram Desktop "machine-readable JSON" exports (result.json) into NormalizedMessages.
 *
 * Two shapes exist: a single chat (`{ name, type, id, messages: [...] }`) and a whole account
 * (`{ personal_information, chats: { list: [...] }, left_chats: { list: [...] }, ... }`).
 * `parseTelegramExport` converts an already-parsed document (pure); `forEachExportMessage` and
 * `readTelegramExport` read a file in chunks and convert each message as soon as it is parsed, so
 * a large export is never held as text and tree at once (see `JsonStreamParser`).
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { SentinelError } from "@tgsentinel/contract/envelope.ts";
import type { ChatType, NormalizedMessage } from "../ingestion/message.ts";
import { type JsonPath, JsonStreamError, JsonStreamParser } from "./json-stream.ts";

/** The file is not a Telegram Desktop JSON export, or cannot be read. Code: INVALID_EXPORT. */
export class TelegramExportError extends SentinelError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("INVALID_EXPORT", message, options);
    this.name = "TelegramExportError";
  }
}

/** Whose account the export is: decides `mentionsMe`. */
export interface ExportOwner {
  /** Telegram user id, as a decimal string. */
  id?: string | null;
  /** Username with or without "@". */
  username?: string | null;
}

export interface ExportOptions {
  /**
   * The account owner; replaces the export's `personal_information` when given. Without either, no
   * message mentions the owner.
   */
  owner?: ExportOwner;
  /**
   * Awaited after each chunk of the file has been parsed (its messages already handed to
   * `onMessage`): a caller with asynchronous work per message (embedding texts) catches up here,
   * so the file is read no faster than that work is done and nothing piles up in memory.
   */
  afterChunk?: () => Promise<void>;
}

/** A chat of the export, with how many messages were taken from it. */
export interface ExportChat {
  /** Marked id, as in NormalizedMessage.chatId. */
  id: string;
  title: string;
  type: ChatType;
  /** The export's own chat type ("public_channel", "personal_chat", …). */
  exportType: string;
  username: string | null;
  messages: number;
}

export interface TelegramExport {
  chats: ExportChat[];
  messages: NormalizedMessage[];
  /** Service messages (joins, pins, …) left out. */
  serviceMessages: number;
  /** Messages left out because they lacked an id or a date. */
  skipped: number;
}

const CHAT_TYPES: Record<string, ChatType> = {
  personal_chat: "user",
  bot_chat: "user",
  saved_messages: "user",
  private_group: "group",
  private_supergroup: "group",
  public_supergroup: "group",
  private_channel: "channel",
  public_channel: "channel",
};

/** Export chat types whose id is a channel id (marked "-100" + id, linkable with t.me/c/). */
const CHANNEL_LIKE = new Set([
  "private_supergroup",
  "public_supergroup",
  "private_channel",
  "public_channel",
]);

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function asString(value: unknown): string | null {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return null;
}

function asInteger(value: unknown): number | null {
  const n = typeof value === "string" && /^-?\d+$/.test(value) ? Number(value) : value;
  return typeof n === "number" && Number.isSafeInteger(n) ? n : null;
}

function bareUsername(value: unknown): string | null {
  const s = asString(value)?.trim().replace(/^@/, "");
  return s !== undefined && s.length > 0 ? s : null;
}

/** Marks a peer reference like "user123", "channel456" or "chat789" as a peer id. */
function markPeerRef(ref: unknown): string | null {
  const s = asString(ref);
  if (s === null) return null;
  const m = /^(user|channel|chat|group)(\d+)$/.exec(s);
  if (m === null) return /^-?\d+$/.test(s) ? s : null;
  if (m[1] === "user") return m[2]!;
  if (m[1] === "channel") return `-100${m[2]}`;
  return `-${m[2]}`;
}

/** Flattens `text` (a string, or strings and entity objects) to plain text. */
export function flattenText(text: unknown): string {
  if (typeof text === "string") return text;
  if (!Array.isArray(text)) return "";
  let out = "";
  for (const part of text) {
    if (typeof part === "string") out += part;
    else if (isObject(part) && typeof part.text === "string") out += part.text;
  }
  return out;
}

/** The entity list of a message: `text_entities`, or the objects of an array `text`. */
function entitiesOf(raw: Json): Json[] {
  if (Array.isArray(raw.text_entities)) return raw.text_entities.filter(isObject);
  if (Array.isArray(raw.text)) return raw.text.filter(isObject);
  return [];
}

interface ChatContext {
  chat: ExportChat;
  bareId: string;
  owner: { id: string | null; username: string | null };
  /** Ids of the owner's own messages in this chat (replies to them mention the owner). */
  ownerMessageIds: Set<number>;
}

function resolveOwner(
  personalInformation: unknown,
  options: ExportOptions | undefined,
): ChatContext["owner"] {
  // An owner given by the caller replaces personal_information entirely (no mixing of accounts).
  const source =
    options?.owner ??
    (isObject(personalInformation)
      ? { id: asString(personalInformation.user_id), username: personalInformation.username }
      : {});
  const id = asString(source.id);
  const username = bareUsername(source.username);
  return { id: id ?? null, username: username?.toLowerCase() ?? null };
}

/** Builds the context of one chat from its header (`name`, `type`, `id`); null if unusable. */
function chatContext(header: Json, owner: ChatContext["owner"]): ChatContext | null {
  const exportType = asString(header.type) ?? "";
  const bare = asInteger(header.id);
  if (bare === null) return null;
  const bareId = String(Math.abs(bare));
  let id: string;
  if (CHANNEL_LIKE.has(exportType)) id = bare < 0 ? String(bare) : `-100${bareId}`;
  else if (exportType === "private_group") id = `-${bareId}`;
  else id = String(bare);
  const type = CHAT_TYPES[exportType] ?? (id.startsWith("-") ? "group" : "user");
  const title = asString(header.name) ?? (exportType === "saved_messages" ? "Saved Messages" : "");
  return {
    chat: { id, title, type, exportType, username: bareUsername(header.username), messages: 0 },
    bareId: id.startsWith("-100") ? id.slice(4) : bareId,
    owner,
    ownerMessageIds: new Set(),
  };
}

function unixDate(unixtime: unknown, iso: unknown): Date | null {
  const seconds = asInteger(unixtime);
  if (seconds !== null) return new Date(seconds * 1000);
  if (typeof iso === "string") {
    // Desktop writes local time without a zone; read it as UTC rather than guess.
    const d = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso}Z`);
    if (!Number.isNaN(d.getTime())) return d;
  }
  return null;
}

function mentionsOwner(raw: Json, text: string, ctx: ChatContext): boolean {
  const { id, username } = ctx.owner;
  for (const entity of entitiesOf(raw)) {
    if (entity.type === "mention" && username !== null) {
      const mentioned = asString(entity.text)?.replace(/^@/, "").toLowerCase();
      if (mentioned === username) return true;
    }
    if (entity.type === "mention_name" && id !== null && asString(entity.user_id) === id) return true;
  }
  if (username !== null) {
    const escaped = username.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    if (new RegExp(`(^|[^\\w@])@${escaped}(?![\\w])`, "i").test(text)) return true;
  }
  const replyTo = asInteger(raw.reply_to_message_id);
  return replyTo !== null && ctx.ownerMessageIds.has(replyTo);
}

type Converted = { kind: "message"; message: NormalizedMessage } | { kind: "service" } | { kind: "skipped" };

/** Converts one raw export message of a chat. */
function convertMessage(raw: unknown, ctx: ChatContext): Converted {
  if (!isObject(raw)) return { kind: "skipped" };
  if (raw.type === "service") return { kind: "service" };
  const messageId = asInteger(raw.id);
  const date = unixDate(raw.date_unixtime, raw.date);
  if (messageId === null || date === null) return { kind: "skipped" };

  const senderId = markPeerRef(raw.from_id);
  const fromOwner = senderId !== null && senderId === ctx.owner.id;
  if (fromOwner) ctx.ownerMessageIds.add(messageId);
  const text = flattenText(raw.text_entities ?? raw.text);
  const reactions = Array.isArray(raw.reactions)
    ? raw.reactions.reduce<number>((sum, r) => sum + (isObject(r) ? (asInteger(r.count) ?? 0) : 0), 0)
    : 0;
  const { chat } = ctx;
  let link: string | null = null;
  if (chat.username !== null && chat.type !== "user") link = `https://t.me/${chat.username}/${messageId}`;
  else if (CHANNEL_LIKE.has(chat.exportType)) link = `https://t.me/c/${ctx.bareId}/${messageId}`;

  const message: NormalizedMessage = {
    chatId: chat.id,
    chatTitle: chat.title,
    chatType: chat.type,
    chatUsername: chat.username,
    messageId,
    senderId,
    senderUsername: fromOwner ? ctx.owner.username : null,
    senderName: asString(raw.from) ?? (chat.type === "channel" ? chat.title : null),
    text,
    date,
    editDate:
      raw.edited_unixtime !== undefined || raw.edited !== undefined
        ? unixDate(raw.edited_unixtime, raw.edited)
        : null,
    replyToMsgId: asInteger(raw.reply_to_message_id),
    forwardFrom: asString(raw.forwarded_from) ?? markPeerRef(raw.forwarded_from_id),
    link,
    mentionsMe: !fromOwner && mentionsOwner(raw, text, ctx),
    reactions,
    forwards: 0,
  };
  chat.messages++;
  return { kind: "message", message };
}

/** Collects converted messages and counters; shared by the tree and the streaming readers. */
class ExportCollector {
  readonly chats: ExportChat[] = [];
  serviceMessages = 0;
  skipped = 0;

  constructor(private readonly onMessage: (message: NormalizedMessage, chat: ExportChat) => void) {}

  add(raw: unknown, ctx: ChatContext): void {
    const converted = convertMessage(raw, ctx);
    if (converted.kind === "message") this.onMessage(converted.message, ctx.chat);
    else if (converted.kind === "service") this.serviceMessages++;
    else this.skipped++;
  }
}

function notAnExport(detail: string): TelegramExportError {
  return new TelegramExportError(`not a Telegram Desktop JSON export: ${detail}`);
}

/** Converts one chat object of an already-parsed document. */
function addChat(collector: ExportCollector, chat: unknown, owner: ChatContext["owner"]): void {
  if (!isObject(chat)) return;
  const ctx = chatContext(chat, owner);
  if (ctx === null) {
    collector.skipped += Array.isArray(chat.messages) ? chat.messages.length : 0;
    return;
  }
  collector.chats.push(ctx.chat);
  if (Array.isArray(chat.messages)) for (const raw of chat.messages) collector.add(raw, ctx);
}

/**
 * Converts a parsed result.json (either shape) to NormalizedMessages. Service messages are left
 * out. Throws TelegramExportError (INVALID_EXPORT) when the document is not an export.
 */
export function parseTelegramExport(json: unknown, options?: ExportOptions): TelegramExport {
  if (!isObject(json)) throw notAnExport("the document is not a JSON object");
  const messages: NormalizedMessage[] = [];
  const collector = new ExportCollector((m) => messages.push(m));
  const owner = resolveOwner(json.personal_information, options);
  if (Array.isArray(json.messages)) {
    addChat(collector, json, owner);
  } else {
    const lists = [json.chats, json.left_chats].filter(isObject).map((section) => section.list);
    if (!lists.some(Array.isArray)) throw notAnExport('expected a "messages" list or "chats.list"');
    for (const list of lists)
      if (Array.isArray(list)) for (const chat of list) addChat(collector, chat, owner);
  }
  return {
    chats: collector.chats,
    messages,
    serviceMessages: collector.serviceMessages,
    skipped: collector.skipped,
  };
}

const CHAT_SECTIONS = new Set(["chats", "left_chats"]);

/** Which arrays of the document the streaming reader hands over element by element. */
function isChatList(path: JsonPath): boolean {
  return path.length === 2 && CHAT_SECTIONS.has(path[0] as string) && path[1] === "list";
}

function isMessageList(path: JsonPath): boolean {
  return (
    (path.length === 1 && path[0] === "messages") ||
    (path.length === 4 && isChatList(path.slice(0, 2)) && path[3] === "messages")
  );
}

/** Read size of the streaming reader. */
export const EXPORT_READ_CHUNK_BYTES = 1 << 20;

/**
 * Streams an export file: each message is converted and handed to `onMessage` as soon as it is
 * parsed, and not kept. Returns the chats and counters once the file is read. Throws
 * TelegramExportError (INVALID_EXPORT) for a missing, unreadable or malformed file, or one that is
 * not an export.
 */
export async function forEachExportMessage(
  path: string,
  onMessage: (message: NormalizedMessage, chat: ExportChat) => void,
  options?: ExportOptions,
): Promise<Omit<TelegramExport, "messages">> {
  await assertReadableFile(path);
  // The caller's own errors pass through untouched, never dressed up as a file problem.
  let callerError: { error: unknown } | null = null;
  const collector = new ExportCollector((message, chat) => {
    try {
      onMessage(message, chat);
    } catch (error) {
      callerError = { error };
      throw error;
    }
  });
  const callerStep = async (step: () => Promise<void>): Promise<void> => {
    try {
      await step();
    } catch (error) {
      callerError = { error };
      throw error;
    }
  };
  let owner: ChatContext["owner"] | null = null;
  /** Per open message list: its chat, or raw messages waiting for a header that comes later. */
  const open = new Map<string, { ctx: ChatContext | null; pending: unknown[] }>();
  let sawMessages = false;
  let sawChatList = false;

  // personal_information precedes the chats in Desktop exports; the owner is fixed at the first chat.
  const ownerNow = (root: unknown): ChatContext["owner"] => {
    owner ??= resolveOwner(isObject(root) ? root.personal_information : undefined, options);
    return owner;
  };
  /** A chat object is complete: convert messages that waited for its header. */
  const finishChat = (key: string, header: Json, root: unknown): void => {
    const entry = open.get(key);
    open.delete(key);
    if (entry?.ctx != null) return;
    const ctx = chatContext(header, ownerNow(root));
    if (ctx === null) {
      collector.skipped += entry?.pending.length ?? 0;
      return;
    }
    collector.chats.push(ctx.chat);
    for (const raw of entry?.pending ?? []) collector.add(raw, ctx);
  };
  let rootSoFar: unknown = null;

  const parser = new JsonStreamParser({
    streamArray: (p) => isMessageList(p) || isChatList(p),
    onArrayStart: (p, container, root) => {
      rootSoFar = root;
      if (isChatList(p)) {
        sawChatList = true;
        return;
      }
      sawMessages = true;
      const header = isObject(container) ? container : {};
      // Desktop writes name/type/id before messages; otherwise the messages wait for the chat's end.
      const ctx =
        header.id !== undefined && header.type !== undefined ? chatContext(header, ownerNow(root)) : null;
      if (ctx !== null) collector.chats.push(ctx.chat);
      open.set(p.slice(0, -1).join("/"), { ctx, pending: [] });
    },
    onElement: (p, index, value) => {
      if (isChatList(p)) {
        if (isObject(value)) finishChat(`${p.join("/")}/${index}`, value, rootSoFar);
        return;
      }
      const entry = open.get(p.slice(0, -1).join("/"));
      if (entry === undefined) return;
      if (entry.ctx !== null) collector.add(value, entry.ctx);
      else entry.pending.push(value);
    },
  });

  try {
    const stream = createReadStream(path, { highWaterMark: EXPORT_READ_CHUNK_BYTES });
    const decoder = new TextDecoder("utf-8", { fatal: true });
    let first = true;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (first) {
        first = false;
        const start = chunk
          .subarray(0, 64)
          .toString("latin1")
          .replace(/^\uFEFF|^\u00ef\u00bb\u00bf/, "")
          .trimStart();
        if (!start.startsWith("{")) throw notAnExport("the file is not a JSON object");
      }
      parser.write(decoder.decode(chunk, { stream: true }));
      if (options?.afterChunk) await callerStep(options.afterChunk);
    }
    parser.write(decoder.decode());
    const root = parser.end();
    if (isObject(root) && open.has("")) finishChat("", root, root);
  } catch (error) {
    if (callerError !== null || error instanceof TelegramExportError) throw error;
    if (error instanceof JsonStreamError) throw notAnExport(`invalid JSON (${error.message})`);
    if (error instanceof TypeError && /encoded data|decode/i.test(error.message)) {
      throw notAnExport("the file is not UTF-8 text");
    }
    throw new TelegramExportError(`cannot read the export file: ${describeIoError(error)}`, { cause: error });
  }
  if (!sawMessages && !sawChatList) throw notAnExport('expected a "messages" list or "chats.list"');
  return { chats: collector.chats, serviceMessages: collector.serviceMessages, skipped: collector.skipped };
}

/** Reads a whole export file into memory as NormalizedMessages (the raw JSON is streamed). */
export async function readTelegramExport(path: string, options?: ExportOptions): Promise<TelegramExport> {
  const messages: NormalizedMessage[] = [];
  const rest = await forEachExportMessage(path, (m) => messages.push(m), options);
  return { ...rest, messages };
}

function describeIoError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EISDIR") return "it is a directory";
  return code ?? (error instanceof Error ? error.message : "unknown error");
}

async function assertReadableFile(path: string): Promise<void> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (error) {
    throw new TelegramExportError(`cannot read the export file ${path}: ${describeIoError(error)}`, {
      cause: error,
    });
  }
  if (!info.isFile())
    throw new TelegramExportError(`cannot read the export file ${path}: not a regular file`);
}
