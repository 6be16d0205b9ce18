/**
 * Turns a scored batch into alerts: plans it (alert-plan.ts), holds new alerts to the hourly caps
 * (counted in the TtlStore), writes everything in one transaction, and only then announces the
 * new alerts, so a subscriber that reads GET /api/alerts on `alert_created` always finds them.
 */
import type { TtlStore } from "@tgsentinel/contract/ttl-store.ts";
import { type AlertCaps, CAP_WINDOW_MS, capKeys, capVerdict, hourStart } from "./alert-caps.ts";
import { type AlertDraft, planAlerts, type ScoredBatchEntry, type StoredAlert } from "./alert-plan.ts";
import type { AlertStore, CreatedAlert, MessageKey, RevisedAlert, SuppressionCount } from "./alert-store.ts";

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

export interface RecordOptions {
  /**
   * The alerts already stored for the batch's messages, read beforehand with `storedFor` (after
   * the previous batch was recorded); read here when absent.
   */
  stored?: Promise<StoredAlert[]>;
  /** Sets the batch's messages' scored_at to this time, in the same transaction as its alerts. */
  scoredAt?: Date;
}

export class AlertRecorder {
  constructor(private readonly options: AlertRecorderOptions) {}

  /** The alerts stored for these messages (every profile), as `record` plans against them. */
  storedFor(messages: readonly MessageKey[]): Promise<StoredAlert[]> {
    return this.options.store.storedFor(messages);
  }

  async record(
    batch: readonly ScoredBatchEntry[],
    profilesInForce: ReadonlySet<string>,
    options: RecordOptions = {},
  ): Promise<RecordOutcome> {
    const { store } = this.options;
    const stored = await (options.stored ?? store.storedFor(batch.map((entry) => entry.message)));
    const plan = planAlerts(batch, stored, profilesInForce);
    const { allowed, suppressed, capped } = await this.applyCaps(plan.drafts);
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
      ...(options.scoredAt
        ? {
            scored: {
              keys: batch.map((entry) => [entry.message.chatId, entry.message.messageId] as const),
              at: options.scoredAt,
            },
          }
        : {}),
    });
    if (capped) await this.countCreated(created);
    // Started in id order without waiting for each other: the publishes share one Redis
    // connection, which keeps their order, so a batch costs one round trip instead of one per alert.
    await Promise.all(created.map((alert) => this.options.announce(alert)));
    const announceUpdate = this.options.announceUpdate;
    if (announceUpdate) await Promise.all(revised.map((alert) => announceUpdate(alert)));
    return { created, revised, suppressed };
  }

  /**
   * Checks each draft against both counters. The counters are read once per batch (all keys in
   * one round trip) and the drafts decided in order against those counts plus the batch's own, so
   * counts within the batch are exact; the alerts are counted once committed (`countCreated`). If
   * the TtlStore is unreachable (Redis down) alerts are let through (`capped` false): losing an
   * alert is worse than exceeding a cap.
   */
  private async applyCaps(drafts: readonly AlertDraft[]): Promise<{
    allowed: AlertDraft[];
    suppressed: RecordOutcome["suppressed"];
    capped: boolean;
  }> {
    const { ttl, caps } = this.options;
    const suppressed: RecordOutcome["suppressed"] = [];
    if (drafts.length === 0) return { allowed: [], suppressed, capped: true };
    const keysOf = drafts.map((draft) => capKeys(draft.chatId, draft.profile));
    const counts = new Map<string, number>();
    for (const keys of keysOf) counts.set(keys.chat, 0).set(keys.profile, 0);
    try {
      const keys = [...counts.keys()];
      const values = await ttl.getMany(keys);
      for (const [i, key] of keys.entries()) counts.set(key, Number(values[i] ?? 0));
    } catch (error) {
      this.warnCapsUnavailable(error);
      return { allowed: [...drafts], suppressed, capped: false };
    }
    const allowed: AlertDraft[] = [];
    drafts.forEach((draft, i) => {
      const keys = keysOf[i]!;
      const verdict = capVerdict({ chat: counts.get(keys.chat)!, profile: counts.get(keys.profile)! }, caps);
      if (!verdict.allowed) {
        suppressed.push({ chatId: draft.chatId, profile: draft.profile, cap: verdict.cap });
        return;
      }
      counts.set(keys.chat, counts.get(keys.chat)! + 1).set(keys.profile, counts.get(keys.profile)! + 1);
      allowed.push(draft);
    });
    return { allowed, suppressed, capped: true };
  }

  /**
   * Counts the alerts the batch actually created (committed; an alert that already existed is not
   * one) against their chat's and profile's caps, one increment per counter, sent together.
   */
  private async countCreated(created: readonly CreatedAlert[]): Promise<void> {
    if (created.length === 0) return;
    const increments = new Map<string, number>();
    for (const alert of created) {
      const keys = capKeys(alert.chatId, alert.profile);
      increments.set(keys.chat, (increments.get(keys.chat) ?? 0) + 1);
      increments.set(keys.profile, (increments.get(keys.profile) ?? 0) + 1);
    }
    try {
      await this.options.ttl.incrMany(increments, CAP_WINDOW_MS);
    } catch (error) {
      this.warnCapsUnavailable(error);
    }
  }

  private warnCapsUnavailable(error: unknown): void {
    this.options.log.warn(
      { error: error instanceof Error ? error.message : String(error) },
      "alert caps unavailable (rate-limit store unreachable); alerts are not capped for this batch",
    );
  }
}
