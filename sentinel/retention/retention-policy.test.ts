import { describe, expect, it } from "vitest";
import {
  DAY_MS,
  isExpired,
  keepsEverything,
  nextPurgeAfter,
  nextVacuumAfter,
  retentionCutoffs,
} from "./retention-policy.ts";

const NOW = new Date("2026-06-03T12:00:00Z");
const ago = (days: number, ms = 0) => new Date(NOW.getTime() - days * DAY_MS - ms);
const POLICY = { messagesDays: 30, alertedMessagesDays: 180, vacuumCron: "0 4 * * 0" };

describe("retention selection", () => {
  it("expires plain messages past messages_days and alerted ones past alerted_messages_days", () => {
    const cutoffs = retentionCutoffs(NOW, POLICY);
    expect(cutoffs).toEqual({ plainBefore: ago(30), alertedBefore: ago(180) });
    const cases: Array<[number, boolean, boolean]> = [
      [29, false, false],
      [30, false, false], // exactly at the cutoff: kept
      [30.001, false, true],
      [179, true, false],
      [180.001, true, true],
      [400, false, true],
    ];
    for (const [days, alerted, expired] of cases)
      expect(isExpired({ date: ago(days), alerted }, cutoffs), `${days} days, alerted ${alerted}`).toBe(
        expired,
      );
  });

  it("keeps forever what a 0-day age covers", () => {
    const alertedForever = retentionCutoffs(NOW, { ...POLICY, alertedMessagesDays: 0 });
    expect(isExpired({ date: ago(10_000), alerted: true }, alertedForever)).toBe(false);
    expect(isExpired({ date: ago(31), alerted: false }, alertedForever)).toBe(true);
    const off = { messagesDays: 0, alertedMessagesDays: 0, vacuumCron: null };
    expect(keepsEverything(off)).toBe(true);
    expect(isExpired({ date: ago(10_000), alerted: false }, retentionCutoffs(NOW, off))).toBe(false);
    expect(nextPurgeAfter(off, NOW)).toBeNull();
    expect(nextVacuumAfter(off, NOW)).toBeNull();
  });

  it("plans hourly purges at minute 17 and the VACUUM on its cron", () => {
    const after = new Date("2026-06-03T12:20:00");
    expect(nextPurgeAfter(POLICY, after)).toEqual(new Date("2026-06-03T13:17:00"));
    expect(nextVacuumAfter(POLICY, after)).toEqual(new Date("2026-06-07T04:00:00"));
  });
});
