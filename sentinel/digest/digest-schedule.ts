/**
 * When scheduled digests are due. Pure: the caller passes the clock's time and, per schedule,
 * its mark (the end of its last run, or when the schedule was first seen). A schedule is due
 * once its next cron occurrence after the mark has passed; occurrences missed while the
 * sentinel was down collapse into one run that covers the whole gap.
 */
import { Cron } from "croner";
import type { DigestSchedule } from "../config-file.ts";

/** The first occurrence of `cron` strictly after `after` (local time zone), or null if none. */
export function nextOccurrence(cron: string, after: Date): Date | null {
  return new Cron(cron, { paused: true }).nextRun(after);
}

export interface ScheduleMark {
  schedule: DigestSchedule;
  /** End of the schedule's last run, or when it was first seen (its first run starts there). */
  mark: Date;
}

export interface DueDigest {
  schedule: DigestSchedule;
  /** The period starts at the mark... */
  since: Date;
  /** ...and the occurrence that made it due (the run itself ends at the time it runs). */
  occurrence: Date;
}

/** The schedules due at `now`, in the order given. */
export function dueSchedules(marks: readonly ScheduleMark[], now: Date): DueDigest[] {
  const due: DueDigest[] = [];
  for (const { schedule, mark } of marks) {
    const occurrence = nextOccurrence(schedule.cron, mark);
    if (occurrence !== null && occurrence.getTime() <= now.getTime())
      due.push({ schedule, since: mark, occurrence });
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
