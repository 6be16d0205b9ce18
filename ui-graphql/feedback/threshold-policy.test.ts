import { describe, expect, it } from "vitest";
import {
  type AdjustmentView,
  baselineOf,
  decideThreshold,
  MAX_DRIFT,
  N_DOWN,
  revertPlan,
  type VoteView,
  WINDOW_MS,
} from "./threshold-policy.ts";

const NOW = new Date("2026-11-25T12:00:00Z");
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const HOUR = 3_600_000;

function votes(down: number, up = 0, at = ago(HOUR)): VoteView[] {
  return [
    ...Array.from({ length: down }, () => ({ verdict: "DOWN" as const, at })),
    ...Array.from({ length: up }, () => ({ verdict: "UP" as const, at })),
  ];
}

function adj(
  id: number,
  from: number,
  to: number,
  baseline: number,
  at: Date,
  reverted = false,
): AdjustmentView {
  return { id, from, to, baseline, at, revertedAt: reverted ? at : null };
}

describe("decideThreshold", () => {
  it("waits for N_DOWN 👎 within the window", () => {
    expect(decideThreshold({ current: 2, votes: votes(N_DOWN - 1), adjustments: [], now: NOW })).toEqual({
      kind: "none",
      why: "not-enough-votes",
    });
    const old = votes(N_DOWN, 0, ago(WINDOW_MS + HOUR));
    expect(decideThreshold({ current: 2, votes: old, adjustments: [], now: NOW }).kind).toBe("none");
  });

  it("raises by 10% of the threshold, at least 0.25", () => {
    const big = decideThreshold({ current: 5, votes: votes(N_DOWN), adjustments: [], now: NOW });
    expect(big).toMatchObject({ kind: "raise", from: 5, to: 5.5 });
    const small = decideThreshold({ current: 1, votes: votes(N_DOWN), adjustments: [], now: NOW });
    expect(small).toMatchObject({ kind: "raise", from: 1, to: 1.25 });
    expect(small.kind === "raise" && small.reason).toEqual({
      down_votes: 3,
      up_votes: 0,
      window: 7,
      baseline: 1,
    });
  });

  it("does not raise when 👍 are more than a small share", () => {
    expect(decideThreshold({ current: 2, votes: votes(3, 2), adjustments: [], now: NOW })).toEqual({
      kind: "none",
      why: "too-many-up",
    });
    expect(decideThreshold({ current: 2, votes: votes(3, 1), adjustments: [], now: NOW }).kind).toBe("raise");
  });

  it("counts only votes after the latest revert", () => {
    const revertedLater = [{ ...adj(1, 2, 2.25, 2, ago(3 * HOUR)), revertedAt: ago(30 * 60_000) }];
    expect(
      decideThreshold({ current: 2, votes: votes(N_DOWN), adjustments: revertedLater, now: NOW }).kind,
    ).toBe("none");
  });

  it("counts only votes after the latest adjustment, reverted or not", () => {
    const reverted = [adj(1, 2, 2.25, 2, ago(30 * 60_000), true)];
    expect(decideThreshold({ current: 2, votes: votes(N_DOWN), adjustments: reverted, now: NOW }).kind).toBe(
      "none",
    );
    const fresh = votes(N_DOWN, 0, ago(60_000));
    expect(decideThreshold({ current: 2, votes: fresh, adjustments: reverted, now: NOW }).kind).toBe("raise");
  });

  it("caps the drift at MAX_DRIFT above the hand-set baseline", () => {
    const chain = [adj(1, 2, 2.25, 2, ago(3 * HOUR)), adj(2, 2.25, 2.9, 2, ago(2 * HOUR))];
    const capped = decideThreshold({ current: 2.9, votes: votes(N_DOWN), adjustments: chain, now: NOW });
    expect(capped).toMatchObject({ kind: "raise", from: 2.9, to: 2 * (1 + MAX_DRIFT) });
    const atCap = [...chain, adj(3, 2.9, 3, 2, ago(90 * 60_000))];
    expect(decideThreshold({ current: 3, votes: votes(N_DOWN), adjustments: atCap, now: NOW })).toEqual({
      kind: "none",
      why: "at-cap",
    });
  });

  it("a hand edit of the threshold resets the baseline", () => {
    const chain = [adj(1, 2, 3, 2, ago(2 * HOUR))];
    expect(baselineOf(3, chain)).toBe(2);
    expect(baselineOf(4, chain)).toBe(4);
    expect(decideThreshold({ current: 4, votes: votes(N_DOWN), adjustments: chain, now: NOW })).toMatchObject(
      {
        kind: "raise",
        to: 4.4,
        reason: { baseline: 4 },
      },
    );
  });
});

describe("revertPlan", () => {
  const chain = [adj(1, 2, 2.25, 2, ago(3 * HOUR)), adj(2, 2.25, 2.5, 2, ago(2 * HOUR))];

  it("restores the adjustment's starting threshold and reverts the later ones built on it", () => {
    expect(revertPlan(chain[0]!, 2.5, chain)).toEqual({ ok: true, to: 2, revertIds: [1, 2] });
    expect(revertPlan(chain[1]!, 2.5, chain)).toEqual({ ok: true, to: 2.25, revertIds: [2] });
  });

  it("refuses after a hand edit or a second revert", () => {
    expect(revertPlan(chain[1]!, 3, chain)).toEqual({ ok: false, why: "edited-since" });
    const done = [chain[0]!, { ...chain[1]!, revertedAt: NOW }];
    expect(revertPlan(done[1]!, 2.25, done)).toEqual({ ok: false, why: "already-reverted" });
    expect(revertPlan(done[0]!, 2.25, done)).toEqual({ ok: true, to: 2, revertIds: [1] });
  });
});
