/**
 * Reading a digest run as the sentinel stored it: `content` is JSON
 * `[{chat_id, chat_title, best_score, entries: [{alert_id, alert_ids, message_id, score, profiles,
 * text, sender_name, link, message_date}]}]` (sentinel/digest/digest-content.ts), and `error`
 * holds either why the run failed or, prefixed "not delivered:", why a finished digest was not
 * sent. Pure: no Prisma, no GraphQL. Parts that do not parse are dropped, never thrown.
 */

export interface DigestEntryView {
  alertId: number;
  alertIds: number[];
  messageId: number;
  score: number;
  profiles: string[];
  text: string;
  senderName: string | null;
  link: string | null;
  messageDate: Date | null;
}

export interface DigestGroupView {
  chatId: string;
  chatTitle: string;
  bestScore: number;
  entries: DigestEntryView[];
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => v !== null && typeof v === "object" && !Array.isArray(v);
const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === "string" ? v : null);
const int = (v: unknown): number | null => (Number.isInteger(v) ? (v as number) : null);

/** Only http(s) links are kept, so a stored `javascript:` URL never reaches an href. */
function safeLink(v: unknown): string | null {
  const link = str(v);
  if (link === null) return null;
  try {
    const url = new URL(link);
    return url.protocol === "https:" || url.protocol === "http:" ? url.toString() : null;
  } catch {
    return null;
  }
}

function entryOf(raw: unknown): DigestEntryView | null {
  if (!isObject(raw)) return null;
  const alertId = int(raw.alert_id);
  const messageId = int(raw.message_id);
  const score = num(raw.score);
  if (alertId === null || messageId === null || score === null) return null;
  const date = str(raw.message_date);
  const messageDate = date !== null && !Number.isNaN(Date.parse(date)) ? new Date(date) : null;
  return {
    alertId,
    alertIds: Array.isArray(raw.alert_ids)
      ? raw.alert_ids.filter((id): id is number => Number.isInteger(id))
      : [alertId],
    messageId,
    score,
    profiles: Array.isArray(raw.profiles)
      ? raw.profiles.filter((p): p is string => typeof p === "string")
      : [],
    text: str(raw.text) ?? "",
    senderName: str(raw.sender_name),
    link: safeLink(raw.link),
    messageDate,
  };
}

/** The chat groups of a run's `content` (a JSON string as stored in ui.db). */
export function digestGroupsOf(content: string): DigestGroupView[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  return parsed.flatMap((raw) => {
    if (!isObject(raw)) return [];
    const chatId = str(raw.chat_id) ?? (typeof raw.chat_id === "number" ? String(raw.chat_id) : null);
    if (chatId === null) return [];
    const entries = Array.isArray(raw.entries)
      ? raw.entries.map(entryOf).filter((e): e is DigestEntryView => e !== null)
      : [];
    return [
      {
        chatId,
        chatTitle: str(raw.chat_title) || chatId,
        bestScore: num(raw.best_score) ?? Math.max(0, ...entries.map((e) => e.score)),
        entries,
      },
    ];
  });
}

/** The sentinel's prefix of a delivery error (plugins/digests.ts). */
export const NOT_DELIVERED_PREFIX = "not delivered:";

/** Splits a run's `error` into a failed run and a digest that was made but not delivered. */
export function digestOutcomeOf(run: { error: string | null }): {
  failure: string | null;
  deliveryError: string | null;
} {
  if (run.error === null || run.error === "") return { failure: null, deliveryError: null };
  if (run.error.toLowerCase().startsWith(NOT_DELIVERED_PREFIX))
    return { failure: null, deliveryError: run.error };
  return { failure: run.error, deliveryError: null };
}
