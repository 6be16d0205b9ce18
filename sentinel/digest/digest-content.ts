/**
 * What a digest says: the period's best alerts, one entry per message (a message that matched
 * several profiles is listed once, under its best score, naming every profile), the top N by
 * score, grouped by chat (the chat with the best entry first). Also the plain-text form sent to
 * the account's Saved Messages.
 */

/** An alert as the digest reads it (a row of `alerts`). */
export interface DigestAlertInput {
  id: number;
  chatId: string;
  chatTitle: string;
  messageId: number;
  profile: string;
  score: number;
  text: string;
  senderName: string | null;
  link: string | null;
  messageDate: Date;
  createdAt: Date;
}

/** One listed message. */
export interface DigestEntry {
  /** The best-scoring alert's id. */
  alert_id: number;
  /** Every alert of this message in the period, best first. */
  alert_ids: number[];
  message_id: number;
  score: number;
  /** The profiles the message matched, best first. */
  profiles: string[];
  text: string;
  sender_name: string | null;
  link: string | null;
  message_date: string;
}

export interface DigestGroup {
  chat_id: string;
  chat_title: string;
  best_score: number;
  entries: DigestEntry[];
}

/** Entry texts are cut to this many characters (the alert itself keeps the whole message). */
export const DIGEST_TEXT_MAX = 500;

function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 2);
  const end = code >= 0xd800 && code <= 0xdbff ? max - 2 : max - 1;
  return `${text.slice(0, end)}…`;
}

/** Best score first; ties: the earlier alert first (a stable, reproducible order). */
function byScore(a: { score: number; id: number }, b: { score: number; id: number }): number {
  return b.score - a.score || a.id - b.id;
}

/**
 * Composes the digest from the period's alerts (any order). `topN` bounds the number of entries
 * (messages), not alerts.
 */
export function composeDigest(alerts: readonly DigestAlertInput[], topN: number): DigestGroup[] {
  const perMessage = new Map<string, DigestAlertInput[]>();
  for (const alert of alerts) {
    const key = `${alert.chatId}\u0000${alert.messageId}`;
    const list = perMessage.get(key);
    if (list) list.push(alert);
    else perMessage.set(key, [alert]);
  }
  const entries = [...perMessage.values()].map((list) => {
    list.sort(byScore);
    return { best: list[0]!, list };
  });
  entries.sort((a, b) => byScore(a.best, b.best));

  const groups = new Map<string, DigestGroup>();
  for (const { best, list } of entries.slice(0, Math.max(0, topN))) {
    let group = groups.get(best.chatId);
    if (!group) {
      group = { chat_id: best.chatId, chat_title: best.chatTitle, best_score: best.score, entries: [] };
      groups.set(best.chatId, group);
    }
    group.entries.push({
      alert_id: best.id,
      alert_ids: list.map((a) => a.id),
      message_id: best.messageId,
      score: best.score,
      profiles: [...new Set(list.map((a) => a.profile))],
      text: cut(best.text, DIGEST_TEXT_MAX),
      sender_name: best.senderName,
      link: best.link,
      message_date: best.messageDate.toISOString(),
    });
  }
  // Entries were taken best first, so each group's first entry is its best and groups are in order.
  return [...groups.values()];
}

/** Number of messages a composed digest lists. */
export function digestEntryCount(groups: readonly DigestGroup[]): number {
  return groups.reduce((sum, group) => sum + group.entries.length, 0);
}

/** Characters of a message text quoted in the Saved Messages form. */
export const DIGEST_MESSAGE_QUOTE_MAX = 200;

function stamp(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/**
 * The digest as plain text for Saved Messages (no markup: the gateway sends it with parse mode
 * off, and splits texts over Telegram's 4,096-character limit).
 */
export function digestMessageText(
  run: { title: string; since: Date; until: Date },
  groups: readonly DigestGroup[],
): string {
  const count = digestEntryCount(groups);
  const lines = [
    `TG Sentinel digest: ${run.title}`,
    `${count} ${count === 1 ? "message" : "messages"}, ${stamp(run.since)} to ${stamp(run.until)}`,
  ];
  if (count === 0) lines.push("", "Nothing reached a profile's threshold in this period.");
  for (const group of groups) {
    lines.push("", `${group.chat_title || group.chat_id}`);
    for (const entry of group.entries) {
      const text = cut(entry.text.replace(/\s+/g, " ").trim(), DIGEST_MESSAGE_QUOTE_MAX);
      lines.push(`- [${entry.score} ${entry.profiles.join(", ")}] ${text}`);
      if (entry.link) lines.push(`  ${entry.link}`);
    }
  }
  return lines.join("\n");
}
