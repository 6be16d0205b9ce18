/**
 * Webhook deliveries with a durable history: every (alert, webhook) pair is one
 * `webhook_deliveries` row, inserted before the first attempt (idempotent on the pair) and
 * updated after each one, so a restart resumes what was pending and GET /api/webhooks/deliveries
 * shows every attempt's outcome. Attempts follow webhook-retry.ts (WEBHOOK_ATTEMPTS tries,
 * WEBHOOK_TIMEOUT_MS each, WEBHOOK_BACKOFF_MS between) and run at most `concurrency` at a time.
 * The request body is the same bytes on every attempt; receivers dedupe on `delivery_id`.
 */
import { sqliteDate } from "../alerts/alert-store.ts";
import type { PrismaClient } from "../db/generated/client.ts";
import { postWebhook, type WebhookRequest } from "./webhook-post.ts";
import {
  describeOutcome,
  nextRetryDelay,
  WEBHOOK_ATTEMPTS,
  WEBHOOK_BACKOFF_MS,
  WEBHOOK_TIMEOUT_MS,
} from "./webhook-retry.ts";
import { SIGNATURE_HEADER, signWebhookBody } from "./webhook-signature.ts";

/** A configured webhook with its secret decrypted (held in memory only). */
export interface WebhookTarget {
  name: string;
  /** A profile name, or "*" for every profile. */
  profile: string;
  url: string;
  secret: string;
}

export const WEBHOOK_EVENT = "alert.created";
export const WEBHOOK_CONCURRENCY = 4;
export const WEBHOOK_USER_AGENT = "tgsentinel-webhook/1";

export interface DispatcherLog {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface WebhookDispatcherOptions {
  prisma: PrismaClient;
  targets: readonly WebhookTarget[];
  /** The alert as the body's `alert` field shows it, or null when it no longer exists. */
  readAlert: (id: number) => Promise<unknown | null>;
  now: () => Date;
  log: DispatcherLog;
  timeoutMs?: number;
  backoffMs?: readonly number[];
  concurrency?: number;
  post?: (request: WebhookRequest) => ReturnType<typeof postWebhook>;
}

export interface DispatcherStats {
  webhooks: number;
  attempts: number;
  delivered: number;
  failed: number;
  retries_scheduled: number;
  in_flight: number;
}

export class WebhookDispatcher {
  private readonly abort = new AbortController();
  private readonly timers = new Map<number, NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  private readonly waiting: Array<() => void> = [];
  private active = 0;
  private inserting: Promise<unknown> = Promise.resolve();
  private closed = false;
  private counts = { attempts: 0, delivered: 0, failed: 0 };

  constructor(private readonly options: WebhookDispatcherOptions) {}

  get targets(): readonly WebhookTarget[] {
    return this.options.targets;
  }

  /** Records a delivery per matching webhook and starts the first attempts. */
  accept(alert: { id: number; profile: string }): void {
    const matching = this.options.targets.filter((t) => t.profile === "*" || t.profile === alert.profile);
    if (matching.length === 0 || this.closed) return;
    const run = this.inserting.then(async () => {
      const rows = await this.options.prisma.$queryRawUnsafe<Array<{ id: number | bigint }>>(
        `INSERT INTO webhook_deliveries (webhook, alert_id, profile, status, attempts, created_at, next_attempt_at)
         SELECT value, ?, ?, 'pending', 0, ?, ? FROM json_each(?) WHERE true
         ON CONFLICT (webhook, alert_id) DO NOTHING
         RETURNING id`,
        alert.id,
        alert.profile,
        sqliteDate(this.options.now()),
        sqliteDate(this.options.now()),
        JSON.stringify(matching.map((t) => t.name)),
      );
      for (const row of rows) this.schedule(Number(row.id), 0);
    });
    this.inserting = run.catch((error: unknown) => {
      this.options.log.error(
        { alert_id: alert.id, error: error instanceof Error ? error.message : String(error) },
        "webhook deliveries could not be recorded",
      );
    });
  }

  /** Schedules the deliveries an earlier run left pending. Returns how many. */
  async resume(): Promise<number> {
    const rows = await this.options.prisma.webhookDelivery.findMany({
      where: { status: "pending" },
      orderBy: { id: "asc" },
      select: { id: true, nextAttemptAt: true },
    });
    const now = this.options.now().getTime();
    for (const row of rows) this.schedule(row.id, Math.max(0, (row.nextAttemptAt?.getTime() ?? now) - now));
    if (rows.length > 0) this.options.log.info({ pending: rows.length }, "resuming webhook deliveries");
    return rows.length;
  }

  stats(): DispatcherStats {
    return {
      webhooks: this.options.targets.length,
      attempts: this.counts.attempts,
      delivered: this.counts.delivered,
      failed: this.counts.failed,
      retries_scheduled: this.timers.size,
      in_flight: this.active,
    };
  }

  /** Resolves when nothing is recorded, scheduled or running (tests). */
  async idle(): Promise<void> {
    for (;;) {
      await this.inserting;
      if (this.running.size === 0 && this.timers.size === 0) return;
      await Promise.race([...this.running, new Promise((resolve) => setTimeout(resolve, 10))]);
    }
  }

  /** Stops: attempts in flight are aborted and stay pending (resumed on the next start). */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.abort.abort();
    for (const wake of this.waiting.splice(0)) wake();
    await this.inserting;
    await Promise.allSettled([...this.running]);
  }

  private schedule(id: number, delayMs: number): void {
    if (this.closed) return;
    const existing = this.timers.get(id);
    if (existing) clearTimeout(existing);
    const timer = setTimeout(() => {
      this.timers.delete(id);
      const run = this.withSlot(() => this.attempt(id)).catch((error: unknown) => {
        this.options.log.error(
          { delivery_id: id, error: error instanceof Error ? error.message : String(error) },
          "webhook attempt failed unexpectedly",
        );
      });
      this.running.add(run);
      void run.finally(() => this.running.delete(run));
    }, delayMs);
    timer.unref();
    this.timers.set(id, timer);
  }

  private async withSlot<T>(task: () => Promise<T>): Promise<T | undefined> {
    const limit = this.options.concurrency ?? WEBHOOK_CONCURRENCY;
    while (this.active >= limit) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
      if (this.closed) return undefined;
    }
    this.active += 1;
    try {
      return await task();
    } finally {
      this.active -= 1;
      this.waiting.shift()?.();
    }
  }

  private async attempt(id: number): Promise<void> {
    if (this.closed) return;
    const { prisma, now, log } = this.options;
    const row = await prisma.webhookDelivery.findUnique({ where: { id } });
    if (row === null || row.status !== "pending") return;
    const target = this.options.targets.find((t) => t.name === row.webhook);
    const alert = target ? await this.options.readAlert(row.alertId) : null;
    if (!target || alert === null) {
      await prisma.webhookDelivery.update({
        where: { id },
        data: {
          status: "failed",
          lastError: target ? "the alert no longer exists" : "the webhook is no longer configured",
          nextAttemptAt: null,
          finishedAt: now(),
        },
      });
      this.counts.failed += 1;
      return;
    }
    const body = JSON.stringify({
      event: WEBHOOK_EVENT,
      delivery_id: row.id,
      webhook: row.webhook,
      created_at: row.createdAt.toISOString(),
      alert,
    });
    const attempt = row.attempts + 1;
    const result = await (this.options.post ?? postWebhook)({
      url: target.url,
      body,
      headers: {
        "content-type": "application/json",
        "user-agent": WEBHOOK_USER_AGENT,
        [SIGNATURE_HEADER]: signWebhookBody(target.secret, body),
        "X-Webhook-Event": WEBHOOK_EVENT,
        "X-Webhook-Delivery": String(row.id),
        "X-Webhook-Attempt": String(attempt),
      },
      timeoutMs: this.options.timeoutMs ?? WEBHOOK_TIMEOUT_MS,
      signal: this.abort.signal,
    });
    // Shutting down mid-attempt: the row stays pending and the next start tries again.
    if (result.aborted) return;
    this.counts.attempts += 1;
    const { outcome } = result;
    const delay =
      outcome.kind === "delivered"
        ? null
        : nextRetryDelay(attempt, outcome, this.options.backoffMs ?? WEBHOOK_BACKOFF_MS, WEBHOOK_ATTEMPTS);
    const status = outcome.kind === "delivered" ? "delivered" : delay === null ? "failed" : "pending";
    const at = now();
    await prisma.webhookDelivery.update({
      where: { id },
      data: {
        status,
        attempts: attempt,
        responseStatus: outcome.kind === "delivered" || outcome.kind === "http" ? outcome.status : null,
        lastError: outcome.kind === "delivered" ? null : describeOutcome(outcome),
        durationMs: result.durationMs,
        nextAttemptAt: delay === null ? null : new Date(at.getTime() + delay),
        finishedAt: status === "pending" ? null : at,
      },
    });
    const fields = { delivery_id: id, webhook: row.webhook, alert_id: row.alertId, attempt };
    if (status === "delivered") {
      this.counts.delivered += 1;
      log.debug(fields, "webhook delivered");
    } else if (status === "failed") {
      this.counts.failed += 1;
      log.warn({ ...fields, error: describeOutcome(outcome) }, "webhook delivery failed; giving up");
    } else {
      log.info(
        { ...fields, error: describeOutcome(outcome), retry_in_ms: delay },
        "webhook attempt failed; retrying",
      );
      this.schedule(id, delay!);
    }
  }
}
