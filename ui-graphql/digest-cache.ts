import type { DigestRun, PrismaClient } from "./db/generated/client.ts";
import type { SentinelClient, SentinelDigestRun } from "./sentinel-client.ts";

export const DIGESTS_SINCE_KEY = "digests.since";
const PAGE_SIZE = 100;
const MAX_PAGES_PER_SYNC = 50;
const SINCE_OVERLAP_MS = 2_000;

function rowOf(r: SentinelDigestRun) {
  return {
    trigger: r.trigger,
    schedule: r.schedule ?? null,
    since: new Date(r.since),
    until: new Date(r.until),
    startedAt: new Date(r.started_at),
    finishedAt: r.finished_at ? new Date(r.finished_at) : null,
    alertCount: r.alert_count ?? 0,
    content: typeof r.content === "string" ? r.content : JSON.stringify(r.content ?? []),
    delivered: r.delivered ?? false,
    error: r.error ?? null,
  };
}

/**
 * ui.db's mirror of the sentinel's digest runs (GET /api/digests). Runs change while they run
 * (finished_at, counts), so every run since the oldest unfinished one is re-read and upserted.
 */
export class DigestCache {
  private running: Promise<DigestRun[]> | null = null;
  private again = false;

  constructor(
    private readonly db: PrismaClient,
    private readonly sentinel: SentinelClient,
  ) {}

  /** Brings the mirror up to date; resolves with the runs that changed. */
  sync(): Promise<DigestRun[]> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      const changed: DigestRun[] = [];
      try {
        do {
          this.again = false;
          changed.push(...(await this.syncOnce()));
        } while (this.again);
      } finally {
        this.running = null;
      }
      return changed;
    })();
    return this.running;
  }

  private async syncOnce(): Promise<DigestRun[]> {
    const mark = await this.db.syncState.findUnique({ where: { key: DIGESTS_SINCE_KEY } });
    const unfinished = await this.db.digestRun.findFirst({
      where: { finishedAt: null },
      orderBy: { startedAt: "asc" },
    });
    const from = [mark ? new Date(mark.value) : null, unfinished?.startedAt ?? null]
      .filter((d): d is Date => d !== null)
      .sort((a, b) => a.getTime() - b.getTime())[0];
    const since = from ? new Date(from.getTime() - SINCE_OVERLAP_MS).toISOString() : null;
    let cursor: string | null = null;
    let newest = mark ? new Date(mark.value) : null;
    let complete = false;
    const changed: DigestRun[] = [];
    const seen = new Set<string>();
    for (let page = 0; page < MAX_PAGES_PER_SYNC; page++) {
      const result = await this.sentinel.digests({ limit: PAGE_SIZE, cursor, since });
      for (const run of result.runs) {
        const data = rowOf(run);
        const before = await this.db.digestRun.findUnique({ where: { id: run.id } });
        if (
          before &&
          JSON.stringify({ ...before, id: undefined }) ===
            JSON.stringify({ ...before, ...data, id: undefined })
        )
          continue;
        changed.push(
          await this.db.digestRun.upsert({
            where: { id: run.id },
            create: { id: run.id, ...data },
            update: data,
          }),
        );
        if (!newest || data.startedAt > newest) newest = data.startedAt;
      }
      cursor = result.next_cursor;
      if (cursor === null || seen.has(cursor) || result.runs.length === 0) {
        complete = true;
        break;
      }
      seen.add(cursor);
    }
    if (complete && newest) {
      const value = newest.toISOString();
      await this.db.syncState.upsert({
        where: { key: DIGESTS_SINCE_KEY },
        create: { key: DIGESTS_SINCE_KEY, value },
        update: { value },
      });
    }
    return changed;
  }
}
