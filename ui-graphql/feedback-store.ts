import { SentinelError } from "@tgsentinel/contract/envelope.ts";
import type { Alert, PrismaClient, Profile, ProfileAdjustment } from "./db/generated/client.ts";
import {
  type AdjustmentReason,
  type AdjustmentView,
  decideThreshold,
  revertPlan,
  type Verdict,
  WINDOW_MS,
} from "./feedback/threshold-policy.ts";
import { definitionOf, type ProfileStore, viewOf } from "./profile-store.ts";

/** The sentinel's threshold when a definition leaves it out (sentinel/scoring/profile.ts). */
const DEFAULT_THRESHOLD = 1;
const THRESHOLD_FIELD = "threshold";

/** What a vote did: the stored verdict and, when the votes raised the threshold, the adjustment. */
export interface FeedbackOutcome {
  alert: Alert;
  verdict: Verdict | null;
  adjustment: ProfileAdjustment | null;
  /** The error code when the votes called for an adjustment the sentinel did not take. */
  adjustmentError: string | null;
}

/** Thrown inside a profile change to push nothing and store nothing. */
class NoAdjustment extends Error {
  constructor() {
    super("no adjustment");
    this.name = "NoAdjustment";
  }
}

function thresholdOf(row: Profile): number {
  const value = definitionOf(row).threshold;
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : DEFAULT_THRESHOLD;
}

export function adjustmentReasonOf(row: ProfileAdjustment): Partial<AdjustmentReason> {
  try {
    const value = JSON.parse(row.reason);
    return value !== null && typeof value === "object" ? value : {};
  } catch {
    return {};
  }
}

function viewOfAdjustment(row: ProfileAdjustment): AdjustmentView {
  const baseline = adjustmentReasonOf(row).baseline;
  return {
    id: row.id,
    from: row.from,
    to: row.to,
    at: row.at,
    revertedAt: row.revertedAt,
    baseline: typeof baseline === "number" ? baseline : row.from,
  };
}

/** Pushes `threshold` for one profile as part of the full set (ProfileStore.change's plan). */
function withThreshold(current: Profile[], profileId: number, threshold: number) {
  return current.map((p) => {
    const view = viewOf(p);
    return p.id === profileId ? { ...view, definition: { ...view.definition, threshold } } : view;
  });
}

/**
 * 👍/👎 on alerts (ui.db) and the threshold adjustments they cause (threshold-policy.ts decides).
 * Adjustments and reverts run through ProfileStore.change: the full set is pushed to the
 * sentinel first and the adjustment stored only when it accepts.
 */
export class FeedbackStore {
  constructor(
    private readonly db: PrismaClient,
    private readonly profiles: ProfileStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Verdicts of the given alerts (absent: no vote). */
  async verdictsOf(alertIds: readonly number[]): Promise<Map<number, Verdict>> {
    const rows = await this.db.alertFeedback.findMany({ where: { alertId: { in: [...alertIds] } } });
    return new Map(rows.map((r) => [r.alertId, r.verdict as Verdict]));
  }

  /** Records (or with null removes) the vote on an alert; a 👎 may raise its profile's threshold. */
  async vote(alertId: number, verdict: Verdict | null, actor: string | null): Promise<FeedbackOutcome> {
    const alert = await this.db.alert.findUnique({ where: { id: alertId } });
    if (!alert) throw new SentinelError("NOT_FOUND", `No alert with id ${alertId}`);
    if (verdict === null) {
      await this.db.alertFeedback.deleteMany({ where: { alertId } });
      return { alert, verdict, adjustment: null, adjustmentError: null };
    }
    const before = await this.db.alertFeedback.findUnique({ where: { alertId } });
    // The same verdict again keeps its time: a vote counts once toward an adjustment.
    if (before?.verdict !== verdict) {
      const data = { profile: alert.profile, verdict, at: this.now(), actor };
      await this.db.alertFeedback.upsert({ where: { alertId }, create: { alertId, ...data }, update: data });
    }
    if (verdict !== "DOWN") return { alert, verdict, adjustment: null, adjustmentError: null };
    try {
      const adjustment = await this.adjust(alert.profile);
      return { alert, verdict, adjustment, adjustmentError: null };
    } catch (err) {
      // The vote stands; the adjustment is tried again on the next 👎.
      const code =
        (err as { remoteCode?: unknown; code?: unknown }).remoteCode ?? (err as { code?: unknown }).code;
      return {
        alert,
        verdict,
        adjustment: null,
        adjustmentError: typeof code === "string" ? code : "INTERNAL_ERROR",
      };
    }
  }

  /** Raises the named profile's threshold if its votes call for it; null when they do not. */
  async adjust(profileName: string): Promise<ProfileAdjustment | null> {
    try {
      return await this.profiles.change(async (current) => {
        const row = current.find((p) => p.name === profileName);
        if (!row) throw new NoAdjustment();
        const now = this.now();
        const [votes, past] = await Promise.all([
          this.db.alertFeedback.findMany({
            where: { profile: profileName, at: { gt: new Date(now.getTime() - WINDOW_MS) } },
          }),
          this.db.profileAdjustment.findMany({ where: { profileId: row.id, field: THRESHOLD_FIELD } }),
        ]);
        const decision = decideThreshold({
          current: thresholdOf(row),
          votes: votes.map((v) => ({ verdict: v.verdict as Verdict, at: v.at })),
          adjustments: past.map(viewOfAdjustment),
          now,
        });
        if (decision.kind !== "raise") throw new NoAdjustment();
        return {
          next: withThreshold(current, row.id, decision.to),
          commit: () =>
            this.db.$transaction(async (tx) => {
              await tx.profile.update({
                where: { id: row.id },
                data: { definition: JSON.stringify({ ...definitionOf(row), threshold: decision.to }) },
              });
              return tx.profileAdjustment.create({
                data: {
                  profileId: row.id,
                  field: THRESHOLD_FIELD,
                  from: decision.from,
                  to: decision.to,
                  reason: JSON.stringify(decision.reason),
                  at: now,
                },
              });
            }),
        };
      });
    } catch (err) {
      if (err instanceof NoAdjustment) return null;
      throw err;
    }
  }

  /** A profile's adjustments, newest first. */
  list(profileId: number): Promise<ProfileAdjustment[]> {
    return this.db.profileAdjustment.findMany({ where: { profileId }, orderBy: { id: "desc" } });
  }

  /**
   * Puts the threshold back to what it was before the adjustment (and reverts the later ones,
   * which built on it). Refused once the threshold was edited by hand since.
   */
  revert(id: number): Promise<ProfileAdjustment> {
    return this.profiles.change(async (current) => {
      const target = await this.db.profileAdjustment.findUnique({ where: { id } });
      if (!target) throw new SentinelError("NOT_FOUND", `No profile adjustment with id ${id}`);
      const row = current.find((p) => p.id === target.profileId);
      if (!row) throw new SentinelError("NOT_FOUND", `No profile adjustment with id ${id}`);
      const all = await this.db.profileAdjustment.findMany({
        where: { profileId: row.id, field: target.field },
      });
      const plan = revertPlan(viewOfAdjustment(target), thresholdOf(row), all.map(viewOfAdjustment));
      if (!plan.ok) {
        throw new SentinelError(
          "CONFLICT",
          plan.why === "already-reverted"
            ? "This adjustment was already reverted"
            : "The threshold was changed by hand since this adjustment; edit it in the profile instead",
        );
      }
      return {
        next: withThreshold(current, row.id, plan.to),
        commit: () =>
          this.db.$transaction(async (tx) => {
            await tx.profile.update({
              where: { id: row.id },
              data: { definition: JSON.stringify({ ...definitionOf(row), threshold: plan.to }) },
            });
            await tx.profileAdjustment.updateMany({
              where: { id: { in: plan.revertIds } },
              data: { revertedAt: this.now() },
            });
            return tx.profileAdjustment.findUniqueOrThrow({ where: { id } });
          }),
      };
    });
  }
}
