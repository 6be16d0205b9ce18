/**
 * The Telegram message an alert is delivered as: a header naming the profile and the score, the
 * chat (and sender), a preview of the message (at most ALERT_PREVIEW_MAX characters), and the
 * message link. Pure.
 */
import { messageLink } from "../telegram/normalize.ts";

export const ALERT_PREVIEW_MAX = 400;
/** First characters of every delivered alert; own messages starting with it are never ingested. */
export const DELIVERY_HEADER = "🔔 TG Sentinel alert";

/** What a delivered alert shows (a row of `alerts`). */
export interface DeliverableAlert {
  chatId: string;
  chatTitle: string;
  messageId: number;
  profile: string;
  score: number;
  text: string;
  senderName: string | null;
  link: string | null;
}

/**
 * At most `max` characters (code points, so an emoji is never cut in half), whitespace runs
 * collapsed; a longer text is cut at a word boundary when one is near and ends with "…".
 */
export function alertPreview(text: string, max = ALERT_PREVIEW_MAX): string {
  const clean = text
    .replace(/[ \t\f\v\u00a0]+/g, " ")
    .replace(/ *\n[\s]*\n[\s]*/g, "\n\n")
    .replace(/ *\n */g, "\n")
    .trim();
  const chars = Array.from(clean);
  if (chars.length <= max) return clean;
  let cut = chars.slice(0, max - 1);
  const lastSpace = Math.max(cut.lastIndexOf(" "), cut.lastIndexOf("\n"));
  // Prefer a whole word, unless that would throw away a lot (one long token).
  if (lastSpace >= max - 40) cut = cut.slice(0, lastSpace);
  return `${cut.join("").trimEnd()}…`;
}

/** Scores as the UI shows them: up to two decimals, no trailing zeros. */
export function formatScore(score: number): string {
  return String(Math.round(score * 100) / 100);
}

/** The alert's message link: the stored one, else built from the chat id (private channels: t.me/c/…). */
export function alertLink(alert: Pick<DeliverableAlert, "chatId" | "messageId" | "link">): string | null {
  return alert.link ?? messageLink(alert.chatId, null, alert.messageId);
}

/** The plain text sent to Telegram for an alert. */
export function alertMessageText(alert: DeliverableAlert): string {
  const lines = [`${DELIVERY_HEADER} · ${alert.profile} · score ${formatScore(alert.score)}`];
  const where = alert.chatTitle.trim() || alert.chatId;
  // Channel posts name the channel as their sender: say it once.
  const sender = alert.senderName?.trim();
  lines.push(sender && sender !== where ? `${where} — ${sender}` : where);
  const preview = alertPreview(alert.text);
  if (preview !== "") lines.push("", preview);
  const link = alertLink(alert);
  if (link) lines.push("", link);
  return lines.join("\n");
}

/** True for a text this module produced (the delivery skips ingesting the account's own copies). */
export function isDeliveredAlertText(text: string): boolean {
  return text.startsWith(DELIVERY_HEADER);
}
