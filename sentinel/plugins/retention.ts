/**
 * Retention: messages past their age are deleted from sentinel.db (config `retention`: plain
 * messages after `messages_days`, messages that produced an alert after `alerted_messages_days`),
 * in batches of RETENTION_BATCH with a pause in between, so ingestion and the API never wait
 * long; finished webhook deliveries go after `alerted_messages_days` too. Alerts (the feed) stay.
 * A VACUUM runs on `vacuum_cron` when the file has free pages.
 *
 * Purges run RETENTION_FIRST_PURGE_DELAY_MS after start and then at minute 17 of every hour.
 * The clock is injectable: tests move a fake clock and call `app.retention.runDue()`, or
 * `purgeNow()` / `vacuumNow()`. A replayed Telegram Desktop export (TG_SOURCE=export:…) is
 * historical by nature and never purged. Totals survive restarts (worker_state) and are shown
 * in GET /api/stats under `retention`.
 */
import type { FastifyBaseLogger, FastifyPluginAsync } from "fastify";
import fp from "fastify-plugin";
import type { RetentionSettings } from "../config-file.ts";
import type { PrismaClient } from "../db/generated/client.ts";
import {
  DAY_MS,
  keepsEverything,
  nextPurgeAfter,
  nextVacuumAfter,
  RETENTION_BATCH,
  RETENTION_BATCH_PAUSE_MS,
  retentionCutoffs,
} from "../retention/retention-policy.ts";
import { RetentionStore, type VacuumOutcome } from "../retention/retention-store.ts";

declare module "fastify" {
  interface FastifyInstance {
    retention: RetentionService;
  }
}

/** The first purge waits this long after start (start-up belongs to backfill and scoring). */
export const RETENTION_FIRST_PURGE_DELAY_MS = 10 * 60_000;
/** worker_state keys: totals since the database was created, and the last VACUUM. */
export const RETENTION_TOTALS_KEY = "retention.totals";
export const RETENTION_VACUUM_KEY = "retention.last_vacuum_at";
const WAKE_MAX_MS = 60_000;
const WAKE_MIN_MS = 250;

export interface PurgeOutcome {
  at: string;
  messages: number;
  alerted_messages: number;
  webhook_deliveries: number;
  batches: number;
  duration_ms: number;
  /** True when closing the app stopped it early (the rest goes next time). */
  interrupted: boolean;
}

export interface RetentionStats {
  enabled: boolean;
  messages_days: number;
  alerted_messages_days: number;
  vacuum_cron: string | null;
  deleted_total: { messages: number; alerted_messages: number; webhook_deliveries: number };
  last_purge: PurgeOutcome | null;
  last_vacuum: {
    at: string;
    skipped: boolean;
    freed_bytes: number;
    duration_ms: number;
  } | null;
  next_purge_at: string | null;
  next_vacuum_at: string | null;
  last_error: string | null;
}

export interface RetentionServiceOptions {
  prisma: PrismaClient;
  policy: RetentionSettings;
  now: () => Date;
  log: FastifyBaseLogger;
  /** False while the source is a replayed export: nothing is purged. */
  purgeable: () => boolean;
  batch?: number;
  pauseMs?: number;
  firstPurgeDelayMs?: number;
}

type Totals = RetentionStats["deleted_total"];

export class RetentionService {
  private readonly store: RetentionStore;
  private totals: Totals = { messages: 0, alerted_messages: 0, webhook_deliveries: 0 };
  private lastPurge: PurgeOutcome | null = null;
  private lastVacuum: RetentionStats["last_vacuum"] = null;
  private vacuumMark: Date | null = null;
  private nextPurge: Date | null = null;
  private lastError: string | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly options: RetentionServiceOptions) {
    this.store = new RetentionStore(options.prisma);
  }

  /** Reads the durable totals and the last VACUUM, plans the first purge, and arms the timer. */
  async start(options: { timer: boolean }): Promise<void> {
    const { prisma, now, policy } = this.options;
    const [totals, vacuumed] = await Promise.all([
      prisma.workerState.findUnique({ where: { key: RETENTION_TOTALS_KEY } }),
      prisma.workerState.findUnique({ where: { key: RETENTION_VACUUM_KEY } }),
    ]);
    if (totals) {
      try {
        this.totals = { ...this.totals, ...(JSON.parse(totals.value) as Partial<Totals>) };
      } catch {
        // An unreadable row restarts the totals; it is rewritten after the next purge.
      }
    }
    if (vacuumed) this.vacuumMark = new Date(vacuumed.value);
    else {
      // First sight of the schedule: its first VACUUM is the next occurrence from now.
      this.vacuumMark = now();
      await this.saveState(RETENTION_VACUUM_KEY, this.vacuumMark.toISOString());
    }
    this.nextPurge = keepsEverything(policy)
      ? null
      : new Date(now().getTime() + (this.options.firstPurgeDelayMs ?? RETENTION_FIRST_PURGE_DELAY_MS));
    if (options.timer) this.arm();
  }

  nextPurgeAt(): Date | null {
    return this.nextPurge;
  }

  nextVacuumAt(): Date | null {
    return this.vacuumMark === null ? null : nextVacuumAfter(this.options.policy, this.vacuumMark);
  }

  /** Runs what is due at the clock's time (purge, then VACUUM). */
  runDue(): Promise<{ purge: PurgeOutcome | null; vacuum: VacuumOutcome | null }> {
    return this.serial(async () => {
      const at = this.options.now();
      let purge: PurgeOutcome | null = null;
      let vacuum: VacuumOutcome | null = null;
      if (this.nextPurge !== null && this.nextPurge.getTime() <= at.getTime()) {
        purge = await this.guard(() => this.purge());
        this.nextPurge = nextPurgeAfter(this.options.policy, this.options.now());
      }
      const vacuumAt = this.nextVacuumAt();
      if (vacuumAt !== null && vacuumAt.getTime() <= at.getTime()) {
        vacuum = await this.guard(() => this.vacuum());
        this.vacuumMark = this.options.now();
        await this.saveState(RETENTION_VACUUM_KEY, this.vacuumMark.toISOString());
      }
      return { purge, vacuum };
    });
  }

  /** Deletes everything expired now (in batches); returns what it did. */
  purgeNow(): Promise<PurgeOutcome> {
    return this.serial(() => this.purge());
  }

  vacuumNow(): Promise<VacuumOutcome> {
    return this.serial(() => this.vacuum());
  }

  stats(): RetentionStats {
    const { policy } = this.options;
    return {
      enabled: !keepsEverything(policy) && this.options.purgeable(),
      messages_days: policy.messagesDays,
      alerted_messages_days: policy.alertedMessagesDays,
      vacuum_cron: policy.vacuumCron,
      deleted_total: { ...this.totals },
      last_purge: this.lastPurge,
      last_vacuum: this.lastVacuum,
      next_purge_at: this.nextPurge?.toISOString() ?? null,
      next_vacuum_at: this.nextVacuumAt()?.toISOString() ?? null,
      last_error: this.lastError,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.queue;
  }

  private async purge(): Promise<PurgeOutcome> {
    const { policy, now, log } = this.options;
    const started = now();
    const startedMs = Date.now();
    const outcome: PurgeOutcome = {
      at: started.toISOString(),
      messages: 0,
      alerted_messages: 0,
      webhook_deliveries: 0,
      batches: 0,
      duration_ms: 0,
      interrupted: false,
    };
    if (!this.options.purgeable() || keepsEverything(policy)) return outcome;
    const batch = this.options.batch ?? RETENTION_BATCH;
    const pauseMs = this.options.pauseMs ?? RETENTION_BATCH_PAUSE_MS;
    const cutoffs = retentionCutoffs(started, policy);
    for (;;) {
      if (this.closed) {
        outcome.interrupted = true;
        break;
      }
      const deleted = await this.store.deleteExpiredBatch(cutoffs, batch);
      outcome.batches += 1;
      outcome.messages += deleted.plain + deleted.alerted;
      outcome.alerted_messages += deleted.alerted;
      if (deleted.plain + deleted.alerted < batch) break;
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
    if (policy.alertedMessagesDays > 0 && !this.closed) {
      const before = new Date(started.getTime() - policy.alertedMessagesDays * DAY_MS);
      for (;;) {
        const deleted = await this.store.deleteWebhookDeliveriesBatch(before, batch);
        outcome.webhook_deliveries += deleted;
        if (deleted < batch || this.closed) break;
        await new Promise((resolve) => setTimeout(resolve, pauseMs));
      }
    }
    outcome.duration_ms = Date.now() - startedMs;
    this.lastPurge = outcome;
    if (outcome.messages + outcome.webhook_deliveries > 0) {
      this.totals.messages += outcome.messages;
      this.totals.alerted_messages += outcome.alerted_messages;
      this.totals.webhook_deliveries += outcome.webhook_deliveries;
      await this.saveState(RETENTION_TOTALS_KEY, JSON.stringify(this.totals));
      log.info(
        {
          messages: outcome.messages,
          alerted_messages: outcome.alerted_messages,
          webhook_deliveries: outcome.webhook_deliveries,
          batches: outcome.batches,
          duration_ms: outcome.duration_ms,
        },
        "retention: old messages deleted",
      );
    } else log.debug({ batches: outcome.batches }, "retention: nothing to delete");
    return outcome;
  }

  private async vacuum(): Promise<VacuumOutcome> {
    const outcome = await this.store.vacuum();
    const freed = Math.max(0, outcome.pagesBefore - outcome.pagesAfter) * outcome.pageSize;
    this.lastVacuum = {
      at: this.options.now().toISOString(),
      skipped: outcome.skipped,
      freed_bytes: freed,
      duration_ms: outcome.durationMs,
    };
    this.options.log.info(
      {
        skipped: outcome.skipped,
        freed_bytes: freed,
        size_bytes: outcome.pagesAfter * outcome.pageSize,
        duration_ms: outcome.durationMs,
      },
      outcome.skipped ? "retention: VACUUM skipped (no free pages)" : "retention: sentinel.db vacuumed",
    );
    return outcome;
  }

  private async guard<T>(task: () => Promise<T>): Promise<T | null> {
    try {
      const result = await task();
      this.lastError = null;
      return result;
    } catch (error) {
      this.lastError = error instanceof Error ? error.message.slice(0, 300) : String(error);
      this.options.log.error({ error: this.lastError }, "retention run failed");
      return null;
    }
  }

  private async saveState(key: string, value: string): Promise<void> {
    await this.options.prisma.workerState.upsert({
      where: { key },
      create: { key, value },
      update: { value },
    });
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task);
    this.queue = run.catch(() => {});
    return run;
  }

  private arm(): void {
    if (this.closed) return;
    const next = [this.nextPurge, this.nextVacuumAt()]
      .filter((d): d is Date => d !== null)
      .sort((a, b) => a.getTime() - b.getTime())[0];
    if (next === undefined) return;
    const delay = Math.min(
      WAKE_MAX_MS,
      Math.max(WAKE_MIN_MS, next.getTime() - this.options.now().getTime() + 5),
    );
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.runDue().finally(() => this.arm());
    }, delay);
    this.timer.unref();
  }
}

export interface RetentionOptions {
  /** config `retention`. */
  policy: RetentionSettings;
  /** The clock (tests pass a fake one and call `app.retention.runDue()`). */
  now?: () => Date;
  /** Arm the purge/VACUUM timer on ready (default true). */
  timer?: boolean;
  /** Messages per batch (default RETENTION_BATCH). */
  batch?: number;
}

const retention: FastifyPluginAsync<RetentionOptions> = async (app, opts) => {
  const log = app.log.child({ component: "retention" });
  const service = new RetentionService({
    prisma: app.prisma,
    policy: opts.policy,
    now: opts.now ?? (() => new Date()),
    log,
    purgeable: () => app.telegram.source !== "export",
    ...(opts.batch === undefined ? {} : { batch: opts.batch }),
  });
  app.decorate("retention", service);
  app.statsSections.set("retention", () => service.stats());

  app.addHook("onReady", async () => {
    await service.start({ timer: opts.timer !== false });
    log.info(
      {
        messages_days: opts.policy.messagesDays,
        alerted_messages_days: opts.policy.alertedMessagesDays,
        first_purge: service.nextPurgeAt()?.toISOString() ?? null,
        next_vacuum: service.nextVacuumAt()?.toISOString() ?? null,
        purged: app.telegram.source !== "export",
      },
      "retention",
    );
  });
  app.addHook("onClose", async () => {
    await service.close();
  });
};

export default fp(retention, {
  name: "retention",
  dependencies: ["database", "telegram", "stats"],
  fastify: "5.x",
});
