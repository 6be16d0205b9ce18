/**
 * Telegram flood waits as TTL-store entries, so `GET /api/status` (and any sentinel process) sees
 * them while they last: key `flood_wait:<method>`, expiring when the wait ends.
 * The gateway records them; the status route lists them.
 */
import type { TtlStore } from "@tgsentinel/contract/ttl-store.ts";

export const FLOOD_WAIT_PREFIX = "flood_wait:";

export interface FloodWait {
  /** The MTProto method that was limited (e.g. "messages.GetHistory"), or null when unknown. */
  method: string | null;
  seconds_left: number;
  until: string;
}

/** Records that `method` may not be called for `seconds`. */
export async function recordFloodWait(
  ttl: TtlStore,
  method: string | null,
  seconds: number,
  now = Date.now(),
): Promise<void> {
  const ms = Math.max(1, Math.ceil(seconds * 1000));
  const until = new Date(now + ms).toISOString();
  await ttl.set(`${FLOOD_WAIT_PREFIX}${method ?? "*"}`, JSON.stringify({ method, until }), ms);
}

/** The flood waits still in force, soonest first. */
export async function activeFloodWaits(ttl: TtlStore): Promise<FloodWait[]> {
  const entries = await ttl.list(FLOOD_WAIT_PREFIX);
  return entries
    .map((entry) => {
      let method: string | null = entry.key.slice(FLOOD_WAIT_PREFIX.length);
      if (method === "*") method = null;
      return {
        method,
        seconds_left: Math.ceil(entry.ttlMs / 1000),
        until: new Date(Date.now() + entry.ttlMs).toISOString(),
      };
    })
    .sort((a, b) => a.seconds_left - b.seconds_left);
}
