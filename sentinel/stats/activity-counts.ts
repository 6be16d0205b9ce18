/**
 * Counts messages (by their date) and alerts (by creation time) per activity bucket with one
 * GROUP BY statement per table. Each bucket joins its index range (messages.date,
 * alerts.created_at), so the cost is the rows inside the window, read from the index alone.
 */

import { sqliteDate } from "../alerts/alert-store.ts";
import type { PrismaClient } from "../db/generated/client.ts";
import type { ActivityBucket } from "./activity-buckets.ts";

/** One point of the series as GET /api/stats sends it. */
export interface ActivityPointJson {
  /** Start of the bucket (ISO, UTC). */
  at: string;
  messages: number;
  alerts: number;
}

interface CountRow {
  k: number | bigint;
  n: number | bigint;
}

const COUNT_SQL = {
  messages: `SELECT b.key AS k, count(m.date) AS n
               FROM json_each(?) AS b
               LEFT JOIN messages AS m
                 ON m.date >= json_extract(b.value, '$[0]') AND m.date < json_extract(b.value, '$[1]')
              GROUP BY b.key`,
  alerts: `SELECT b.key AS k, count(a.created_at) AS n
             FROM json_each(?) AS b
             LEFT JOIN alerts AS a
               ON a.created_at >= json_extract(b.value, '$[0]') AND a.created_at < json_extract(b.value, '$[1]')
            GROUP BY b.key`,
} as const;

/** Counts for every bucket, in the order given. */
export async function countActivity(
  prisma: PrismaClient,
  buckets: readonly ActivityBucket[],
): Promise<ActivityPointJson[]> {
  if (buckets.length === 0) return [];
  // Stored dates are ISO text in one format (sqliteDate), so text comparison is time order.
  const ranges = JSON.stringify(buckets.map((b) => [sqliteDate(b.start), sqliteDate(b.end)]));
  const [messages, alerts] = await Promise.all([
    prisma.$queryRawUnsafe<CountRow[]>(COUNT_SQL.messages, ranges),
    prisma.$queryRawUnsafe<CountRow[]>(COUNT_SQL.alerts, ranges),
  ]);
  const byKey = (rows: CountRow[]) => new Map(rows.map((r) => [Number(r.k), Number(r.n)]));
  const m = byKey(messages);
  const a = byKey(alerts);
  return buckets.map((b, i) => ({
    at: b.start.toISOString(),
    messages: m.get(i) ?? 0,
    alerts: a.get(i) ?? 0,
  }));
}
