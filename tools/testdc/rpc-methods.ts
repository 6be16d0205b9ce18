import { Api } from "telegram";
import { returnBigInt } from "telegram/Helpers.js";
import {
  type AccountState,
  AccountStateError,
  type PeerRef,
  type PtsEvent,
  type StoreChange,
  type UserRecord,
} from "./account-state.ts";
import { tlChat, tlMessage, tlMessageOrEmpty, tlNotifySettings, tlPeer, tlUser } from "./tl-objects.ts";

/** What an API method answers: a TL object, a vector of them, or a Bool. */
export type RpcResult = { getBytes(): Buffer } | { getBytes(): Buffer }[] | boolean;

/** An rpc_error the DC answers with (Telegram's code and message). */
export class RpcFailure extends Error {
  constructor(
    readonly errorCode: number,
    readonly errorMessage: string,
  ) {
    super(`${errorCode} ${errorMessage}`);
    this.name = "RpcFailure";
  }
}

/** What the methods may use besides the request: the DC's data, the caller, a way to reach other clients. */
export interface RpcContext {
  account: AccountState;
  /** The user the calling key is logged in as (answers are rendered as this user sees them). */
  self: UserRecord;
  dc: { id: number; host: string; port: number };
  /** Pushes a change to every logged-in connection but the caller, each rendered for its own user. */
  pushToOthers(change: StoreChange): void;
}

/**
 * Methods Telegram answers for a key that is not (or no longer) logged in; the login methods among
 * them check the key's state themselves.
 */
export const UNAUTHORIZED_METHODS = new Set([
  "help.GetConfig",
  "help.GetNearestDc",
  "auth.SendCode",
  "auth.ResendCode",
  "auth.CancelCode",
  "auth.SignIn",
  "auth.SignUp",
  "auth.CheckPassword",
  "account.GetPassword",
]);

/**
 * Strips the wrappers a request may travel in (invokeWithLayer, initConnection, invokeAfterMsg,
 * invokeWithoutUpdates) and returns them outermost first with the inner request.
 */
export function unwrapRequest(request: Api.AnyRequest): { wrappers: string[]; inner: Api.AnyRequest } {
  const wrappers: string[] = [];
  let current: Api.AnyRequest = request;
  while (
    current instanceof Api.InvokeWithLayer ||
    current instanceof Api.InitConnection ||
    current instanceof Api.InvokeAfterMsg ||
    current instanceof Api.InvokeAfterMsgs ||
    current instanceof Api.InvokeWithoutUpdates
  ) {
    wrappers.push(current.className);
    current = current.query as Api.AnyRequest;
  }
  return { wrappers, inner: current };
}

function failFrom(error: unknown): never {
  if (error instanceof AccountStateError) throw new RpcFailure(400, error.code);
  throw error;
}

function sameHash(expected: bigint, given: unknown): boolean {
  return returnBigInt(expected).equals(returnBigInt(given as string));
}

function inputPeerRef(ctx: RpcContext, input: unknown): PeerRef {
  const { account } = ctx;
  if (input instanceof Api.InputPeerSelf) return { kind: "user", id: ctx.self.id };
  if (input instanceof Api.InputPeerUser) {
    const user = account.user(input.userId.toJSNumber());
    if (!user || !sameHash(user.accessHash, input.accessHash)) throw new RpcFailure(400, "PEER_ID_INVALID");
    return { kind: "user", id: user.id };
  }
  if (input instanceof Api.InputPeerChat) {
    const chat = account.chat("chat", input.chatId.toJSNumber());
    if (!chat) throw new RpcFailure(400, "PEER_ID_INVALID");
    return { kind: "chat", id: chat.id };
  }
  if (input instanceof Api.InputPeerChannel) {
    const channel = account.chat("channel", input.channelId.toJSNumber());
    if (!channel || !sameHash(channel.accessHash, input.accessHash))
      throw new RpcFailure(400, "CHANNEL_INVALID");
    return { kind: "channel", id: channel.id };
  }
  throw new RpcFailure(400, "PEER_ID_INVALID");
}

function inputChannelRef(ctx: RpcContext, input: unknown): PeerRef {
  if (!(input instanceof Api.InputChannel)) throw new RpcFailure(400, "CHANNEL_INVALID");
  const channel = ctx.account.chat("channel", input.channelId.toJSNumber());
  if (!channel || !sameHash(channel.accessHash, input.accessHash))
    throw new RpcFailure(400, "CHANNEL_INVALID");
  return { kind: "channel", id: channel.id };
}

function messageIds(inputs: Api.TypeInputMessage[]): number[] {
  return inputs.map((input) => {
    if (input instanceof Api.InputMessageID) return input.id;
    throw new RpcFailure(400, "MESSAGE_ID_INVALID");
  });
}

function tlEntities(
  ctx: Pick<RpcContext, "self">,
  entities: { users: StoreChange["users"]; chats: StoreChange["chats"] },
) {
  return {
    users: entities.users.map((u) => tlUser(u, ctx.self.id)),
    chats: entities.chats.map(tlChat),
  };
}

/** The Update a store event is announced with (to `viewerId`). */
export function tlUpdateFor(event: PtsEvent, viewerId: number): Api.TypeUpdate {
  const message = tlMessage(event.message, viewerId);
  const channel = event.message.peer.kind === "channel";
  if (event.kind === "new") {
    return channel
      ? new Api.UpdateNewChannelMessage({ message, pts: event.pts, ptsCount: 1 })
      : new Api.UpdateNewMessage({ message, pts: event.pts, ptsCount: 1 });
  }
  return channel
    ? new Api.UpdateEditChannelMessage({ message, pts: event.pts, ptsCount: 1 })
    : new Api.UpdateEditMessage({ message, pts: event.pts, ptsCount: 1 });
}

/**
 * A store change as the Updates object Telegram pushes (with the users and chats it mentions), as
 * `ctx.self` sees it. `seq` is the next one of the common sequence unless given (one push rendered
 * for several users shares one seq).
 */
export function tlUpdatesFor(
  ctx: Pick<RpcContext, "account" | "self">,
  change: StoreChange,
  extra: Api.TypeUpdate[] = [],
  seq = ctx.account.nextSeq(),
): Api.Updates {
  return new Api.Updates({
    updates: [...extra, tlUpdateFor(change.event, ctx.self.id)],
    ...tlEntities(ctx, change),
    date: Math.floor(Date.now() / 1000),
    seq,
  });
}

function messagesResult(
  ctx: RpcContext,
  peer: PeerRef | undefined,
  list: ReturnType<AccountState["history"]>,
) {
  const entities = tlEntities(ctx, ctx.account.entitiesOf(list.messages));
  const messages = list.messages.map((m) => tlMessage(m, ctx.self.id));
  if (peer?.kind === "channel") {
    const channel = ctx.account.chat("channel", peer.id)!;
    return new Api.messages.ChannelMessages({
      pts: channel.pts,
      count: list.count,
      messages,
      topics: [],
      ...entities,
    });
  }
  if (list.count > list.messages.length) {
    return new Api.messages.MessagesSlice({ count: list.count, messages, ...entities });
  }
  return new Api.messages.Messages({ messages, ...entities });
}

function config(dc: RpcContext["dc"]): Api.Config {
  const now = Math.floor(Date.now() / 1000);
  return new Api.Config({
    date: now,
    expires: now + 3600,
    testMode: true,
    thisDc: dc.id,
    // Only this DC exists; pointing it at ourselves keeps GramJS from looking anywhere else.
    dcOptions: [new Api.DcOption({ id: dc.id, ipAddress: dc.host, port: dc.port })],
    dcTxtDomainName: "localhost",
    chatSizeMax: 200,
    megagroupSizeMax: 200000,
    forwardedCountMax: 100,
    onlineUpdatePeriodMs: 210000,
    offlineBlurTimeoutMs: 5000,
    offlineIdleTimeoutMs: 30000,
    onlineCloudTimeoutMs: 300000,
    notifyCloudDelayMs: 30000,
    notifyDefaultDelayMs: 1500,
    pushChatPeriodMs: 60000,
    pushChatLimit: 2,
    editTimeLimit: 172800,
    revokeTimeLimit: 2147483647,
    revokePmTimeLimit: 2147483647,
    ratingEDecay: 2419200,
    stickersRecentLimit: 200,
    channelsReadMediaPeriod: 604800,
    callReceiveTimeoutMs: 20000,
    callRingTimeoutMs: 90000,
    callConnectTimeoutMs: 30000,
    callPacketTimeoutMs: 10000,
    meUrlPrefix: "https://t.me/",
    captionLengthMax: 1024,
    messageLengthMax: 4096,
    webfileDcId: dc.id,
  });
}

function getDifference(ctx: RpcContext, request: Api.updates.GetDifference): Api.updates.TypeDifference {
  const { account } = ctx;
  const state = account.state;
  const events = account.accountEventsAfter(request.pts);
  if (events.length === 0) return new Api.updates.DifferenceEmpty({ date: state.date, seq: state.seq });
  const fresh = events.filter((e) => e.kind === "new").map((e) => e.message);
  const edits = events.filter((e) => e.kind === "edit" && !fresh.includes(e.message));
  return new Api.updates.Difference({
    newMessages: fresh.map((m) => tlMessage(m, ctx.self.id)),
    newEncryptedMessages: [],
    otherUpdates: edits.map((e) => tlUpdateFor(e, ctx.self.id)),
    ...tlEntities(ctx, account.entitiesOf(events.map((e) => e.message))),
    state: new Api.updates.State({
      pts: state.pts,
      qts: 0,
      date: state.date,
      seq: state.seq,
      unreadCount: state.unreadCount,
    }),
  });
}

function getChannelDifference(
  ctx: RpcContext,
  request: Api.updates.GetChannelDifference,
): Api.updates.TypeChannelDifference {
  const peer = inputChannelRef(ctx, request.channel);
  const channel = ctx.account.chat("channel", peer.id)!;
  const events = ctx.account
    .channelEventsAfter(peer.id, request.pts)
    .slice(0, Math.max(1, request.limit || 100));
  if (events.length === 0) return new Api.updates.ChannelDifferenceEmpty({ final: true, pts: channel.pts });
  const fresh = events.filter((e) => e.kind === "new").map((e) => e.message);
  const last = events[events.length - 1]!.pts;
  return new Api.updates.ChannelDifference({
    final: last === channel.pts,
    pts: last,
    newMessages: fresh.map((m) => tlMessage(m, ctx.self.id)),
    otherUpdates: events
      .filter((e) => e.kind === "edit" && !fresh.includes(e.message))
      .map((e) => tlUpdateFor(e, ctx.self.id)),
    ...tlEntities(ctx, ctx.account.entitiesOf(events.map((e) => e.message))),
  });
}

function getDialogs(ctx: RpcContext, request: Api.messages.GetDialogs): Api.messages.TypeDialogs {
  const all = ctx.account.dialogs();
  let start = 0;
  if (request.offsetPeer && !(request.offsetPeer instanceof Api.InputPeerEmpty)) {
    const offset = inputPeerRef(ctx, request.offsetPeer);
    const index = all.findIndex((d) => d.peer.kind === offset.kind && d.peer.id === offset.id);
    start = index < 0 ? all.length : index + 1;
  } else if (request.offsetDate > 0) {
    start = all.findIndex((d) => d.top.date < request.offsetDate);
    if (start < 0) start = all.length;
  }
  const limit = Math.max(1, Math.min(request.limit || 100, 100));
  const page = all.slice(start, start + limit);
  const tops = page.map((d) => d.top);
  const dialogs = page.map(
    (d) =>
      new Api.Dialog({
        peer: tlPeer(d.peer),
        topMessage: d.top.id,
        readInboxMaxId: 0,
        readOutboxMaxId: 0,
        unreadCount: d.unreadCount,
        unreadMentionsCount: 0,
        unreadReactionsCount: 0,
        notifySettings: tlNotifySettings(),
        pts: d.pts,
      }),
  );
  const body = {
    dialogs,
    messages: tops.map((m) => tlMessage(m, ctx.self.id)),
    ...tlEntities(ctx, ctx.account.entitiesOf(tops)),
  };
  return start + page.length < all.length
    ? new Api.messages.DialogsSlice({ count: all.length, ...body })
    : new Api.messages.Dialogs(body);
}

function getFullUser(ctx: RpcContext, input: unknown): Api.users.UserFull {
  let user: UserRecord | undefined;
  if (input instanceof Api.InputUserSelf) user = ctx.self;
  else if (input instanceof Api.InputUser) {
    const known = ctx.account.user(input.userId.toJSNumber());
    if (known && sameHash(known.accessHash, input.accessHash)) user = known;
  }
  if (!user) throw new RpcFailure(400, "USER_ID_INVALID");
  return new Api.users.UserFull({
    fullUser: new Api.UserFull({
      id: returnBigInt(user.id),
      settings: new Api.PeerSettings({}),
      notifySettings: tlNotifySettings(),
      commonChatsCount: 0,
    }),
    chats: [],
    users: [tlUser(user, ctx.self.id)],
  });
}

function sendMessage(ctx: RpcContext, request: Api.messages.SendMessage): Api.Updates {
  const peer = inputPeerRef(ctx, request.peer);
  if (!request.message.trim()) throw new RpcFailure(400, "MESSAGE_EMPTY");
  if (request.message.length > 4096) throw new RpcFailure(400, "MESSAGE_TOO_LONG");
  let change: StoreChange;
  try {
    change = ctx.account.send(peer, request.message, ctx.self);
  } catch (error) {
    failFrom(error);
  }
  // Other sessions of the account learn about the message as a plain new-message update; the sender
  // gets it with UpdateMessageID so GramJS can match its random_id.
  ctx.pushToOthers(change);
  return tlUpdatesFor(ctx, change, [
    new Api.UpdateMessageID({ id: change.event.message.id, randomId: request.randomId }),
  ]);
}

/** help.getConfig and help.getNearestDc, which need no logged-in user; undefined for anything else. */
export function answerHelpRequest(dc: RpcContext["dc"], request: Api.AnyRequest): RpcResult | undefined {
  if (request instanceof Api.help.GetConfig) return config(dc);
  if (request instanceof Api.help.GetNearestDc) {
    return new Api.NearestDc({ country: "NL", thisDc: dc.id, nearestDc: dc.id });
  }
  return undefined;
}

/**
 * Answers one API request (already unwrapped) for the logged-in user `ctx.self`, or throws
 * {@link RpcFailure}. Unknown methods answer 400 METHOD_NOT_IMPLEMENTED, so a test sees exactly
 * what GramJS asked for.
 */
export function answerRequest(ctx: RpcContext, request: Api.AnyRequest): RpcResult {
  const { account, self } = ctx;
  const selfId = self.id;
  const help = answerHelpRequest(ctx.dc, request);
  if (help !== undefined) return help;
  if (request instanceof Api.users.GetUsers) {
    return request.id.map((input) => {
      if (input instanceof Api.InputUserSelf) return tlUser(self, selfId);
      if (input instanceof Api.InputUser) {
        const user = account.user(input.userId.toJSNumber());
        if (user && sameHash(user.accessHash, input.accessHash)) return tlUser(user, selfId);
        return new Api.UserEmpty({ id: input.userId });
      }
      throw new RpcFailure(400, "USER_ID_INVALID");
    });
  }
  if (request instanceof Api.users.GetFullUser) return getFullUser(ctx, request.id);
  if (request instanceof Api.updates.GetState) {
    const state = account.state;
    return new Api.updates.State({
      pts: state.pts,
      qts: 0,
      date: state.date,
      seq: state.seq,
      unreadCount: state.unreadCount,
    });
  }
  if (request instanceof Api.updates.GetDifference) return getDifference(ctx, request);
  if (request instanceof Api.updates.GetChannelDifference) return getChannelDifference(ctx, request);
  if (request instanceof Api.messages.GetDialogs) return getDialogs(ctx, request);
  if (request instanceof Api.messages.GetHistory) {
    const peer = inputPeerRef(ctx, request.peer);
    return messagesResult(ctx, peer, account.history(peer, request));
  }
  if (request instanceof Api.channels.GetMessages) {
    const peer = inputChannelRef(ctx, request.channel);
    const ids = messageIds(request.id);
    const found = account.messagesById(peer, ids);
    const present = found.filter((m) => m !== undefined);
    return new Api.messages.ChannelMessages({
      pts: account.chat("channel", peer.id)!.pts,
      count: found.length,
      messages: found.map((m, i) => tlMessageOrEmpty(m, ids[i]!, selfId)),
      topics: [],
      ...tlEntities(ctx, account.entitiesOf(present)),
    });
  }
  if (request instanceof Api.messages.GetMessages) {
    const ids = messageIds(request.id);
    const found = account.accountMessagesById(ids);
    return new Api.messages.Messages({
      messages: found.map((m, i) => tlMessageOrEmpty(m, ids[i]!, selfId)),
      ...tlEntities(ctx, account.entitiesOf(found.filter((m) => m !== undefined))),
    });
  }
  if (request instanceof Api.contacts.ResolveUsername) {
    const entity = account.byUsername(request.username);
    if (!entity) throw new RpcFailure(400, "USERNAME_NOT_OCCUPIED");
    if (entity.type === "user") {
      return new Api.contacts.ResolvedPeer({
        peer: tlPeer({ kind: "user", id: entity.user.id }),
        users: [tlUser(entity.user, selfId)],
        chats: [],
      });
    }
    return new Api.contacts.ResolvedPeer({
      peer: tlPeer({ kind: entity.chat.kind, id: entity.chat.id }),
      users: [],
      chats: [tlChat(entity.chat)],
    });
  }
  if (request instanceof Api.channels.GetChannels) {
    return new Api.messages.Chats({
      chats: request.id.map((input) => tlChat(account.chat("channel", inputChannelRef(ctx, input).id)!)),
    });
  }
  if (request instanceof Api.messages.GetChats) {
    return new Api.messages.Chats({
      chats: request.id.map((id) => {
        const chat = account.chat("chat", id.toJSNumber());
        if (!chat) throw new RpcFailure(400, "CHAT_ID_INVALID");
        return tlChat(chat);
      }),
    });
  }
  if (request instanceof Api.messages.SendMessage) return sendMessage(ctx, request);
  throw new RpcFailure(400, "METHOD_NOT_IMPLEMENTED");
}
