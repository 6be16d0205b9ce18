/**
 * Turns a scored batch into alerts: plans it (alert-plan.ts), holds new alerts to the hourly caps
 * (counted in the TtlStore), writes everything in one transaction, and only then announces the
 * new alerts, so a subscriber that reads GET /api/alerts on `alert_created` always finds them.
 */
import type { TtlStore } from "@tgsentinel/contract/ttl-store.ts";
import { type AlertCaps, CAP_WINDOW_MS, capKeys, capVerdict, hourStart } from "./alert-caps.ts";
import { type AlertDraft, planAlerts, type ScoredBatchEntry } from "./alert-plan.ts";
import type { AlertStore, CreatedAlert, RevisedAlert, SuppressionCount } from "./alert-store.ts";

export interface RecordOutcome {
  created: CreatedAlert[];
  revised: RevisedAlert[];
  /** Matches held back by a cap. */
  suppressed: Array<{ chatId: string; profile: string; cap: "chat" | "profile" }>;
}

export interface AlertRecorderOptions {
  store: AlertStore;
  ttl: TtlStore;
  caps: AlertCaps;
  /** Called for each new alert after its transaction committed, in id order. */
  announce: (alert: CreatedAlert) => Promise<void>;
  /** Called for each revised alert after its transaction committed, in id order. */
  announceUpdate?: (alert: RevisedAlert) => Promise<void>;
  now: () => Date;
  log: { warn(obj: object, msg?: string): void };
}

export class AlertRecorder {
  constructor(private readonly options: AlertRecorderOptions) {}

  async record(
    batch: readonly ScoredBatchEntry[],
    profilesInForce: ReadonlySet<string>,
  ): Promise<RecordOutcome> {
    const { store } = this.options;
    const stored = await store.storedFor(batch.map((entry) => entry.message));
    const plan = planAlerts(batch, stored, profilesInForce);
    const { allowed, suppressed } = await this.applyCaps(plan.drafts);
    const now = this.options.now();
    const hour = hourStart(now);
    const counts = new Map<string, SuppressionCount>();
    for (const s of suppressed) {
      const k = `${s.chatId}\u0000${s.profile}`;
      const entry = counts.get(k);
      if (entry) entry.count += 1;
      else counts.set(k, { chatId: s.chatId, profile: s.profile, hour, count: 1 });
    }
    const { created, revised } = await store.write({
      drafts: allowed,
      revisions: plan.revisions,
      suppressions: [...counts.values()],
      createdAt: now,
    });
    for (const alert of created) await this.options.announce(alert);
    for (const alert of revised) await this.options.announceUpdate?.(alert);
    return { created, revised, suppressed };
  }

  /**
   * Checks each draft against both counters and counts it when allowed. Drafts are taken one
   * at a time, so counts within the batch are exact. If the TtlStore is unreachable (Redis
   * down) alerts are let through: losing an alert is worse than exceeding a cap.
   */
  private async applyCaps(drafts: readonly AlertDraft[]): Promise<{
    allowed: AlertDraft[];
    suppressed: RecordOutcome["suppressed"];
  }> {
    const { ttl, caps, log } = this.options;
    const allowed: AlertDraft[] = [];
    const suppressed: RecordOutcome["suppressed"] = [];
    let storeDown = false;
    for (const draft of drafts) {
      if (storeDown) {
        allowed.push(draft);
        continue;
      }
      const keys = capKeys(draft.chatId, draft.profile);
      try {
        const [chat, profile] = await Promise.all([ttl.get(keys.chat), ttl.get(keys.profile)]);
        const verdict = capVerdict({ chat: Number(chat ?? 0), profile: Number(profile ?? 0) }, caps);
        if (!verdict.allowed) {
          suppressed.push({ chatId: draft.chatId, profile: draft.profile, cap: verdict.cap });
          continue;
        }
        await Promise.all([ttl.incr(keys.chat, CAP_WINDOW_MS), ttl.incr(keys.profile, CAP_WINDOW_MS)]);
        allowed.push(draft);
      } catch (error) {
        storeDown = true;
        log.warn(
          { error: error instanceof Error ? error.message : String(error) },
          "alert caps unavailable (rate-limit store unreachable); alerts are not capped for this batch",
        );
        allowed.push(draft);
      }
    }
    return { allowed, suppressed };
  }
}
