/**
 * What a scored batch does to the alerts table, decided without I/O: new alerts for profiles at
 * or above their threshold (one per chat, message and profile), and updates of alerts that
 * already exist for these messages (an edit was scored again). Caps are applied afterwards, to
 * the new alerts only: an update never counts against a cap.
 */

import type { NormalizedMessage } from "../ingestion/message.ts";
import type { ProfileScore, Reason } from "../scoring/engine.ts";

/** An alert already stored for one of the batch's messages. */
export interface StoredAlert {
  id: number;
  chatId: string;
  messageId: number;
  profile: string;
  score: number;
  /** The stored JSON text of the reasons. */
  reasons: string;
  text: string;
}

export interface AlertDraft {
  chatId: string;
  chatTitle: string;
  messageId: number;
  profile: string;
  score: number;
  reasons: Reason[];
  text: string;
  senderName: string | null;
  link: string | null;
  messageDate: Date;
}

export interface AlertRevision {
  id: number;
  score: number;
  reasons: Reason[];
  text: string;
}

export interface AlertPlan {
  /** New alerts, in message order then profile order (still subject to caps). */
  drafts: AlertDraft[];
  /** Stored alerts whose score, reasons or text changed. */
  revisions: AlertRevision[];
}

export interface ScoredBatchEntry {
  message: NormalizedMessage;
  scores: ProfileScore[];
}

const key = (chatId: string, messageId: number) => `${chatId}\u0000${messageId}`;

/**
 * Plans the batch. `profilesInForce` are the names of the profile set that scored it: a stored
 * alert of a profile in that set that no longer scores at all (its message was edited) is
 * revised to score 0 with no reasons; alerts of profiles since removed are left as they are.
 */
export function planAlerts(
  batch: readonly ScoredBatchEntry[],
  stored: readonly StoredAlert[],
  profilesInForce: ReadonlySet<string>,
): AlertPlan {
  const storedByMessage = new Map<string, Map<string, StoredAlert>>();
  for (const alert of stored) {
    const k = key(alert.chatId, alert.messageId);
    const byProfile = storedByMessage.get(k) ?? new Map<string, StoredAlert>();
    byProfile.set(alert.profile, alert);
    storedByMessage.set(k, byProfile);
  }
  // The latest version of a message in the batch wins (an edit right behind its post).
  const latest = new Map<string, ScoredBatchEntry>();
  for (const entry of batch) latest.set(key(entry.message.chatId, entry.message.messageId), entry);

  const plan: AlertPlan = { drafts: [], revisions: [] };
  for (const [k, { message, scores }] of latest) {
    const existing = storedByMessage.get(k) ?? new Map<string, StoredAlert>();
    const scored = new Set<string>();
    for (const result of scores) {
      scored.add(result.profile);
      const alert = existing.get(result.profile);
      if (alert) {
        if (changed(alert, result.score, result.reasons, message.text))
          plan.revisions.push({
            id: alert.id,
            score: result.score,
            reasons: result.reasons,
            text: message.text,
          });
      } else if (result.alert) {
        plan.drafts.push({
          chatId: message.chatId,
          chatTitle: message.chatTitle,
          messageId: message.messageId,
          profile: result.profile,
          score: result.score,
          reasons: result.reasons,
          text: message.text,
          senderName: message.senderName,
          link: message.link,
          messageDate: message.date,
        });
      }
    }
    for (const alert of existing.values()) {
      if (scored.has(alert.profile) || !profilesInForce.has(alert.profile)) continue;
      if (changed(alert, 0, [], message.text))
        plan.revisions.push({ id: alert.id, score: 0, reasons: [], text: message.text });
    }
  }
  return plan;
}

function changed(alert: StoredAlert, score: number, reasons: Reason[], text: string): boolean {
  return alert.score !== score || alert.text !== text || alert.reasons !== JSON.stringify(reasons);
}
