/**
 * sentinel.db access for alerts: reading the alerts of a batch's messages, writing a batch's new
 * alerts, revisions and suppressions in one transaction, and the pages
 * of GET /api/alerts. New alerts are inserted with ON CONFLICT DO NOTHING on (chat, message,
 * profile), so the same message can never produce two alerts for a profile, whatever races.
 * The batch statements are prepared once and run on the shared connection (db/shared-sqlite.ts);
 * the pages of GET /api/alerts go through Prisma.
 */
import type { Alert, PrismaClient } from "../db/generated/client.ts";
import type { SharedSqlite } from "../db/shared-sqlite.ts";
import type { AlertDraft, AlertRevision, StoredAlert } from "./alert-plan.ts";

export interface SuppressionCount {
  chatId: string;
  profile: string;
  /** Start of the clock hour. */
  hour: Date;
  count: number;
}

/** A row the insert created (rows that already existed are not returned). */
export interface CreatedAlert {
  id: number;
  chatId: string;
  chatTitle: string;
  messageId: number;
  profile: string;
  score: number;
  createdAt: Date;
}

/** A stored alert a revision changed (an edited message scored again). */
export interface RevisedAlert {
  id: number;
  chatId: string;
  messageId: number;
  profile: string;
  score: number;
  updatedAt: Date;
}

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
    private readonly sqlite: SharedSqlite,
  ) {}

  /** The stored alerts of these messages (every profile). */
  async storedFor(messages: readonly MessageKey[]): Promise<StoredAlert[]> {
    if (messages.length === 0) return [];
    return this.sqlite.read((sql) => {
      const select = sql.prepare(SELECT_STORED);
      const out: StoredAlert[] = [];
      for (const message of messages) {
        for (const row of select.all(message.chatId, message.messageId) as StoredAlert[]) out.push(row);
      }
      return out;
    });
  }

  /**
   * Writes new alerts (created at `createdAt`), revisions (stamped `updated_at`) and suppression
   * counts in one transaction. Returns the alerts actually inserted and those revised, in id order.
   */
  async write(input: {
    drafts: readonly AlertDraft[];
    revisions: readonly AlertRevision[];
    suppressions: readonly SuppressionCount[];
    createdAt: Date;
  }): Promise<{ created: CreatedAlert[]; revised: RevisedAlert[] }> {
    const { drafts, revisions, suppressions } = input;
    if (drafts.length === 0 && revisions.length === 0 && suppressions.length === 0)
      return { created: [], revised: [] };
    return this.sqlite.write((sql) => {
      const created: CreatedAlert[] = [];
      const revised: RevisedAlert[] = [];
      const at = sqliteDate(input.createdAt);
      if (drafts.length > 0) {
        const insert = sql.prepare(INSERT_ALERT);
        for (const d of drafts) {
          const { changes, lastInsertRowid } = insert.run(
            d.chatId,
            d.chatTitle,
            d.messageId,
            d.profile,
            d.score,
            JSON.stringify(d.reasons),
            d.text,
            d.senderName,
            d.link,
            sqliteDate(d.messageDate),
            at,
            at,
          );
          // ON CONFLICT DO NOTHING: an alert that already exists is not created again.
          if (changes === 0) continue;
          created.push({
            id: Number(lastInsertRowid),
            chatId: d.chatId,
            chatTitle: d.chatTitle,
            messageId: d.messageId,
            profile: d.profile,
            score: d.score,
            createdAt: input.createdAt,
          });
        }
        created.sort((a, b) => a.id - b.id);
      }
      if (revisions.length > 0) {
        // A revision is stamped at least 1 ms past every updated_at in the table (so past its
        // own created_at): the stamps only move forward, even on a clock that stands still or
        // steps back, so a reader of the updates listing never skips a revision. One index
        // lookup, once per batch: every revision of the batch carries the same stamp.
        const stamp = (sql.prepare(REVISION_STAMP).get(at) as { stamp: string }).stamp;
        const update = sql.prepare(UPDATE_ALERT);
        for (const r of revisions) {
          const row = update.get(r.score, JSON.stringify(r.reasons), r.text, stamp, r.id) as
            | Omit<RevisedAlert, "updatedAt">
            | undefined;
          if (row) revised.push({ ...row, updatedAt: new Date(stamp) });
        }
        revised.sort((a, b) => a.id - b.id);
      }
      if (suppressions.length > 0) {
        const count = sql.prepare(COUNT_SUPPRESSED);
        for (const s of suppressions) count.run(s.chatId, s.profile, sqliteDate(s.hour), s.count);
      }
      return { created, revised };
    });
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

const SELECT_STORED = `SELECT id, chat_id AS chatId, message_id AS messageId, profile, score, reasons, text
  FROM alerts WHERE chat_id = ? AND message_id = ?`;

const INSERT_ALERT = `INSERT INTO alerts (chat_id, chat_title, message_id, profile, score, reasons, text, sender_name, link,
                                 message_date, created_at, updated_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (chat_id, message_id, profile) DO NOTHING`;

const REVISION_STAMP = `SELECT max(?, (SELECT strftime('%Y-%m-%dT%H:%M:%f', max(updated_at), '+0.001 seconds') || '+00:00'
                                         FROM alerts)) AS stamp`;

const UPDATE_ALERT = `UPDATE alerts SET score = ?, reasons = ?, text = ?, updated_at = ? WHERE id = ?
  RETURNING id, chat_id AS chatId, message_id AS messageId, profile, score`;

const COUNT_SUPPRESSED = `INSERT INTO alert_suppressions (chat_id, profile, hour, count) VALUES (?, ?, ?, ?)
  ON CONFLICT (chat_id, profile, hour) DO UPDATE SET count = alert_suppressions.count + excluded.count`;

/** DateTime as Prisma stores it in SQLite (ISO with +00:00), so raw writes read back through Prisma. */
export function sqliteDate(date: Date): string {
  return date.toISOString().replace("Z", "+00:00");
}
