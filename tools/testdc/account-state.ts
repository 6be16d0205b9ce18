import { randomBytes } from "node:crypto";

/** Chat kinds as the control API names them; a "supergroup" is a megagroup channel. */
export type ChatType = "user" | "group" | "supergroup" | "channel";

/** Where a message lives, in MTProto peer terms. */
export interface PeerRef {
  kind: "user" | "chat" | "channel";
  id: number;
}

export interface UserRecord {
  id: number;
  accessHash: bigint;
  firstName: string;
  lastName?: string | undefined;
  username?: string | undefined;
  /** Only for the DC's accounts (digits); shown to the account itself, as Telegram does. */
  phone?: string | undefined;
}

export interface ChatRecord {
  kind: "chat" | "channel";
  /** Only for kind "channel": a broadcast channel (not a megagroup). */
  broadcast: boolean;
  id: number;
  accessHash: bigint;
  title: string;
  username?: string | undefined;
  date: number;
  /** Channels number their messages and pts themselves. */
  lastMessageId: number;
  pts: number;
}

export interface StoredMessage {
  id: number;
  peer: PeerRef;
  /** Absent for broadcast-channel posts, which come from the channel itself. */
  fromId?: number | undefined;
  /** Sent by one of the DC's accounts (messages.sendMessage); `sentBy` says which. */
  out: boolean;
  sentBy?: number | undefined;
  post: boolean;
  postAuthor?: string | undefined;
  text: string;
  date: number;
  editDate?: number | undefined;
  /** The pts this message's latest change (new or edit) was given in its sequence. */
  pts: number;
  /** Global arrival order, to sort dialogs whose top messages share a date. */
  order: number;
}

/** An entry of an update sequence (the account's common sequence, or one channel's). */
export interface PtsEvent {
  pts: number;
  kind: "new" | "edit";
  message: StoredMessage;
}

/** The sender/chat description the control API receives for a pushed message. */
export interface IncomingMessageInput {
  chat: { id: number; title?: string | undefined; type: ChatType; username?: string | undefined };
  sender?: { id: number; username?: string | undefined; firstName: string; lastName?: string | undefined };
  text: string;
  /** Unix seconds; now when absent. */
  date?: number | undefined;
}

/** A change to the store, with everything an Updates push for it needs. */
export interface StoreChange {
  event: PtsEvent;
  users: UserRecord[];
  chats: ChatRecord[];
}

/** The query of messages.getHistory, in Telegram's semantics. */
export interface HistoryQuery {
  offsetId: number;
  offsetDate: number;
  addOffset: number;
  limit: number;
  maxId: number;
  minId: number;
}

export interface DialogEntry {
  peer: PeerRef;
  top: StoredMessage;
  unreadCount: number;
  pts?: number | undefined;
}

/** A user, chat or channel (which one is in `type`). */
export type Entity = { type: "user"; user: UserRecord } | { type: "chat"; chat: ChatRecord };

/** Why an operation on the store was refused; `code` is the Telegram error it maps to. */
export class AccountStateError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "AccountStateError";
  }
}

function randomAccessHash(): bigint {
  return randomBytes(8).readBigInt64LE(0);
}

export function peerKey(peer: PeerRef): string {
  return `${peer.kind}:${peer.id}`;
}

/**
 * Everything the test DC knows: its accounts' users (`self` is the default account), the users
 * and chats seen so far, the messages of each chat, and the update sequences (pts). Every account
 * of the DC sees this one message world. Pure data: no sockets and no TL. Message ids follow
 * Telegram: private chats and basic groups share the common id sequence, every channel (and
 * supergroup) has its own; the same holds for pts.
 */
export class AccountState {
  readonly self: UserRecord;
  private readonly users = new Map<number, UserRecord>();
  private readonly accountIds = new Set<number>();
  private readonly chats = new Map<string, ChatRecord>();
  private readonly messages = new Map<string, StoredMessage[]>();
  private readonly accountEvents: PtsEvent[] = [];
  private readonly channelEvents = new Map<number, PtsEvent[]>();
  private lastAccountMessageId = 0;
  private accountPts = 0;
  private seq = 0;
  private order = 0;

  constructor(
    self: { id: number; username?: string | undefined; firstName: string; phone?: string | undefined },
    readonly now = () => Date.now(),
  ) {
    this.self = this.addAccountUser(self);
  }

  /** Registers the user of one of the DC's accounts; its id must be new to the DC. */
  addAccountUser(input: {
    id: number;
    username?: string | undefined;
    firstName: string;
    phone?: string | undefined;
  }): UserRecord {
    if (!Number.isSafeInteger(input.id) || input.id <= 0)
      throw new AccountStateError("USER_ID_INVALID", "an account's user id must be a positive integer");
    if (this.users.has(input.id))
      throw new AccountStateError("USER_ID_OCCUPIED", `user id ${input.id} is already known to the DC`);
    if (input.username && this.byUsername(input.username))
      throw new AccountStateError("USERNAME_OCCUPIED", `username ${input.username} is taken`);
    const user: UserRecord = {
      id: input.id,
      accessHash: randomAccessHash(),
      firstName: input.firstName,
      username: input.username,
      phone: input.phone,
    };
    this.users.set(user.id, user);
    this.accountIds.add(user.id);
    return user;
  }

  /** True for the user ids of the DC's accounts. */
  isAccount(id: number): boolean {
    return this.accountIds.has(id);
  }

  /** A free user id for a new account, from `from` upwards. */
  freeUserId(from: number): number {
    let id = from;
    while (this.users.has(id)) id++;
    return id;
  }

  private unixNow(): number {
    return Math.floor(this.now() / 1000);
  }

  /** pts, seq and date of the common sequence, as updates.getState reports them. */
  get state(): { pts: number; seq: number; date: number; unreadCount: number } {
    let unreadCount = 0;
    for (const list of this.messages.values()) unreadCount += list.filter((m) => !m.out).length;
    return { pts: this.accountPts, seq: this.seq, date: this.unixNow(), unreadCount };
  }

  /** Counts a pushed Updates in the account's seq. */
  nextSeq(): number {
    this.seq += 1;
    return this.seq;
  }

  get messageCount(): number {
    let total = 0;
    for (const list of this.messages.values()) total += list.length;
    return total;
  }

  user(id: number): UserRecord | undefined {
    return this.users.get(id);
  }

  chat(kind: "chat" | "channel", id: number): ChatRecord | undefined {
    return this.chats.get(`${kind}:${id}`);
  }

  /** Resolves a public username (case-insensitive, as Telegram does). */
  byUsername(username: string): Entity | undefined {
    const wanted = username.replace(/^@/, "").toLowerCase();
    for (const user of this.users.values()) {
      if (user.username?.toLowerCase() === wanted) return { type: "user", user };
    }
    for (const chat of this.chats.values()) {
      if (chat.username?.toLowerCase() === wanted) return { type: "chat", chat };
    }
    return undefined;
  }

  /**
   * Finds the chat a control request means by id: a marked id (-100… channel, -… basic group) is
   * exact; a bare positive id must match exactly one known user or chat.
   */
  findPeer(id: number | string): PeerRef {
    const text = String(id).trim();
    if (!/^-?\d+$/.test(text))
      throw new AccountStateError("PEER_ID_INVALID", `chat id ${text} is not a number`);
    const candidates: PeerRef[] = [];
    if (text.startsWith("-100")) candidates.push({ kind: "channel", id: Number(text.slice(4)) });
    if (text.startsWith("-")) candidates.push({ kind: "chat", id: Number(text.slice(1)) });
    else {
      const raw = Number(text);
      candidates.push({ kind: "user", id: raw }, { kind: "chat", id: raw }, { kind: "channel", id: raw });
    }
    const known = candidates.filter((peer) => this.messages.has(peerKey(peer)));
    if (known.length === 1) return known[0]!;
    if (known.length === 0) throw new AccountStateError("PEER_ID_INVALID", `no chat with id ${text}`);
    throw new AccountStateError("PEER_ID_AMBIGUOUS", `chat id ${text} is ambiguous: use the marked form`);
  }

  private rememberUser(input: NonNullable<IncomingMessageInput["sender"]>): UserRecord {
    const known = this.users.get(input.id);
    if (known) {
      known.firstName = input.firstName || known.firstName;
      if (input.username !== undefined) known.username = input.username;
      if (input.lastName !== undefined) known.lastName = input.lastName;
      return known;
    }
    const user: UserRecord = {
      id: input.id,
      accessHash: randomAccessHash(),
      firstName: input.firstName,
      lastName: input.lastName,
      username: input.username,
    };
    this.users.set(user.id, user);
    return user;
  }

  private rememberChat(input: IncomingMessageInput["chat"], date: number): ChatRecord {
    const kind = input.type === "group" ? "chat" : "channel";
    const known = this.chats.get(`${kind}:${input.id}`);
    if (known) {
      if (input.title) known.title = input.title;
      if (input.username !== undefined) known.username = input.username;
      if (kind === "channel" && known.broadcast !== (input.type === "channel")) {
        throw new AccountStateError(
          "CHAT_TYPE_CONFLICT",
          `chat ${input.id} is already known as another type`,
        );
      }
      return known;
    }
    const chat: ChatRecord = {
      kind,
      broadcast: input.type === "channel",
      id: input.id,
      accessHash: randomAccessHash(),
      title: input.title ?? `Chat ${input.id}`,
      username: input.username,
      date,
      lastMessageId: 0,
      pts: 0,
    };
    this.chats.set(`${kind}:${chat.id}`, chat);
    return chat;
  }

  private append(
    peer: PeerRef,
    draft: Omit<StoredMessage, "id" | "pts" | "order" | "peer">,
  ): StoreChange["event"] {
    let id: number;
    let pts: number;
    if (peer.kind === "channel") {
      const channel = this.chat("channel", peer.id)!;
      id = ++channel.lastMessageId;
      pts = ++channel.pts;
    } else {
      id = ++this.lastAccountMessageId;
      pts = ++this.accountPts;
    }
    const message: StoredMessage = { ...draft, id, peer, pts, order: ++this.order };
    const key = peerKey(peer);
    const list = this.messages.get(key) ?? [];
    list.push(message);
    this.messages.set(key, list);
    const event: PtsEvent = { pts, kind: "new", message };
    this.sequenceOf(peer).push(event);
    return event;
  }

  private sequenceOf(peer: PeerRef): PtsEvent[] {
    if (peer.kind !== "channel") return this.accountEvents;
    let events = this.channelEvents.get(peer.id);
    if (!events) {
      events = [];
      this.channelEvents.set(peer.id, events);
    }
    return events;
  }

  /** Stores a message that arrives in the account from someone else (the control API's push). */
  receive(input: IncomingMessageInput): StoreChange {
    if (!Number.isSafeInteger(input.chat.id) || input.chat.id <= 0) {
      throw new AccountStateError("PEER_ID_INVALID", "chat.id must be a positive integer (unmarked)");
    }
    if (input.chat.type !== "channel" && !input.sender) {
      throw new AccountStateError("SENDER_REQUIRED", "sender is required outside broadcast channels");
    }
    const date = input.date ?? this.unixNow();
    const sender = input.sender ? this.rememberUser(input.sender) : undefined;
    const users: UserRecord[] = sender ? [sender] : [];
    const chats: ChatRecord[] = [];
    let peer: PeerRef;
    if (input.chat.type === "user") {
      if (this.accountIds.has(input.chat.id))
        throw new AccountStateError(
          "PEER_ID_INVALID",
          "chat.id is one of the DC's accounts: use sendMessage to write to yourself",
        );
      const partner =
        input.chat.id === sender?.id
          ? sender
          : this.rememberUser({
              id: input.chat.id,
              firstName: input.chat.title ?? `User ${input.chat.id}`,
              username: input.chat.username,
            });
      if (partner !== sender) users.push(partner);
      else if (input.chat.username && !partner.username) partner.username = input.chat.username;
      peer = { kind: "user", id: partner.id };
    } else {
      const chat = this.rememberChat(input.chat, date);
      chats.push(chat);
      peer = { kind: chat.kind, id: chat.id };
    }
    const broadcast = input.chat.type === "channel";
    const event = this.append(peer, {
      fromId: broadcast ? undefined : sender!.id,
      out: false,
      post: broadcast,
      postAuthor:
        broadcast && sender ? [sender.firstName, sender.lastName].filter(Boolean).join(" ") : undefined,
      text: input.text,
      date,
    });
    return { event, users, chats };
  }

  /** Stores a message one of the DC's accounts sends (messages.sendMessage); `from` is the default account's user unless given. */
  send(peer: PeerRef, text: string, from: UserRecord = this.self): StoreChange {
    const entity = this.entityOf(peer);
    const chats = entity.type === "chat" ? [entity.chat] : [];
    const users = entity.type === "user" && entity.user !== from ? [entity.user, from] : [from];
    const broadcast = entity.type === "chat" && entity.chat.broadcast;
    if (!this.messages.has(peerKey(peer))) this.messages.set(peerKey(peer), []);
    const event = this.append(peer, {
      fromId: broadcast ? undefined : from.id,
      out: true,
      sentBy: from.id,
      post: broadcast,
      text,
      date: this.unixNow(),
    });
    return { event, users, chats };
  }

  /** Changes a stored message's text; the edit takes the next pts of the message's sequence. */
  edit(peer: PeerRef, id: number, text: string): StoreChange {
    const message = this.messages.get(peerKey(peer))?.find((m) => m.id === id);
    if (!message) throw new AccountStateError("MESSAGE_ID_INVALID", `no message ${id} in that chat`);
    message.text = text;
    message.editDate = this.unixNow();
    message.pts = peer.kind === "channel" ? ++this.chat("channel", peer.id)!.pts : ++this.accountPts;
    const event: PtsEvent = { pts: message.pts, kind: "edit", message };
    this.sequenceOf(peer).push(event);
    return { event, ...this.entitiesOf([message]) };
  }

  /** The user or chat behind a peer; throws PEER_ID_INVALID when unknown. */
  entityOf(peer: PeerRef): Entity {
    if (peer.kind === "user") {
      const user = this.users.get(peer.id);
      if (user) return { type: "user", user };
    } else {
      const chat = this.chat(peer.kind, peer.id);
      if (chat) return { type: "chat", chat };
    }
    throw new AccountStateError(
      peer.kind === "channel" ? "CHANNEL_INVALID" : "PEER_ID_INVALID",
      "unknown peer",
    );
  }

  /** The users and chats a list of messages mentions (peers and senders). */
  entitiesOf(messages: StoredMessage[]): { users: UserRecord[]; chats: ChatRecord[] } {
    const users = new Map<number, UserRecord>();
    const chats = new Map<string, ChatRecord>();
    for (const message of messages) {
      for (const peer of [
        message.peer,
        message.fromId ? ({ kind: "user", id: message.fromId } as PeerRef) : undefined,
      ]) {
        if (!peer) continue;
        const entity = this.entityOf(peer);
        if (entity.type === "user") users.set(entity.user.id, entity.user);
        else chats.set(peerKey(peer), entity.chat);
      }
    }
    return { users: [...users.values()], chats: [...chats.values()] };
  }

  /**
   * messages.getHistory: newest first; start below offset_id (or at/below offset_date), shift by
   * add_offset (negative reaches newer messages), take limit, keep ids in (min_id, max_id).
   */
  history(peer: PeerRef, query: HistoryQuery): { messages: StoredMessage[]; count: number } {
    const all = [...(this.messages.get(peerKey(peer)) ?? [])].sort((a, b) => b.id - a.id);
    const inRange = all.filter((m) => (query.maxId <= 0 || m.id < query.maxId) && m.id > query.minId);
    let start = 0;
    if (query.offsetId > 0) {
      start = inRange.findIndex((m) => m.id < query.offsetId);
      if (start < 0) start = inRange.length;
    } else if (query.offsetDate > 0) {
      start = inRange.findIndex((m) => m.date < query.offsetDate);
      if (start < 0) start = inRange.length;
    }
    start += query.addOffset;
    const limit = Math.max(0, Math.min(query.limit > 0 ? query.limit : 100, 100));
    const end = start + limit;
    const messages = end <= 0 ? [] : inRange.slice(Math.max(0, start), end);
    return { messages, count: all.length };
  }

  /** Messages by id in one chat; missing ids come back as undefined (MessageEmpty). */
  messagesById(peer: PeerRef, ids: number[]): (StoredMessage | undefined)[] {
    const list = this.messages.get(peerKey(peer)) ?? [];
    return ids.map((id) => list.find((m) => m.id === id));
  }

  /** messages.getMessages without a channel: ids of the account's common id sequence. */
  accountMessagesById(ids: number[]): (StoredMessage | undefined)[] {
    const found = new Map<number, StoredMessage>();
    for (const [key, list] of this.messages) {
      if (key.startsWith("channel:")) continue;
      for (const message of list) found.set(message.id, message);
    }
    return ids.map((id) => found.get(id));
  }

  /** Every chat with messages, most recent top message first. */
  dialogs(): DialogEntry[] {
    const entries: DialogEntry[] = [];
    for (const list of this.messages.values()) {
      const top = list.reduce<StoredMessage | undefined>(
        (a, b) => (!a || b.order > a.order ? b : a),
        undefined,
      );
      if (!top) continue;
      entries.push({
        peer: top.peer,
        top,
        unreadCount: list.filter((m) => !m.out).length,
        pts: top.peer.kind === "channel" ? this.chat("channel", top.peer.id)!.pts : undefined,
      });
    }
    return entries.sort((a, b) => b.top.date - a.top.date || b.top.order - a.top.order);
  }

  /** Events of the common sequence after `pts` (updates.getDifference). */
  accountEventsAfter(pts: number): PtsEvent[] {
    return this.accountEvents.filter((e) => e.pts > pts);
  }

  /** Events of one channel's sequence after `pts` (updates.getChannelDifference). */
  channelEventsAfter(channelId: number, pts: number): PtsEvent[] {
    return (this.channelEvents.get(channelId) ?? []).filter((e) => e.pts > pts);
  }

  /** Counts per chat key, for the control API's state report. */
  messageCountsByChat(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const [key, list] of this.messages) counts[key] = list.length;
    return counts;
  }
}
