/**
 * The dashboard's activity series, as the sentinel counts them (GraphQL `Stats.activity`:
 * messages by their date, alerts by creation, per clock hour and per day of its time zone),
 * plus the small live adjustment made while alerts stream in between two reloads.
 */

import type { ActivityPoint } from "./activity-chart.ts";

/** A series point as the Dashboard query returns it. */
export interface ActivityPointData {
  at: string;
  messages: number;
  alerts: number;
}

export interface ActivityData {
  hourly: ActivityPointData[];
  daily: ActivityPointData[];
}

export type ActivityRange = "hours" | "days";

/** Start of the local day containing `now` (the browser's zone). */
export function startOfDay(now: number): number {
  const d = new Date(now);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/** The chart's points for a range; empty when the sentinel reports no activity. */
export function activityPoints(
  activity: ActivityData | null | undefined,
  range: ActivityRange,
): ActivityPoint[] {
  const list = range === "hours" ? activity?.hourly : activity?.daily;
  return (list ?? []).map((p) => ({ at: p.at, messages: p.messages, alerts: p.alerts }));
}

/**
 * Counts one live alert created at `createdAt` into the bucket holding it (the last bucket whose
 * start is at or before it). Returns the list unchanged when it falls outside the series.
 */
export function withLiveAlert<T extends ActivityPointData>(points: readonly T[], createdAt: string): T[] {
  const time = Date.parse(createdAt);
  if (Number.isNaN(time) || points.length === 0) return [...points];
  let index = -1;
  for (let i = 0; i < points.length; i++) if (Date.parse(points[i]!.at) <= time) index = i;
  if (index === -1) return [...points];
  // A point after the last bucket's end is not in the series (a new bucket comes with the reload).
  const last = points[points.length - 1]!;
  const span = points.length > 1 ? Date.parse(last.at) - Date.parse(points[points.length - 2]!.at) : 0;
  if (index === points.length - 1 && span > 0 && time >= Date.parse(last.at) + span) return [...points];
  return points.map((p, i) => (i === index ? { ...p, alerts: p.alerts + 1 } : p));
}
