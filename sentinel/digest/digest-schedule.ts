/**
 * When scheduled digests are due. Pure: the caller passes the clock's time and, per schedule,
 * its mark (the end of its last run, or when the schedule was first seen). A schedule is due
 * once its next cron occurrence after the mark has passed; occurrences missed while the
 * sentinel was down collapse into one run that covers the whole gap.
 */
import { Cron } from "croner";
import type { DigestSchedule } from "../config-file.ts";
import { DIGEST_WEEKDAYS, type ProfileDigestSpec } from "../scoring/profile.ts";

/**
 * The first occurrence of `cron` strictly after `after`, or null if none. Evaluated in the
 * server's local time zone unless `timezone` (IANA name) is given.
 */
export function nextOccurrence(cron: string, after: Date, timezone?: string): Date | null {
  return new Cron(cron, { paused: true, ...(timezone ? { timezone } : {}) }).nextRun(after);
}

const EVERY_CRON = { hourly: "0 * * * *", "4h": "0 */4 * * *", "6h": "0 */6 * * *", "12h": "0 */12 * * *" };

/** The cron expression of a profile's digest schedule (at the hour's start, wall-clock time). */
export function profileDigestCron(spec: ProfileDigestSpec): string {
  if (spec.every === "daily" || spec.every === "weekly") {
    const hour = spec.at_hour ?? 0;
    if (spec.every === "daily") return `0 ${hour} * * *`;
    // cron weekdays count from Sunday = 0
    const day = (DIGEST_WEEKDAYS.indexOf(spec.weekday ?? "mon") + 1) % 7;
    return `0 ${hour} * * ${day}`;
  }
  return EVERY_CRON[spec.every];
}

/** The `digest_runs.schedule` of a profile's digest line; a renamed profile starts a new line. */
export function profileScheduleName(profile: string, every: ProfileDigestSpec["every"]): string {
  return `profile:${profile}:${every}`;
}

export interface ScheduleMark {
  schedule: DigestSchedule;
  /** Set for a profile's digest schedule: only that profile's alerts are listed. */
  profile?: string;
  /** End of the schedule's last run, or when it was first seen (its first run starts there). */
  mark: Date;
}

export interface DueDigest {
  schedule: DigestSchedule;
  profile?: string;
  /** The period starts at the mark... */
  since: Date;
  /** ...and the occurrence that made it due (the run itself ends at the time it runs). */
  occurrence: Date;
}

/** The schedules due at `now`, in the order given. */
export function dueSchedules(marks: readonly ScheduleMark[], now: Date): DueDigest[] {
  const due: DueDigest[] = [];
  for (const { schedule, mark, profile } of marks) {
    const occurrence = nextOccurrence(schedule.cron, mark);
    if (occurrence !== null && occurrence.getTime() <= now.getTime())
      due.push({ schedule, since: mark, occurrence, ...(profile !== undefined ? { profile } : {}) });
  }
  return due;
}

/** The earliest time any schedule becomes due, or null when none ever will. */
export function nextDue(marks: readonly ScheduleMark[]): Date | null {
  let earliest: Date | null = null;
  for (const { schedule, mark } of marks) {
    const occurrence = nextOccurrence(schedule.cron, mark);
    if (occurrence !== null && (earliest === null || occurrence < earliest)) earliest = occurrence;
  }
  return earliest;
}
