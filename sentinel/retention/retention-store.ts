/**
 * sentinel.db access for retention: expired messages deleted in small batches (oldest first, one
 * short statement each), finished webhook deliveries past their age, and VACUUM when pages are
 * free. The selection mirrors `isExpired` in retention-policy.ts.
 */
import { performance } from "node:perf_hooks";
import { sqliteDate } from "../alerts/alert-store.ts";
import type { PrismaClient } from "../db/generated/client.ts";
import type { RetentionCutoffs } from "./retention-policy.ts";

export interface VacuumOutcome {
  /** True when there was nothing to reclaim (no free pages), so VACUUM did not run. */
  skipped: boolean;
  pagesBefore: number;
  pagesAfter: number;
  freePagesBefore: number;
  pageSize: number;
  durationMs: number;
}

const ALERTED = `EXISTS (SELECT 1 FROM alerts AS a WHERE a.chat_id = m.chat_id AND a.message_id = m.message_id)`;

export class RetentionStore {
  constructor(private readonly db: PrismaClient) {}

  /**
   * Deletes at most `limit` expired messages, oldest first; returns how many of each kind.
   * Call again until it deletes fewer than `limit`.
   */
  async deleteExpiredBatch(
    cutoffs: RetentionCutoffs,
    limit: number,
  ): Promise<{ plain: number; alerted: number }> {
    if (cutoffs.plainBefore === null) return { plain: 0, alerted: 0 };
    const plainBefore = sqliteDate(cutoffs.plainBefore);
    const alertedBefore = cutoffs.alertedBefore === null ? null : sqliteDate(cutoffs.alertedBefore);
    // One short transaction: the rows chosen are the rows deleted, even if an alert arrives meanwhile.
    return this.db.$transaction(async (tx) => {
      // The alerted cutoff is never later than the plain one (a config rule), so the date index
      // bounds the scan by the plain cutoff.
      const rows = await tx.$queryRawUnsafe<Array<{ id: number | bigint; alerted: number | bigint }>>(
        `SELECT m.id AS id, ${ALERTED} AS alerted
           FROM messages AS m
          WHERE m.date < ?
            AND (NOT ${ALERTED} OR (? IS NOT NULL AND m.date < ?))
          ORDER BY m.date
          LIMIT ?`,
        plainBefore,
        alertedBefore,
        alertedBefore,
        limit,
      );
      const counts = { plain: 0, alerted: 0 };
      if (rows.length === 0) return counts;
      for (const row of rows) counts[Number(row.alerted) ? "alerted" : "plain"] += 1;
      await tx.$executeRawUnsafe(
        "DELETE FROM messages WHERE id IN (SELECT value FROM json_each(?))",
        JSON.stringify(rows.map((row) => Number(row.id))),
      );
      return counts;
    });
  }

  /** Deletes at most `limit` finished webhook deliveries created before `before`. */
  async deleteWebhookDeliveriesBatch(before: Date, limit: number): Promise<number> {
    return this.db.$executeRawUnsafe(
      `DELETE FROM webhook_deliveries WHERE id IN (
         SELECT id FROM webhook_deliveries WHERE status <> 'pending' AND created_at < ? ORDER BY id LIMIT ?)`,
      sqliteDate(before),
      limit,
    );
  }

  async pages(): Promise<{ pageCount: number; freePages: number; pageSize: number }> {
    const [count, free, size] = await Promise.all([
      this.pragma("page_count"),
      this.pragma("freelist_count"),
      this.pragma("page_size"),
    ]);
    return { pageCount: count, freePages: free, pageSize: size };
  }

  /** VACUUM when the file has free pages; the database is held for the duration. */
  async vacuum(): Promise<VacuumOutcome> {
    const before = await this.pages();
    if (before.freePages === 0)
      return {
        skipped: true,
        pagesBefore: before.pageCount,
        pagesAfter: before.pageCount,
        freePagesBefore: 0,
        pageSize: before.pageSize,
        durationMs: 0,
      };
    const started = performance.now();
    await this.db.$executeRawUnsafe("VACUUM");
    // In WAL mode the rebuilt pages sit in the -wal file until a checkpoint: write them back
    // and truncate the WAL, so the disk space is really returned.
    await this.db.$queryRawUnsafe("PRAGMA wal_checkpoint(TRUNCATE)");
    const durationMs = Math.round(performance.now() - started);
    const after = await this.pages();
    return {
      skipped: false,
      pagesBefore: before.pageCount,
      pagesAfter: after.pageCount,
      freePagesBefore: before.freePages,
      pageSize: before.pageSize,
      durationMs,
    };
  }

  private async pragma(name: "page_count" | "freelist_count" | "page_size"): Promise<number> {
    const rows = await this.db.$queryRawUnsafe<Array<Record<string, number | bigint>>>(`PRAGMA ${name}`);
    return Number(Object.values(rows[0] ?? {})[0] ?? 0);
  }
}
