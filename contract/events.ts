/**
 * Redis channels and their payloads (ARCHITECTURE.md). Every message is JSON
 * `{ type, at, data }`. Pub/sub is for liveness only: consumers re-read state over HTTP after
 * any reconnect, so a lost event never loses data.
 */

export const CHANNEL_PREFIX = "tgsentinel:";

export interface WorkerUser {
  user_id: number;
  username: string | null;
  first_name: string | null;
}

export interface WorkerStatusData {
  authorized: boolean;
  connected: boolean;
  user_info: WorkerUser | null;
  last_sync: string | null;
  last_error: string | null;
  /** set while a Telegram flood wait is in force */
  flood_wait_until?: string | null;
  /**
   * Whether a session is stored at TG_SESSION_PATH (tells "no session imported" from "imported,
   * connecting or refused"). Optional: payloads of older senders lack it.
   */
  session_present?: boolean;
  /** When the stored session was imported (ISO), or null when none is stored. */
  session_imported_at?: string | null;
}

export interface SessionUpdatedData {
  session_path: string;
  size: number;
  imported_at: string;
  /** "imported" after an import, "removed" after DELETE /api/session */
  action: "imported" | "removed";
}

export interface AlertCreatedData {
  id: number;
  chat_id: string;
  chat_title: string;
  message_id: number;
  profile: string;
  score: number;
  created_at: string;
}

/**
 * An alert was revised: its message was edited and scored again (score, reasons, text changed).
 * Consumers read the new version from GET /api/alerts?updated_since=….
 */
export interface AlertUpdatedData {
  id: number;
  chat_id: string;
  message_id: number;
  profile: string;
  score: number;
  updated_at: string;
}

export interface DigestCompletedData {
  id: number;
  trigger: "schedule" | "manual";
  schedule: string | null;
  alert_count: number;
  finished_at: string;
}

/** Channel name (without prefix) → payload `data`. */
export interface SentinelEvents {
  session_updated: SessionUpdatedData;
  worker_status: WorkerStatusData;
  alert_created: AlertCreatedData;
  alert_updated: AlertUpdatedData;
  digest_completed: DigestCompletedData;
}

export type EventName = keyof SentinelEvents;

export const EVENT_NAMES: readonly EventName[] = [
  "session_updated",
  "worker_status",
  "alert_created",
  "alert_updated",
  "digest_completed",
] as const;

export interface EventMessage<N extends EventName = EventName> {
  type: N;
  at: string;
  data: SentinelEvents[N];
}

/** `prefix` is `tgsentinel:` in production; tests use their own so runs never collide. */
export function channelOf(name: EventName, prefix = CHANNEL_PREFIX): string {
  return `${prefix}${name}`;
}

export function eventOfChannel(channel: string, prefix = CHANNEL_PREFIX): EventName | null {
  if (!channel.startsWith(prefix)) return null;
  const name = channel.slice(prefix.length) as EventName;
  return EVENT_NAMES.includes(name) ? name : null;
}

export function encodeEvent<N extends EventName>(type: N, data: SentinelEvents[N], at = new Date()): string {
  const message: EventMessage<N> = { type, at: at.toISOString(), data };
  return JSON.stringify(message);
}

/** Parses a channel message; returns null (never throws) for anything malformed. */
export function decodeEvent(channel: string, raw: string, prefix = CHANNEL_PREFIX): EventMessage | null {
  const name = eventOfChannel(channel, prefix);
  if (name === null) return null;
  try {
    const parsed = JSON.parse(raw) as Partial<EventMessage>;
    if (
      parsed === null ||
      typeof parsed !== "object" ||
      parsed.type !== name ||
      typeof parsed.at !== "string"
    )
      return null;
    if (parsed.data === null || typeof parsed.data !== "object") return null;
    return parsed as EventMessage;
  } catch {
    return null;
  }
}
