import { Api } from "telegram";
import { returnBigInt } from "telegram/Helpers.js";
import {
  type AccountState,
  AccountStateError,
  type PeerRef,
  type PtsEvent,
  type StoreChange,
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

/** What the methods may use besides the request: the account and a way to reach other clients. */
export interface RpcContext {
  account: AccountState;
  dc: { id: number; host: string; port: number };
  /** Sends an Updates to every authorised connection but the caller (other sessions of the account). */
  pushToOthers(updates: Api.TypeUpdates): void;
}

/** Methods Telegram answers for a key that is not (or no longer) logged in. */
export const UNAUTHORIZED_METHODS = new Set(["help.GetConfig", "help.GetNearestDc"]);

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
  if (input instanceof Api.InputPeerSelf) return { kind: "user", id: account.self.id };
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

function tlEntities(ctx: RpcContext, entities: { users: StoreChange["users"]; chats: StoreChange["chats"] }) {
  return {
    users: entities.users.map((u) => tlUser(u, ctx.account.self.id)),
    chats: entities.chats.map(tlChat),
  };
}

/** The Update a store event is announced with. */
export function tlUpdateFor(event: PtsEvent): Api.TypeUpdate {
  const message = tlMessage(event.message);
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

/** A store change as the Updates object Telegram pushes (with the users and chats it mentions). */
export function tlUpdatesFor(
  ctx: RpcContext,
  change: StoreChange,
  extra: Api.TypeUpdate[] = [],
): Api.Updates {
  return new Api.Updates({
    updates: [...extra, tlUpdateFor(change.event)],
    ...tlEntities(ctx, change),
    date: Math.floor(Date.now() / 1000),
    seq: ctx.account.nextSeq(),
  });
}

function messagesResult(
  ctx: RpcContext,
  peer: PeerRef | undefined,
  list: ReturnType<AccountState["history"]>,
) {
  const entities = tlEntities(ctx, ctx.account.entitiesOf(list.messages));
  const messages = list.messages.map(tlMessage);
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

function config(ctx: RpcContext): Api.Config {
  const now = Math.floor(Date.now() / 1000);
  return new Api.Config({
    date: now,
    expires: now + 3600,
    testMode: true,
    thisDc: ctx.dc.id,
    // Only this DC exists; pointing it at ourselves keeps GramJS from looking anywhere else.
    dcOptions: [new Api.DcOption({ id: ctx.dc.id, ipAddress: ctx.dc.host, port: ctx.dc.port })],
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
    webfileDcId: ctx.dc.id,
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
    newMessages: fresh.map(tlMessage),
    newEncryptedMessages: [],
    otherUpdates: edits.map(tlUpdateFor),
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
    newMessages: fresh.map(tlMessage),
    otherUpdates: events.filter((e) => e.kind === "edit" && !fresh.includes(e.message)).map(tlUpdateFor),
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
  const body = { dialogs, messages: tops.map(tlMessage), ...tlEntities(ctx, ctx.account.entitiesOf(tops)) };
  return start + page.length < all.length
    ? new Api.messages.DialogsSlice({ count: all.length, ...body })
    : new Api.messages.Dialogs(body);
}

function sendMessage(ctx: RpcContext, request: Api.messages.SendMessage): Api.Updates {
  const peer = inputPeerRef(ctx, request.peer);
  if (!request.message.trim()) throw new RpcFailure(400, "MESSAGE_EMPTY");
  if (request.message.length > 4096) throw new RpcFailure(400, "MESSAGE_TOO_LONG");
  let change: StoreChange;
  try {
    change = ctx.account.send(peer, request.message);
  } catch (error) {
    failFrom(error);
  }
  // Other sessions of the account learn about the message as a plain new-message update; the sender
  // gets it with UpdateMessageID so GramJS can match its random_id.
  ctx.pushToOthers(tlUpdatesFor(ctx, change));
  return tlUpdatesFor(ctx, change, [
    new Api.UpdateMessageID({ id: change.event.message.id, randomId: request.randomId }),
  ]);
}

/**
 * Answers one API request (already unwrapped) against the account, or throws {@link RpcFailure}.
 * Unknown methods answer 400 METHOD_NOT_IMPLEMENTED, so a test sees exactly what GramJS asked for.
 */
export function answerRequest(ctx: RpcContext, request: Api.AnyRequest): RpcResult {
  const { account } = ctx;
  const selfId = account.self.id;
  if (request instanceof Api.help.GetConfig) return config(ctx);
  if (request instanceof Api.help.GetNearestDc) {
    return new Api.NearestDc({ country: "NL", thisDc: ctx.dc.id, nearestDc: ctx.dc.id });
  }
  if (request instanceof Api.users.GetUsers) {
    return request.id.map((input) => {
      if (input instanceof Api.InputUserSelf) return tlUser(account.self, selfId);
      if (input instanceof Api.InputUser) {
        const user = account.user(input.userId.toJSNumber());
        if (user && sameHash(user.accessHash, input.accessHash)) return tlUser(user, selfId);
        return new Api.UserEmpty({ id: input.userId });
      }
      throw new RpcFailure(400, "USER_ID_INVALID");
    });
  }
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
      messages: found.map((m, i) => tlMessageOrEmpty(m, ids[i]!)),
      topics: [],
      ...tlEntities(ctx, account.entitiesOf(present)),
    });
  }
  if (request instanceof Api.messages.GetMessages) {
    const ids = messageIds(request.id);
    const found = account.accountMessagesById(ids);
    return new Api.messages.Messages({
      messages: found.map((m, i) => tlMessageOrEmpty(m, ids[i]!)),
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
