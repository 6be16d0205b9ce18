import type { Alert, PrismaClient } from "./db/generated/client.ts";
import type { SentinelAlert, SentinelClient } from "./sentinel-client.ts";

/** SyncState key of the newest `created_at` cached so far. */
export const ALERTS_SINCE_KEY = "alerts.since";
/** Page size asked of GET /api/alerts (the contract's maximum). */
export const ALERT_PAGE_SIZE = 500;
/** Re-read this far before the stored mark, so alerts created in the same instant are never skipped. */
const SINCE_OVERLAP_MS = 2_000;
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
 * ui.db's copy of the sentinel's alerts. `sync()` pages through GET /api/alerts from the stored
 * mark (SyncState) and inserts what is missing; it runs at start-up, on every alert_created
 * event and after the bus or the sentinel comes back, so nothing is lost while either was down.
 * Concurrent calls share one run (plus one follow-up run if asked for during it).
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
    const mark = await this.db.syncState.findUnique({ where: { key: ALERTS_SINCE_KEY } });
    const since = mark ? new Date(new Date(mark.value).getTime() - SINCE_OVERLAP_MS).toISOString() : null;
    let cursor: string | null = null;
    let newest = mark ? new Date(mark.value) : null;
    let added = 0;
    const seenCursors = new Set<string>();
    let complete = false;
    for (let page = 0; page < MAX_PAGES_PER_SYNC; page++) {
      const result = await this.sentinel.alerts({ limit: this.pageSize, cursor, since });
      const fresh = await this.store(result.alerts);
      added += fresh.length;
      for (const a of result.alerts) {
        const created = new Date(a.created_at);
        if (!newest || created > newest) newest = created;
      }
      if (fresh.length > 0) this.options.onNew?.(fresh);
      cursor = result.next_cursor;
      if (cursor === null || seenCursors.has(cursor) || result.alerts.length === 0) {
        complete = true;
        break;
      }
      seenCursors.add(cursor);
    }
    // The mark only moves after a complete pass: pages may come newest first.
    if (complete && newest) {
      const value = newest.toISOString();
      await this.db.syncState.upsert({
        where: { key: ALERTS_SINCE_KEY },
        create: { key: ALERTS_SINCE_KEY, value },
        update: { value },
      });
    }
    return added;
  }

  /** Inserts the alerts not cached yet (one transaction); returns them, oldest first. */
  private async store(alerts: SentinelAlert[]): Promise<Alert[]> {
    if (alerts.length === 0) return [];
    const ids = alerts.map((a) => a.id);
    return this.db.$transaction(async (tx) => {
      const existing = new Set(
        (await tx.alert.findMany({ where: { id: { in: ids } }, select: { id: true } })).map((r) => r.id),
      );
      const missing = [...new Map(alerts.filter((a) => !existing.has(a.id)).map((a) => [a.id, a])).values()];
      if (missing.length === 0) return [];
      await tx.alert.createMany({ data: missing.map(rowOf) });
      return tx.alert.findMany({ where: { id: { in: missing.map((a) => a.id) } }, orderBy: { id: "asc" } });
    });
  }
}
