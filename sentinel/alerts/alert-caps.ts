/**
 * Alert caps: at most `perChatPerHour` alerts per chat and `perProfilePerHour` per profile in a
 * window of an hour (config `alerts.per_chat_per_hour` / `per_profile_per_hour`). A match over a
 * cap is not an alert: it is counted as suppressed, per chat, profile and clock hour.
 *
 * The counters live in the TtlStore (a fixed one-hour window from the first alert counted);
 * only alerts actually created are counted, so a busy profile does not use up a chat's quota
 * with matches that were suppressed anyway.
 */

export const CAP_WINDOW_MS = 3_600_000;

export interface AlertCaps {
  perChatPerHour: number;
  perProfilePerHour: number;
}

export type CapVerdict = { allowed: true } | { allowed: false; cap: "chat" | "profile" };

/** Decides on one more alert, given the alerts already created in the current windows. */
export function capVerdict(created: { chat: number; profile: number }, caps: AlertCaps): CapVerdict {
  if (created.chat >= caps.perChatPerHour) return { allowed: false, cap: "chat" };
  if (created.profile >= caps.perProfilePerHour) return { allowed: false, cap: "profile" };
  return { allowed: true };
}

/** TtlStore keys of the two counters an alert counts against (the store adds its prefix). */
export function capKeys(chatId: string, profile: string): { chat: string; profile: string } {
  return { chat: `alert-cap:chat:${chatId}`, profile: `alert-cap:profile:${profile}` };
}

/** The start of the UTC clock hour `date` falls in: suppressions are counted per hour. */
export function hourStart(date: Date): Date {
  return new Date(Math.floor(date.getTime() / CAP_WINDOW_MS) * CAP_WINDOW_MS);
}
