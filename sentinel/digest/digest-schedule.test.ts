import { describe, expect, it } from "vitest";
import {
  dueSchedules,
  nextDue,
  nextOccurrence,
  profileDigestCron,
  profileScheduleName,
} from "./digest-schedule.ts";

const hourly = { name: "hourly", cron: "0 * * * *", topN: 5 };
const daily = { name: "daily", cron: "0 8 * * *", topN: 20 };
const at = (iso: string) => new Date(iso);

// Hourly boundaries are the same in every whole-hour time zone; daily ones are checked relative
// to what croner computes, so the test holds in any zone the machine is set to.
describe("digest schedules", () => {
  it("finds the next occurrence strictly after a time", () => {
    expect(nextOccurrence("0 * * * *", at("2026-03-01T10:00:00Z"))?.toISOString()).toBe(
      "2026-03-01T11:00:00.000Z",
    );
    expect(nextOccurrence("0 * * * *", at("2026-03-01T09:59:59Z"))?.toISOString()).toBe(
      "2026-03-01T10:00:00.000Z",
    );
  });

  it("is due once the next occurrence after the mark has passed", () => {
    const marks = [{ schedule: hourly, mark: at("2026-03-01T10:00:00Z") }];
    expect(dueSchedules(marks, at("2026-03-01T10:59:59.999Z"))).toEqual([]);
    expect(dueSchedules(marks, at("2026-03-01T11:00:00Z"))).toEqual([
      { schedule: hourly, since: at("2026-03-01T10:00:00Z"), occurrence: at("2026-03-01T11:00:00Z") },
    ]);
  });

  it("collapses occurrences missed while down into one run covering the gap", () => {
    const marks = [{ schedule: hourly, mark: at("2026-03-01T10:00:00Z") }];
    const due = dueSchedules(marks, at("2026-03-01T15:30:00Z"));
    expect(due).toHaveLength(1);
    expect(due[0]!.since).toEqual(at("2026-03-01T10:00:00Z"));
  });

  it("reports each schedule separately and the earliest wake-up", () => {
    const mark = at("2026-03-01T10:30:00Z");
    const marks = [
      { schedule: daily, mark },
      { schedule: hourly, mark },
    ];
    const dailyNext = nextOccurrence(daily.cron, mark)!;
    expect(nextDue(marks)).toEqual(
      new Date(Math.min(at("2026-03-01T11:00:00Z").getTime(), dailyNext.getTime())),
    );
    expect(dueSchedules(marks, dailyNext).map((d) => d.schedule.name)).toEqual(["daily", "hourly"]);
    expect(nextDue([])).toBeNull();
  });
});

describe("profile digest schedules", () => {
  /** The next `n` occurrences after `from` in `zone`. */
  function occurrences(cron: string, from: string, n: number, zone: string): string[] {
    const out: string[] = [];
    let after = at(from);
    for (let i = 0; i < n; i++) {
      after = nextOccurrence(cron, after, zone)!;
      out.push(after.toISOString());
    }
    return out;
  }

  it("maps each kind to a cron expression at the start of an hour", () => {
    expect(profileDigestCron({ every: "hourly", top_n: 20 })).toBe("0 * * * *");
    expect(profileDigestCron({ every: "4h", top_n: 20 })).toBe("0 */4 * * *");
    expect(profileDigestCron({ every: "6h", top_n: 20 })).toBe("0 */6 * * *");
    expect(profileDigestCron({ every: "12h", top_n: 20 })).toBe("0 */12 * * *");
    expect(profileDigestCron({ every: "daily", at_hour: 7, top_n: 20 })).toBe("0 7 * * *");
    expect(profileDigestCron({ every: "weekly", at_hour: 18, weekday: "sun", top_n: 20 })).toBe("0 18 * * 0");
    expect(profileDigestCron({ every: "weekly", at_hour: 0, weekday: "mon", top_n: 20 })).toBe("0 0 * * 1");
    expect(profileDigestCron({ every: "weekly", at_hour: 9, weekday: "sat", top_n: 20 })).toBe("0 9 * * 6");
    expect(profileScheduleName("crypto", "4h")).toBe("profile:crypto:4h");
  });

  it("fires at wall-clock hours of a fixed-offset zone (UTC+3)", () => {
    const zone = "Etc/GMT-3"; // POSIX sign: three hours east of UTC
    expect(occurrences("0 */4 * * *", "2026-06-01T00:30:00Z", 3, zone)).toEqual([
      "2026-06-01T01:00:00.000Z", // 04:00 local
      "2026-06-01T05:00:00.000Z",
      "2026-06-01T09:00:00.000Z",
    ]);
    expect(occurrences("0 */12 * * *", "2026-06-01T00:30:00Z", 2, zone)).toEqual([
      "2026-06-01T09:00:00.000Z", // 12:00 local
      "2026-06-01T21:00:00.000Z", // 00:00 local next day
    ]);
    // Weekly on Monday at 08:00 local: 2026-06-01 is a Monday.
    expect(occurrences("0 8 * * 1", "2026-06-01T05:00:00Z", 2, zone)).toEqual([
      "2026-06-08T05:00:00.000Z",
      "2026-06-15T05:00:00.000Z",
    ]);
  });

  it("keeps wall-clock hours across the DST change in Europe/Berlin", () => {
    const zone = "Europe/Berlin";
    // Daily at 08:00: UTC+1 before 2026-03-29, UTC+2 after; back on 2026-10-25.
    expect(occurrences("0 8 * * *", "2026-03-27T12:00:00Z", 3, zone)).toEqual([
      "2026-03-28T07:00:00.000Z",
      "2026-03-29T06:00:00.000Z",
      "2026-03-30T06:00:00.000Z",
    ]);
    expect(occurrences("0 8 * * *", "2026-10-24T12:00:00Z", 2, zone)).toEqual([
      "2026-10-25T07:00:00.000Z",
      "2026-10-26T07:00:00.000Z",
    ]);
    // Every 6 hours across the spring change: 00:00 CET, then 06:00 CEST.
    expect(occurrences("0 */6 * * *", "2026-03-28T22:30:00Z", 2, zone)).toEqual([
      "2026-03-28T23:00:00.000Z",
      "2026-03-29T04:00:00.000Z",
    ]);
  });
});
