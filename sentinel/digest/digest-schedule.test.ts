import { describe, expect, it } from "vitest";
import { dueSchedules, nextDue, nextOccurrence } from "./digest-schedule.ts";

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
