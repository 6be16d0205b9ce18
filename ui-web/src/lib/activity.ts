/**
 * The dashboard's activity series: alerts per hour bucketed here from the alert cache, messages
 * per hour taken from the sentinel's stats when it reports a timeline (`raw.timeline` or
 * `raw.activity`: `[{ at, messages }]`).
 */

import type { ActivityPoint } from "./activity-chart.ts";

const HOUR = 3600_000;

/** Start of the local day containing `now`. */
export function startOfDay(now: number): number {
  const d = new Date(now);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/** Reads an hourly messages series from the stats' raw object; empty when there is none. */
export function messageSeriesOf(raw: unknown): Map<number, number> {
  const series = new Map<number, number>();
  if (raw === null || typeof raw !== "object") return series;
  const record = raw as Record<string, unknown>;
  const list = record.timeline ?? record.activity;
  if (!Array.isArray(list)) return series;
  for (const item of list) {
    if (item === null || typeof item !== "object") continue;
    const { at, messages } = item as { at?: unknown; messages?: unknown };
    const time = typeof at === "string" ? Date.parse(at) : Number.NaN;
    if (Number.isNaN(time) || typeof messages !== "number") continue;
    const hour = Math.floor(time / HOUR) * HOUR;
    series.set(hour, (series.get(hour) ?? 0) + messages);
  }
  return series;
}

/**
 * `hours` hourly points ending with the current hour: alerts counted from their creation times,
 * messages from `messages` (null everywhere when that series is empty).
 */
export function hourlyActivity(
  alertTimes: readonly string[],
  messages: Map<number, number>,
  now: number,
  hours = 24,
): ActivityPoint[] {
  const lastHour = Math.floor(now / HOUR) * HOUR;
  const firstHour = lastHour - (hours - 1) * HOUR;
  const alerts = new Map<number, number>();
  for (const iso of alertTimes) {
    const time = Date.parse(iso);
    if (Number.isNaN(time) || time < firstHour || time >= lastHour + HOUR) continue;
    const hour = Math.floor(time / HOUR) * HOUR;
    alerts.set(hour, (alerts.get(hour) ?? 0) + 1);
  }
  const hasMessages = messages.size > 0;
  const points: ActivityPoint[] = [];
  for (let hour = firstHour; hour <= lastHour; hour += HOUR) {
    points.push({
      at: new Date(hour).toISOString(),
      alerts: alerts.get(hour) ?? 0,
      messages: hasMessages ? (messages.get(hour) ?? 0) : null,
    });
  }
  return points;
}
