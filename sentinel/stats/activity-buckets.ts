/**
 * The time buckets of the activity series in GET /api/stats: clock hours and calendar days in
 * the server's time zone (process TZ). Pure: the SQL that counts rows per bucket lives in
 * activity-counts.ts.
 */

/** A half-open time range [start, end) with the key its counts are reported under. */
export interface ActivityBucket {
  start: Date;
  end: Date;
}

export interface ActivityBuckets {
  /** The last `hours` clock hours, oldest first; the last one holds `now`. */
  hourly: ActivityBucket[];
  /** The last `days` local calendar days, oldest first; the last one is today. */
  daily: ActivityBucket[];
}

export const ACTIVITY_HOURS = 24;
export const ACTIVITY_DAYS = 14;
const HOUR_MS = 3_600_000;

/** Start of the local clock hour holding `at`. */
export function hourStart(at: Date): Date {
  const d = new Date(at);
  d.setMinutes(0, 0, 0);
  return d;
}

/** Local midnight of the day holding `at`, moved by `offsetDays` calendar days. */
export function localMidnight(at: Date, offsetDays = 0): Date {
  // The Date constructor takes local fields and normalises them, so DST days are 23 or 25 h long.
  return new Date(at.getFullYear(), at.getMonth(), at.getDate() + offsetDays);
}

export function activityBuckets(now: Date, options: { hours?: number; days?: number } = {}): ActivityBuckets {
  const hours = options.hours ?? ACTIVITY_HOURS;
  const days = options.days ?? ACTIVITY_DAYS;
  const lastHour = hourStart(now).getTime();
  const hourly = Array.from({ length: hours }, (_, i) => {
    const start = lastHour - (hours - 1 - i) * HOUR_MS;
    return { start: new Date(start), end: new Date(start + HOUR_MS) };
  });
  const daily = Array.from({ length: days }, (_, i) => {
    const offset = i - (days - 1);
    return { start: localMidnight(now, offset), end: localMidnight(now, offset + 1) };
  });
  return { hourly, daily };
}

/** The server's time zone name (IANA), as day boundaries are computed in it. */
export function serverTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}
