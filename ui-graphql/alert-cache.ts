import type { Alert, PrismaClient } from "./db/generated/client.ts";
import { type SentinelAlert, SentinelApiError, type SentinelClient } from "./sentinel-client.ts";

/** SyncState key of the GET /api/alerts cursor after the newest alert cached. */
export const ALERTS_CURSOR_KEY = "alerts.cursor";
/** SyncState key of the cursor of GET /api/alerts?updated_since (revisions applied so far). */
export const ALERT_UPDATES_CURSOR_KEY = "alerts.updatesCursor";
/** Where the updates listing starts when no cursor is stored yet: every revision ever made. */
const UPDATES_EPOCH = "1970-01-01T00:00:00.000Z";
/**
 * SyncState key of the number of cached alerts. Triggers on the alerts table (migration
 * 0004_alert_count) move it inside the transaction of every insert or delete, so it always equals
 * count(*) without scanning the table.
 */
export const ALERT_COUNT_KEY = "alerts.count";
/** Page size asked of GET /api/alerts (the contract's maximum). */
export const ALERT_PAGE_SIZE = 500;
/** A sync stops after this many pages and continues on the next trigger. */
const MAX_PAGES_PER_SYNC = 200;

export interface AlertCacheOptions {
  /** Called after commit with the alerts that were new to the cache, oldest first. */
  onNew?: (alerts: Alert[]) => void;
  /** Called after commit with cached alerts a revision changed (score, reasons, text), in update order. */
  onUpdated?: (alerts: Alert[]) => void;
  pageSize?: number;
}

/**
 * Stores the number of cached alerts when ui.db has none (one count); the triggers keep it from
 * then on. Run at start-up, after the migrations.
 */
export async function ensureAlertCount(db: PrismaClient): Promise<void> {
  if (await db.syncState.findUnique({ where: { key: ALERT_COUNT_KEY } })) return;
  // One statement, so an insert racing with the count cannot slip between them.
  await db.$executeRaw`INSERT OR IGNORE INTO sync_state (key, value, updated_at)
    SELECT ${ALERT_COUNT_KEY}, CAST(count(*) AS TEXT), strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now') FROM alerts`;
}

/** The number of cached alerts from the maintained figure (a count only if it is missing). */
export async function cachedAlertCount(db: PrismaClient): Promise<number> {
  const stored = await db.syncState.findUnique({ where: { key: ALERT_COUNT_KEY } });
  const n = stored ? Number(stored.value) : Number.NaN;
  if (Number.isSafeInteger(n) && n >= 0) return n;
  return Number(
    (await db.$queryRaw<Array<{ n: bigint | number }>>`SELECT count(*) AS n FROM alerts`)[0]?.n ?? 0,
  );
}

/** How Prisma stores a DateTime in SQLite (ISO 8601 with +00:00), for rows written by hand. */
function sqliteDate(date: Date): string {
  return date.toISOString().replace("Z", "+00:00");
}

function rowOf(a: SentinelAlert) {
  return {
    id: a.id,
    chatId: a.chat_id,
    chatTitle: a.chat_title ?? "",
    messageId: a.message_id,
    profile: a.profile,
    score: a.score,
    reasons: JSON.stringify(a.reasons ?? []),
    text: a.text ?? "",
    senderName: a.sender_name ?? null,
    link: a.link ?? null,
    messageDate: new Date(a.message_date),
    createdAt: new Date(a.created_at),
    updatedAt: new Date(a.updated_at ?? a.created_at),
  };
}

/**
 * ui.db's copy of the sentinel's alerts. GET /api/alerts lists alerts in id order after a
 * cursor; `sync()` continues from the cursor stored in SyncState, inserting each page and moving
 * the cursor in the same transaction, until the sentinel says there is no more. Then it follows
 * the updates listing (GET /api/alerts?updated_since, alerts revised after a message edit) from
 * its own cursor, and writes the new score, reasons, text and updated_at into the cached rows.
 * It runs at start-up, on every alert_created and alert_updated event and after the bus or the
 * sentinel comes back, so nothing is lost while either was down (alert_created skips the updates
 * listing). Concurrent calls share one run (plus one follow-up run if asked for during it).
 */
export class AlertCache {
  private running: Promise<number> | null = null;
  private again = false;
  /** a follow-up run was asked for that must also read the updates listing */
  private againUpdates = false;
  private readonly pageSize: number;

  constructor(
    private readonly db: PrismaClient,
    private readonly sentinel: SentinelClient,
    private readonly options: AlertCacheOptions = {},
  ) {
    this.pageSize = options.pageSize ?? ALERT_PAGE_SIZE;
  }

  /**
   * Brings the cache up to date; resolves with the number of alerts added. `updates: false` skips
   * the updates listing: a new alert needs only the id listing, and an extra round trip per
   * alert_created held every alert behind it (revisions announce themselves with alert_updated).
   */
  sync(options: { updates?: boolean } = {}): Promise<number> {
    const updates = options.updates ?? true;
    if (this.running) {
      this.again = true;
      if (updates) this.againUpdates = true;
      return this.running;
    }
    const run = async () => {
      let added = 0;
      let withUpdates = updates;
      try {
        do {
          this.again = false;
          this.againUpdates = false;
          added += await this.syncOnce();
          if (withUpdates) await this.syncUpdates();
          withUpdates = this.againUpdates;
        } while (this.again);
      } finally {
        this.running = null;
      }
      return added;
    };
    this.running = run();
    return this.running;
  }

  private async syncOnce(): Promise<number> {
    let cursor = (await this.db.syncState.findUnique({ where: { key: ALERTS_CURSOR_KEY } }))?.value ?? null;
    let added = 0;
    for (let page = 0; page < MAX_PAGES_PER_SYNC; page++) {
      let result: Awaited<ReturnType<SentinelClient["alerts"]>>;
      try {
        result = await this.sentinel.alerts({ limit: this.pageSize, cursor });
      } catch (err) {
        // A cursor the sentinel no longer knows (its database was replaced): start over; the
        // inserts below skip what is cached already.
        if (cursor !== null && err instanceof SentinelApiError && err.httpStatus === 400) {
          cursor = null;
          continue;
        }
        throw err;
      }
      const fresh = await this.store(result.alerts, result.next_cursor);
      added += fresh.length;
      if (fresh.length > 0) this.options.onNew?.(fresh);
      if (!result.has_more || result.next_cursor === null || result.next_cursor === cursor) break;
      cursor = result.next_cursor;
    }
    return added;
  }

  /** Applies the revisions listed after the stored updates cursor; returns how many rows changed. */
  private async syncUpdates(): Promise<number> {
    let cursor =
      (await this.db.syncState.findUnique({ where: { key: ALERT_UPDATES_CURSOR_KEY } }))?.value ?? null;
    let changed = 0;
    for (let page = 0; page < MAX_PAGES_PER_SYNC; page++) {
      let result: Awaited<ReturnType<SentinelClient["alerts"]>>;
      try {
        result = await this.sentinel.alerts(
          cursor === null
            ? { limit: this.pageSize, updatedSince: UPDATES_EPOCH }
            : { limit: this.pageSize, cursor },
        );
      } catch (err) {
        // A cursor the sentinel does not know (replaced database, or one too old to have the
        // updates listing): start over from the beginning; applying a revision twice is harmless.
        if (cursor !== null && err instanceof SentinelApiError && err.httpStatus === 400) {
          cursor = null;
          continue;
        }
        throw err;
      }
      const updated = await this.applyUpdates(result.alerts, result.next_cursor);
      changed += updated.length;
      if (updated.length > 0) this.options.onUpdated?.(updated);
      if (!result.has_more || result.next_cursor === null || result.next_cursor === cursor) break;
      cursor = result.next_cursor;
    }
    return changed;
  }

  /**
   * Writes revised versions over the cached rows (only when newer than what is cached; alerts not
   * cached yet come in with their latest version through the id listing) and stores the cursor.
   */
  private async applyUpdates(alerts: SentinelAlert[], nextCursor: string | null): Promise<Alert[]> {
    return this.db.$transaction(async (tx) => {
      const updated: Alert[] = [];
      for (const a of alerts) {
        const row = rowOf(a);
        const { count } = await tx.alert.updateMany({
          where: {
            id: a.id,
            OR: [{ updatedAt: null }, { updatedAt: { lt: row.updatedAt } }],
          },
          data: { score: row.score, reasons: row.reasons, text: row.text, updatedAt: row.updatedAt },
        });
        if (count > 0) {
          const fresh = await tx.alert.findUnique({ where: { id: a.id } });
          if (fresh) updated.push(fresh);
        }
      }
      if (nextCursor !== null) {
        await tx.syncState.upsert({
          where: { key: ALERT_UPDATES_CURSOR_KEY },
          create: { key: ALERT_UPDATES_CURSOR_KEY, value: nextCursor },
          update: { value: nextCursor },
        });
      }
      return updated;
    });
  }

  /**
   * Inserts the alerts not cached yet and stores the cursor (one transaction); returns the new
   * ones, oldest first. One INSERT … ON CONFLICT DO NOTHING RETURNING id over the page passed as a
   * JSON array of rows (as the sentinel's alert store writes): Prisma's createMany plus reading the
   * rows back cost ~0.3 ms of CPU per alert, more than everything else between the sentinel and a
   * subscriber. The returned rows are built from what was inserted, not read back.
   */
  private async store(alerts: SentinelAlert[], nextCursor: string | null): Promise<Alert[]> {
    return this.db.$transaction(async (tx) => {
      let fresh: Alert[] = [];
      if (alerts.length > 0) {
        const cachedAt = new Date();
        const rows = alerts.map(rowOf);
        const inserted = await tx.$queryRawUnsafe<Array<{ id: number | bigint }>>(
          `INSERT INTO alerts (id, chat_id, chat_title, message_id, profile, score, reasons, text, sender_name, link,
                               message_date, created_at, updated_at, cached_at)
           SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6,
                  value ->> 7, value ->> 8, value ->> 9, value ->> 10, value ->> 11, value ->> 12, ?
             FROM json_each(?) WHERE true
           ON CONFLICT (id) DO NOTHING
           RETURNING id`,
          sqliteDate(cachedAt),
          // Rows as arrays in column order, read by position.
          JSON.stringify(
            rows.map((r) => [
              r.id,
              r.chatId,
              r.chatTitle,
              r.messageId,
              r.profile,
              r.score,
              r.reasons,
              r.text,
              r.senderName,
              r.link,
              sqliteDate(r.messageDate),
              sqliteDate(r.createdAt),
              sqliteDate(r.updatedAt),
            ]),
          ),
        );
        const ids = new Set(inserted.map((row) => Number(row.id)));
        // A page never lists an id twice; if one did, the first row is the one inserted.
        const byId = new Map<number, (typeof rows)[number]>();
        for (const r of rows) if (ids.has(r.id) && !byId.has(r.id)) byId.set(r.id, r);
        fresh = [...byId.values()].sort((a, b) => a.id - b.id).map((r) => ({ ...r, readAt: null, cachedAt }));
      }
      if (nextCursor !== null) {
        // Raw as well: Prisma's upsert costs ~2 ms of CPU, the statement itself ~0.1 ms.
        await tx.$executeRawUnsafe(
          `INSERT INTO sync_state (key, value, updated_at) VALUES (?, ?, ?)
           ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
          ALERTS_CURSOR_KEY,
          nextCursor,
          sqliteDate(new Date()),
        );
      }
      return fresh;
    });
  }
}
