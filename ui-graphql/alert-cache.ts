import type { Alert, PrismaClient } from "./db/generated/client.ts";
import { type SentinelAlert, SentinelApiError, type SentinelClient } from "./sentinel-client.ts";

/** SyncState key of the GET /api/alerts cursor after the newest alert cached. */
export const ALERTS_CURSOR_KEY = "alerts.cursor";
/** Page size asked of GET /api/alerts (the contract's maximum). */
export const ALERT_PAGE_SIZE = 500;
/** A sync stops after this many pages and continues on the next trigger. */
const MAX_PAGES_PER_SYNC = 200;

export interface AlertCacheOptions {
  /** Called after commit with the alerts that were new to the cache, oldest first. */
  onNew?: (alerts: Alert[]) => void;
  pageSize?: number;
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
  };
}

/**
 * ui.db's copy of the sentinel's alerts. GET /api/alerts lists alerts in id order after a
 * cursor; `sync()` continues from the cursor stored in SyncState, inserting each page and moving
 * the cursor in the same transaction, until the sentinel says there is no more. It runs at
 * start-up, on every alert_created event and after the bus or the sentinel comes back, so
 * nothing is lost while either was down. Concurrent calls share one run (plus one follow-up run
 * if asked for during it).
 */
export class AlertCache {
  private running: Promise<number> | null = null;
  private again = false;
  private readonly pageSize: number;

  constructor(
    private readonly db: PrismaClient,
    private readonly sentinel: SentinelClient,
    private readonly options: AlertCacheOptions = {},
  ) {
    this.pageSize = options.pageSize ?? ALERT_PAGE_SIZE;
  }

  /** Brings the cache up to date; resolves with the number of alerts added. */
  sync(): Promise<number> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    const run = async () => {
      let added = 0;
      try {
        do {
          this.again = false;
          added += await this.syncOnce();
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

  /** Inserts the alerts not cached yet and stores the cursor (one transaction); returns the new ones. */
  private async store(alerts: SentinelAlert[], nextCursor: string | null): Promise<Alert[]> {
    const ids = alerts.map((a) => a.id);
    return this.db.$transaction(async (tx) => {
      let fresh: Alert[] = [];
      if (alerts.length > 0) {
        const existing = new Set(
          (await tx.alert.findMany({ where: { id: { in: ids } }, select: { id: true } })).map((r) => r.id),
        );
        const missing = [
          ...new Map(alerts.filter((a) => !existing.has(a.id)).map((a) => [a.id, a])).values(),
        ];
        if (missing.length > 0) {
          await tx.alert.createMany({ data: missing.map(rowOf) });
          fresh = await tx.alert.findMany({
            where: { id: { in: missing.map((a) => a.id) } },
            orderBy: { id: "asc" },
          });
        }
      }
      if (nextCursor !== null) {
        await tx.syncState.upsert({
          where: { key: ALERTS_CURSOR_KEY },
          create: { key: ALERTS_CURSOR_KEY, value: nextCursor },
          update: { value: nextCursor },
        });
      }
      return fresh;
    });
  }
}
