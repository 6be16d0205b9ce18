import { afterEach, describe, expect, it } from "vitest";
import { activityBuckets } from "./activity-buckets.ts";

const originalTz = process.env.TZ;
afterEach(() => {
  if (originalTz === undefined) delete process.env.TZ;
  else process.env.TZ = originalTz;
});

const iso = (d: Date) => d.toISOString();

describe("activityBuckets", () => {
  it("gives 24 clock hours ending with the current one and 14 days ending today (UTC)", () => {
    process.env.TZ = "UTC";
    const { hourly, daily } = activityBuckets(new Date("2026-03-10T12:34:56Z"));
    expect(hourly).toHaveLength(24);
    expect(iso(hourly[0]!.start)).toBe("2026-03-09T13:00:00.000Z");
    expect(iso(hourly.at(-1)!.start)).toBe("2026-03-10T12:00:00.000Z");
    expect(iso(hourly.at(-1)!.end)).toBe("2026-03-10T13:00:00.000Z");
    expect(daily).toHaveLength(14);
    expect(iso(daily.at(-1)!.start)).toBe("2026-03-10T00:00:00.000Z");
    expect(iso(daily[0]!.start)).toBe("2026-02-25T00:00:00.000Z");
    // Buckets tile the window: each ends where the next starts.
    for (const list of [hourly, daily])
      for (let i = 1; i < list.length; i++) expect(list[i]!.start).toEqual(list[i - 1]!.end);
  });

  it("starts days at local midnight in the server's zone, with 23-hour DST days", () => {
    process.env.TZ = "Europe/Berlin";
    const { daily } = activityBuckets(new Date("2026-03-30T08:00:00Z"));
    // Today in Berlin (CEST, UTC+2) began at 22:00 UTC the day before.
    expect(iso(daily.at(-1)!.start)).toBe("2026-03-29T22:00:00.000Z");
    // 29 March 2026 is the spring-forward day: it began at 23:00 UTC (CET) and lasted 23 hours.
    const dstDay = daily.at(-2)!;
    expect(iso(dstDay.start)).toBe("2026-03-28T23:00:00.000Z");
    expect(dstDay.end.getTime() - dstDay.start.getTime()).toBe(23 * 3_600_000);
  });

  it("follows half-hour zones for hours and days", () => {
    process.env.TZ = "Asia/Kolkata";
    const { hourly, daily } = activityBuckets(new Date("2026-03-10T12:10:00Z"));
    // 17:40 in Kolkata: the current hour began at 17:00 local = 11:30 UTC.
    expect(iso(hourly.at(-1)!.start)).toBe("2026-03-10T11:30:00.000Z");
    expect(iso(daily.at(-1)!.start)).toBe("2026-03-09T18:30:00.000Z");
  });
});
