/**
 * When 👎 votes on a profile's alerts raise that profile's threshold. Pure: the caller reads
 * votes and past adjustments from ui.db and applies the decision.
 *
 * - After {@link N_DOWN} 👎 within {@link WINDOW_MS}, with 👍 at most {@link MAX_UP_SHARE} of the
 *   votes, the threshold rises by {@link STEP_SHARE} of itself (at least {@link MIN_STEP}).
 * - It never rises more than {@link MAX_DRIFT} above the baseline: the threshold the user last set
 *   by hand (an edit that leaves the threshold different from the last automatic value resets it).
 * - 👍 votes never lower a threshold automatically: lowering it would bring back alerts the user
 *   has not seen and cannot vote on, so only the user (or a revert) lowers it.
 * - Votes count once: only votes cast after the profile's latest adjustment and after its latest
 *   revert count, so a reverted adjustment is not made again from the same votes (nor at once
 *   from votes cast before the user chose the lower threshold).
 */
export const N_DOWN = 3;
export const WINDOW_MS = 7 * 24 * 3_600_000;
export const MAX_UP_SHARE = 0.25;
export const STEP_SHARE = 0.1;
export const MIN_STEP = 0.25;
export const MAX_DRIFT = 0.5;

export type Verdict = "UP" | "DOWN";

export interface VoteView {
  verdict: Verdict;
  at: Date;
}

export interface AdjustmentView {
  /** Increasing with time (the row id). */
  id: number;
  from: number;
  to: number;
  at: Date;
  revertedAt: Date | null;
  /** The baseline recorded with the adjustment. */
  baseline: number;
}

/** Why an adjustment was made; stored as the adjustment's reason JSON. */
export interface AdjustmentReason {
  down_votes: number;
  up_votes: number;
  /** The vote window in days. */
  window: number;
  /** The hand-set threshold the drift cap is measured from. */
  baseline: number;
}

export type ThresholdDecision =
  | { kind: "raise"; from: number; to: number; reason: AdjustmentReason }
  | { kind: "none"; why: "not-enough-votes" | "too-many-up" | "at-cap" };

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** The latest adjustment still in effect, if the threshold is still the value it set. */
function chainHead(current: number, adjustments: AdjustmentView[]): AdjustmentView | null {
  const live = adjustments.filter((a) => a.revertedAt === null).sort((a, b) => b.id - a.id);
  const head = live[0];
  return head && head.to === current ? head : null;
}

/** The threshold the user last set by hand (the drift cap's reference). */
export function baselineOf(current: number, adjustments: AdjustmentView[]): number {
  return chainHead(current, adjustments)?.baseline ?? current;
}

/**
 * Decides whether the votes raise the threshold now.
 * @param votes the profile's current votes (any age; filtered here)
 * @param adjustments the profile's past adjustments, reverted ones included
 */
export function decideThreshold(input: {
  current: number;
  votes: VoteView[];
  adjustments: AdjustmentView[];
  now: Date;
}): ThresholdDecision {
  const { current, votes, adjustments, now } = input;
  const lastAt = Math.max(
    -Infinity,
    ...adjustments.map((a) => Math.max(a.at.getTime(), a.revertedAt?.getTime() ?? -Infinity)),
  );
  const since = Math.max(now.getTime() - WINDOW_MS, lastAt);
  const counted = votes.filter((v) => v.at.getTime() > since && v.at.getTime() <= now.getTime());
  const down = counted.filter((v) => v.verdict === "DOWN").length;
  const up = counted.length - down;
  if (down < N_DOWN) return { kind: "none", why: "not-enough-votes" };
  if (up / counted.length > MAX_UP_SHARE) return { kind: "none", why: "too-many-up" };
  const baseline = baselineOf(current, adjustments);
  const cap = round(baseline * (1 + MAX_DRIFT));
  const to = round(Math.min(current + Math.max(current * STEP_SHARE, MIN_STEP), cap));
  if (to <= current) return { kind: "none", why: "at-cap" };
  return {
    kind: "raise",
    from: current,
    to,
    reason: { down_votes: down, up_votes: up, window: WINDOW_MS / (24 * 3_600_000), baseline },
  };
}

/**
 * Whether an adjustment can be reverted now: not yet reverted, and the threshold is still what
 * the latest live adjustment set (a hand edit since then wins). Reverting it also reverts every
 * later live adjustment, which built on it.
 */
export function revertPlan(
  target: AdjustmentView,
  current: number,
  adjustments: AdjustmentView[],
): { ok: true; to: number; revertIds: number[] } | { ok: false; why: "already-reverted" | "edited-since" } {
  if (target.revertedAt !== null) return { ok: false, why: "already-reverted" };
  if (!chainHead(current, adjustments)) return { ok: false, why: "edited-since" };
  const revertIds = adjustments.filter((a) => a.revertedAt === null && a.id >= target.id).map((a) => a.id);
  return { ok: true, to: target.from, revertIds };
}
