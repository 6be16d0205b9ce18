/**
 * Which messages retention deletes, and when it runs. Pure: the clock's time and the settings in,
 * cutoffs and due times out. The SQL in retention-store.ts selects exactly what `isExpired` says
 * (a test checks both against the same rows).
 *
 * A message is expired when it is older (by its Telegram date) than `messages_days`, or, if it
 * produced an alert, older than `alerted_messages_days`. 0 days keeps messages forever.
 */
import type { RetentionSettings } from "../config-file.ts";
import { nextOccurrence } from "../digest/digest-schedule.ts";

export const DAY_MS = 86_400_000;
/** Deletion runs at minute 17 of every hour (and once shortly after start). */
export const RETENTION_PURGE_CRON = "17 * * * *";
/** Messages deleted per statement: each batch holds the database for milliseconds only. */
export const RETENTION_BATCH = 500;
/** Pause between two batches, so ingestion and the API get the database in between. */
export const RETENTION_BATCH_PAUSE_MS = 25;

export interface RetentionCutoffs {
  /** Messages without an alert dated before this are expired; null: kept forever. */
  plainBefore: Date | null;
  /** Messages with an alert dated before this are expired; null: kept forever. */
  alertedBefore: Date | null;
}

export function retentionCutoffs(now: Date, policy: RetentionSettings): RetentionCutoffs {
  const before = (days: number) => (days > 0 ? new Date(now.getTime() - days * DAY_MS) : null);
  return { plainBefore: before(policy.messagesDays), alertedBefore: before(policy.alertedMessagesDays) };
}

export function isExpired(message: { date: Date; alerted: boolean }, cutoffs: RetentionCutoffs): boolean {
  const cutoff = message.alerted ? cutoffs.alertedBefore : cutoffs.plainBefore;
  return cutoff !== null && message.date.getTime() < cutoff.getTime();
}

/** True when the policy can never delete anything (both ages 0). */
export function keepsEverything(policy: RetentionSettings): boolean {
  return policy.messagesDays === 0 && policy.alertedMessagesDays === 0;
}

/** The next hourly purge after `after` (null when the policy keeps everything). */
export function nextPurgeAfter(policy: RetentionSettings, after: Date): Date | null {
  return keepsEverything(policy) ? null : nextOccurrence(RETENTION_PURGE_CRON, after);
}

/** The next VACUUM after `mark` (the last one, or when the schedule was first seen); null when off. */
export function nextVacuumAfter(policy: RetentionSettings, mark: Date): Date | null {
  return policy.vacuumCron === null ? null : nextOccurrence(policy.vacuumCron, mark);
}
