/**
 * sentinel.db access for alerts: reading the alerts of a batch's messages, writing a batch's new
 * alerts, revisions and suppressions in one transaction, and the pages
 * of GET /api/alerts. New alerts are inserted with ON CONFLICT DO NOTHING on (chat, message,
 * profile), so the same message can never produce two alerts for a profile, whatever races.
 * Statements are set-based over a JSON parameter (one statement per step, not per row).
 */
import type { Alert, PrismaClient } from "../db/generated/client.ts";
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
  constructor(private readonly db: PrismaClient) {}

  /** The stored alerts of these messages (every profile). */
  async storedFor(messages: readonly MessageKey[]): Promise<StoredAlert[]> {
    if (messages.length === 0) return [];
    const rows = await this.db.$queryRawUnsafe<RawStored[]>(
      `SELECT a.id AS id, a.chat_id AS chatId, a.message_id AS messageId, a.profile AS profile,
              a.score AS score, a.reasons AS reasons, a.text AS text
         FROM json_each(?) AS k
         JOIN alerts AS a ON a.chat_id = k.value ->> 0 AND a.message_id = k.value ->> 1`,
      keysJson(messages),
    );
    return rows.map((row) => ({
      id: Number(row.id),
      chatId: row.chatId,
      messageId: Number(row.messageId),
      profile: row.profile,
      score: Number(row.score),
      reasons: row.reasons,
      text: row.text,
    }));
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
    return this.db.$transaction(async (tx) => {
      let created: CreatedAlert[] = [];
      let revised: RevisedAlert[] = [];
      if (drafts.length > 0) {
        const rows = await tx.$queryRawUnsafe<RawCreated[]>(
          `INSERT INTO alerts (chat_id, chat_title, message_id, profile, score, reasons, text, sender_name, link,
                               message_date, created_at, updated_at)
           SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6,
                  value ->> 7, value ->> 8, value ->> 9, ?, ?
             FROM json_each(?) WHERE true
           ON CONFLICT (chat_id, message_id, profile) DO NOTHING
           RETURNING id, chat_id AS chatId, chat_title AS chatTitle, message_id AS messageId, profile, score,
                     created_at AS createdAt`,
          sqliteDate(input.createdAt),
          sqliteDate(input.createdAt),
          // Rows as arrays in column order, read by position (cheaper than objects read by key).
          JSON.stringify(
            drafts.map((d) => [
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
            ]),
          ),
        );
        created = rows
          .map((row) => ({
            id: Number(row.id),
            chatId: row.chatId,
            chatTitle: row.chatTitle,
            messageId: Number(row.messageId),
            profile: row.profile,
            score: Number(row.score),
            createdAt: new Date(row.createdAt),
          }))
          .sort((a, b) => a.id - b.id);
      }
      if (revisions.length > 0) {
        // A revision is stamped at least 1 ms past every updated_at in the table (so past its
        // own created_at): the stamps only move forward, even on a clock that stands still or
        // steps back, so a reader of the updates listing never skips a revision. One index lookup.
        const rows = await tx.$queryRawUnsafe<RawRevised[]>(
          `UPDATE alerts
              SET score = json_extract(j.value, '$.score'), reasons = json_extract(j.value, '$.reasons'),
                  text = json_extract(j.value, '$.text'),
                  updated_at = max(?, (SELECT strftime('%Y-%m-%dT%H:%M:%f', max(a.updated_at), '+0.001 seconds') || '+00:00'
                                         FROM alerts AS a))
             FROM json_each(?) AS j
            WHERE alerts.id = json_extract(j.value, '$.id')
           RETURNING id, chat_id AS chatId, message_id AS messageId, profile, score, updated_at AS updatedAt`,
          sqliteDate(input.createdAt),
          JSON.stringify(revisions.map((r) => ({ ...r, reasons: JSON.stringify(r.reasons) }))),
        );
        revised = rows
          .map((row) => ({
            id: Number(row.id),
            chatId: row.chatId,
            messageId: Number(row.messageId),
            profile: row.profile,
            score: Number(row.score),
            updatedAt: new Date(row.updatedAt),
          }))
          .sort((a, b) => a.id - b.id);
      }
      if (suppressions.length > 0) {
        await tx.$executeRawUnsafe(
          `INSERT INTO alert_suppressions (chat_id, profile, hour, count)
           SELECT json_extract(value, '$.chatId'), json_extract(value, '$.profile'), json_extract(value, '$.hour'),
                  json_extract(value, '$.count')
             FROM json_each(?) WHERE true
           ON CONFLICT (chat_id, profile, hour) DO UPDATE SET count = alert_suppressions.count + excluded.count`,
          JSON.stringify(suppressions.map((s) => ({ ...s, hour: sqliteDate(s.hour) }))),
        );
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

interface RawRevised {
  id: number | bigint;
  chatId: string;
  messageId: number | bigint;
  profile: string;
  score: number;
  updatedAt: string | Date;
}

interface RawStored {
  id: number | bigint;
  chatId: string;
  messageId: number | bigint;
  profile: string;
  score: number;
  reasons: string;
  text: string;
}

interface RawCreated {
  id: number | bigint;
  chatId: string;
  chatTitle: string;
  messageId: number | bigint;
  profile: string;
  score: number;
  createdAt: string | Date;
}

/** Message keys as `[[chatId, messageId], …]`, read in SQL as `k.value ->> 0` and `k.value ->> 1`. */
export function keysJson(messages: readonly MessageKey[]): string {
  return JSON.stringify(messages.map((m) => [m.chatId, m.messageId]));
}

/** DateTime as Prisma stores it in SQLite (ISO with +00:00), so raw writes read back through Prisma. */
export function sqliteDate(date: Date): string {
  return date.toISOString().replace("Z", "+00:00");
}
