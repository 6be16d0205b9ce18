import { Api } from "telegram";
import { returnBigInt } from "telegram/Helpers.js";
import { getPeerId } from "telegram/Utils.js";
import type { ChatType } from "../ingestion/message.ts";

/** What we remember about a user, basic group or channel seen in an update or an API result. */
export interface PeerRecord {
  /** Marked id: users positive, basic groups "-id", channels "-100id". */
  id: string;
  kind: "user" | "chat" | "channel";
  /** Signed 64-bit access hash as a decimal string; null for basic groups and unknown hashes. */
  accessHash: string | null;
  /** Channel/group title, or the user's "First Last". */
  title: string;
  username: string | null;
  /** Broadcast channel (as opposed to a supergroup); false for users and basic groups. */
  broadcast: boolean;
  /**
   * Telegram sent a "min" constructor: its access hash only works inside the message that
   * carried it, so it never replaces a full record's hash.
   */
  min: boolean;
}

/** Default bound on remembered peers; a huge group can show many distinct senders. */
export const PEER_CACHE_MAX = 50_000;

/**
 * Our own id → access-hash/name map, filled from the users/chats every update and API result
 * carries. GramJS's MemorySession keeps growing a Set of duplicate rows (issue #816) and fetching
 * the sender per message gets accounts limited, so the gateway resolves peers here instead.
 * Least-recently-seen entries are dropped past `max`.
 */
export class PeerCache {
  private readonly peers = new Map<string, PeerRecord>();

  constructor(private readonly max = PEER_CACHE_MAX) {}

  get size(): number {
    return this.peers.size;
  }

  get(id: string): PeerRecord | undefined {
    return this.peers.get(id);
  }

  /** Remembers every user/chat/channel among `entities` (anything else is ignored). */
  absorb(entities: Iterable<unknown>): void {
    for (const entity of entities) {
      const record = peerRecordOf(entity);
      if (record) this.put(record);
    }
  }

  put(record: PeerRecord): void {
    const known = this.peers.get(record.id);
    const merged =
      known && record.min && !known.min
        ? { ...known, title: record.title || known.title, username: record.username ?? known.username }
        : record;
    // Re-inserting moves the key to the end: the Map's order is the recency order.
    this.peers.delete(record.id);
    this.peers.set(record.id, merged);
    while (this.peers.size > this.max) {
      const oldest = this.peers.keys().next().value;
      if (oldest === undefined) break;
      this.peers.delete(oldest);
    }
  }

  /** The InputPeer GramJS needs to address this peer, or null when we lack its access hash. */
  inputPeer(id: string): Api.TypeInputPeer | null {
    const record = this.peers.get(id);
    if (!record) return null;
    return inputPeerOf(record);
  }

  clear(): void {
    this.peers.clear();
  }
}

export function inputPeerOf(record: PeerRecord): Api.TypeInputPeer | null {
  const bare = returnBigInt(bareId(record.id));
  if (record.kind === "chat") return new Api.InputPeerChat({ chatId: bare });
  if (record.accessHash === null || record.min) return null;
  const accessHash = returnBigInt(record.accessHash);
  if (record.kind === "user") return new Api.InputPeerUser({ userId: bare, accessHash });
  return new Api.InputPeerChannel({ channelId: bare, accessHash });
}

/** The id Telegram uses inside a Peer (no mark): "-100123" → "123", "-45" → "45". */
export function bareId(markedId: string): string {
  if (markedId.startsWith("-100")) return markedId.slice(4);
  if (markedId.startsWith("-")) return markedId.slice(1);
  return markedId;
}

export function chatTypeOf(record: Pick<PeerRecord, "kind" | "broadcast">): ChatType {
  if (record.kind === "user") return "user";
  if (record.kind === "chat") return "group";
  return record.broadcast ? "channel" : "group";
}

/** A positive id as decimal text, or null (zero, negative, or not an id at all). */
function positiveId(id: unknown): string | null {
  if (id === null || id === undefined) return null;
  const text = String(id);
  return text.length > 0 && text.charCodeAt(0) !== 45 /* - */ && text !== "0" ? text : null;
}

/**
 * `getPeerId` (marked ids: users positive, basic groups "-id", channels "-100id") for the peers and
 * entities messages carry, straight from their positive ids; anything else goes through GramJS's
 * general conversion, which costs a microsecond or two per call on the ingestion path.
 */
export function markedPeerId(peer: unknown): string {
  let id: string | null = null;
  if (peer instanceof Api.PeerUser) id = positiveId(peer.userId);
  else if (peer instanceof Api.PeerChannel) {
    id = positiveId(peer.channelId);
    if (id !== null) return `-100${id}`;
  } else if (peer instanceof Api.PeerChat) {
    id = positiveId(peer.chatId);
    if (id !== null) return `-${id}`;
  } else if (peer instanceof Api.User) id = positiveId(peer.id);
  else if (peer instanceof Api.Channel || peer instanceof Api.ChannelForbidden) {
    id = positiveId(peer.id);
    if (id !== null) return `-100${id}`;
  } else if (peer instanceof Api.Chat || peer instanceof Api.ChatForbidden) {
    id = positiveId(peer.id);
    if (id !== null) return `-${id}`;
  }
  return id ?? getPeerId(peer as Parameters<typeof getPeerId>[0]);
}

/** A PeerRecord for a GramJS User/Chat/Channel (or their forbidden forms); null otherwise. */
export function peerRecordOf(entity: unknown): PeerRecord | null {
  if (entity instanceof Api.User) {
    const id = markedPeerId(entity);
    return {
      id,
      kind: "user",
      accessHash: entity.accessHash ? entity.accessHash.toString() : null,
      title: displayName(entity.firstName, entity.lastName) ?? entity.username ?? id,
      username: entity.username ?? activeUsername(entity.usernames),
      broadcast: false,
      min: entity.min === true,
    };
  }
  if (entity instanceof Api.Chat || entity instanceof Api.ChatForbidden) {
    return {
      id: markedPeerId(entity),
      kind: "chat",
      accessHash: null,
      title: entity.title,
      username: null,
      broadcast: false,
      min: false,
    };
  }
  if (entity instanceof Api.Channel) {
    return {
      id: markedPeerId(entity),
      kind: "channel",
      accessHash: entity.accessHash ? entity.accessHash.toString() : null,
      title: entity.title,
      username: entity.username ?? activeUsername(entity.usernames),
      broadcast: entity.broadcast === true || entity.megagroup !== true,
      min: entity.min === true,
    };
  }
  if (entity instanceof Api.ChannelForbidden) {
    return {
      id: markedPeerId(entity),
      kind: "channel",
      accessHash: entity.accessHash.toString(),
      title: entity.title,
      username: null,
      broadcast: entity.broadcast === true || entity.megagroup !== true,
      min: false,
    };
  }
  return null;
}

function displayName(first: string | undefined, last: string | undefined): string | null {
  const hasFirst = !!first && first.trim() !== "";
  const hasLast = !!last && last.trim() !== "";
  if (hasFirst && hasLast) return `${first} ${last}`;
  return hasFirst ? first : hasLast ? last : null;
}

function activeUsername(usernames: Api.TypeUsername[] | undefined): string | null {
  return usernames?.find((u) => u.active)?.username ?? null;
}
