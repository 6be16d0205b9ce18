/**
 * sentinel.db access for alerts: reading the alerts of a batch's messages, writing a batch's new
 * alerts, revisions and suppressions in one transaction, and the pages
 * of GET /api/alerts. New alerts are inserted with ON CONFLICT DO NOTHING on (chat, message,
 * profile), so the same message can never produce two alerts for a profile, whatever races.
 * A batch's reads and writes go to the writer thread (db/sqlite-writer.ts, SQL in alert-sql.ts);
 * the pages of GET /api/alerts go through Prisma.
 */
import type { Alert, PrismaClient } from "../db/generated/client.ts";
import type { SqliteWriter } from "../db/sqlite-writer.ts";
import type { StoredAlert } from "./alert-plan.ts";
import type { AlertWrite, CreatedAlert, RevisedAlert } from "./alert-sql.ts";

export type { AlertWrite, CreatedAlert, RevisedAlert, SuppressionCount } from "./alert-sql.ts";

/** A position in the updates listing: after this revision time, then after this id. */
export interface UpdatePosition {
  updatedAt: Date;
  id: number;
}

export interface AlertPageQuery {
  /** Only alerts with an id above this one (the cursor). */
  afterId: number | null;
  /**
   * The updates listing instead: alerts revised after their creation, in (updated_at, id) order,
   * from `updatedSince` (inclusive) or after `afterUpdate` (the cursor).
   */
  updatedSince?: Date;
  afterUpdate?: UpdatePosition;
  limit: number;
  minScore?: number;
  chatId?: string;
  profile?: string;
  /** Only alerts created at or after this time. */
  since?: Date;
}

export interface MessageKey {
  chatId: string;
  messageId: number;
}

export class AlertStore {
  constructor(
    private readonly db: PrismaClient,
    private readonly writer: SqliteWriter,
  ) {}

  /** The stored alerts of these messages (every profile). */
  async storedFor(messages: readonly MessageKey[]): Promise<StoredAlert[]> {
    if (messages.length === 0) return [];
    return this.writer.storedAlerts(messages.map((m) => [m.chatId, m.messageId]));
  }

  /**
   * Writes new alerts (created at `createdAt`), revisions (stamped `updated_at`), suppression
   * counts and, when given, the batch's scored_at, in one transaction. Returns the alerts actually
   * inserted and those revised, in id order.
   */
  async write(input: AlertWrite): Promise<{ created: CreatedAlert[]; revised: RevisedAlert[] }> {
    const { drafts, revisions, suppressions, scored } = input;
    const nothing = drafts.length === 0 && revisions.length === 0 && suppressions.length === 0;
    if (nothing && (scored === undefined || scored.keys.length === 0)) return { created: [], revised: [] };
    return this.writer.writeAlerts(input);
  }

  /** One page in id order (or in update order, see AlertPageQuery), plus whether more rows follow it. */
  async page(query: AlertPageQuery): Promise<{ alerts: Alert[]; hasMore: boolean }> {
    if (query.updatedSince !== undefined || query.afterUpdate !== undefined) return this.updatesPage(query);
    const rows = await this.db.alert.findMany({
      where: {
        ...(query.afterId !== null ? { id: { gt: query.afterId } } : {}),
        ...(query.minScore !== undefined ? { score: { gte: query.minScore } } : {}),
        ...(query.chatId !== undefined ? { chatId: query.chatId } : {}),
        ...(query.profile !== undefined ? { profile: query.profile } : {}),
        ...(query.since !== undefined ? { createdAt: { gte: query.since } } : {}),
      },
      orderBy: { id: "asc" },
      take: query.limit + 1,
    });
    const hasMore = rows.length > query.limit;
    return { alerts: hasMore ? rows.slice(0, query.limit) : rows, hasMore };
  }

  /**
   * Where an updates listing that found nothing continues: the newest alert's (updated_at, id)
   * (every alert up to it was checked), never before the request's own start.
   */
  async emptyUpdatesPosition(query: AlertPageQuery): Promise<UpdatePosition | null> {
    const newest = await this.db.alert.findFirst({
      orderBy: [{ updatedAt: "desc" }, { id: "desc" }],
      select: { updatedAt: true, id: true },
    });
    const start = query.afterUpdate ?? (query.updatedSince ? { updatedAt: query.updatedSince, id: 0 } : null);
    if (!newest) return start;
    if (!start) return newest;
    const later =
      newest.updatedAt.getTime() > start.updatedAt.getTime() ||
      (newest.updatedAt.getTime() === start.updatedAt.getTime() && newest.id > start.id);
    return later ? newest : start;
  }

  private async updatesPage(query: AlertPageQuery): Promise<{ alerts: Alert[]; hasMore: boolean }> {
    const after = query.afterUpdate;
    const rows = await this.db.alert.findMany({
      where: {
        // Revised at least once: an alert as first written is the id listing's business.
        updatedAt: { gt: this.db.alert.fields.createdAt },
        ...(query.updatedSince !== undefined ? { AND: [{ updatedAt: { gte: query.updatedSince } }] } : {}),
        ...(after
          ? {
              OR: [
                { updatedAt: { gt: after.updatedAt } },
                { updatedAt: after.updatedAt, id: { gt: after.id } },
              ],
            }
          : {}),
        ...(query.minScore !== undefined ? { score: { gte: query.minScore } } : {}),
        ...(query.chatId !== undefined ? { chatId: query.chatId } : {}),
        ...(query.profile !== undefined ? { profile: query.profile } : {}),
        ...(query.since !== undefined ? { createdAt: { gte: query.since } } : {}),
      },
      orderBy: [{ updatedAt: "asc" }, { id: "asc" }],
      take: query.limit + 1,
    });
    const hasMore = rows.length > query.limit;
    return { alerts: hasMore ? rows.slice(0, query.limit) : rows, hasMore };
  }
}

/** DateTime as Prisma stores it in SQLite (ISO with +00:00), so raw writes read back through Prisma. */
export function sqliteDate(date: Date): string {
  return date.toISOString().replace("Z", "+00:00");
}
