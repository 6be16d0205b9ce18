/**
 * The outbox of alerts on their way into Telegram, and the one worker that sends them, in order:
 * - paced by a token bucket (config `alerts.delivery.max_per_minute`), so the account never posts
 *   faster than configured;
 * - paused while Telegram's flood wait for sending runs (the gateway reports it, or a send fails
 *   with RATE_LIMITED and the seconds to wait), and while the account is not authorized;
 * - bounded: past `outboxMax` waiting alerts the oldest waiting one is dropped (newer alerts
 *   matter more; every alert stays in the feed) and counted.
 * A send that fails otherwise is retried `maxAttempts` times with growing pauses, then counted as
 * failed. No Fastify, Prisma or GramJS here: the plugin passes the gateway's functions in.
 */
import type { TokenBucket } from "./token-bucket.ts";

/** Alerts waiting to be sent, at most (then the oldest waiting one is dropped). */
export const DELIVERY_OUTBOX_MAX = 1_000;
/** Tries per alert for failures other than flood waits and lost authorization. */
export const DELIVERY_MAX_ATTEMPTS = 5;
/** Pause after a failed send, times the attempt number. */
export const DELIVERY_RETRY_MS = 5_000;
/** How often a sender with no authorized account looks again. */
export const DELIVERY_READY_POLL_MS = 1_000;

export interface OutgoingAlert {
  alertId: number;
  /** Marked chat id, "@username", or "me" (Saved Messages). */
  peer: string;
  text: string;
}

export interface SenderLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface AlertSenderOptions {
  send(peer: string, text: string): Promise<unknown>;
  /** Milliseconds until sending is allowed again (a flood wait in force), 0 when it is. */
  floodWaitMs(): number;
  /** False while no authorized account is connected: nothing is tried then. */
  ready(): boolean;
  bucket: TokenBucket;
  now: () => number;
  /** Default: a real (unref'd) timer. Tests pass virtual time. */
  sleep?: (ms: number) => Promise<void>;
  log: SenderLog;
  outboxMax?: number;
  maxAttempts?: number;
  retryMs?: number;
  readyPollMs?: number;
}

/** The sender's figures, as GET /api/stats shows them under `delivery`. */
export interface SenderStats {
  queued: number;
  outbox_max: number;
  sent: number;
  dropped: number;
  failed: number;
  flood_waits: number;
  paused_until: string | null;
  last_sent_at: string | null;
  last_error: string | null;
}

interface Queued extends OutgoingAlert {
  attempts: number;
}

function realSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

export class AlertSender {
  private readonly outbox: Queued[] = [];
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly outboxMax: number;
  private running: Promise<void> | null = null;
  private inFlight = false;
  private closed = false;
  /** Pauses in progress; close() ends them at once. */
  private readonly pauses = new Set<() => void>();
  private idleWaiters: Array<() => void> = [];
  private counts = { sent: 0, dropped: 0, failed: 0, floodWaits: 0 };
  private pausedUntil: number | null = null;
  private lastSentAt: number | null = null;
  private lastError: string | null = null;
  private dropping = false;

  constructor(private readonly options: AlertSenderOptions) {
    this.sleep = options.sleep ?? realSleep;
    this.outboxMax = options.outboxMax ?? DELIVERY_OUTBOX_MAX;
  }

  /** Queues an alert (dropping the oldest waiting one when the outbox is full) and starts the worker. */
  enqueue(alert: OutgoingAlert): void {
    if (this.closed) return;
    if (this.outbox.length >= this.outboxMax) {
      // Never the one being sent right now (it is at the head while in flight).
      const [dropped] = this.outbox.splice(this.inFlight ? 1 : 0, 1);
      this.counts.dropped += 1;
      if (!this.dropping) {
        this.dropping = true;
        this.options.log.warn(
          { outbox_max: this.outboxMax, alert_id: dropped?.alertId },
          "alert outbox full: dropping the oldest waiting alerts (they stay in the feed)",
        );
      }
    }
    this.outbox.push({ ...alert, attempts: 0 });
    this.running ??= this.work().finally(() => {
      this.running = null;
      for (const wake of this.idleWaiters.splice(0)) wake();
    });
  }

  /** Resolves once the outbox is empty (or the sender closed). */
  idle(): Promise<void> {
    if (this.running === null) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stats(): SenderStats {
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    const paused =
      this.pausedUntil !== null && this.pausedUntil > this.options.now() ? this.pausedUntil : null;
    return {
      queued: this.outbox.length,
      outbox_max: this.outboxMax,
      sent: this.counts.sent,
      dropped: this.counts.dropped,
      failed: this.counts.failed,
      flood_waits: this.counts.floodWaits,
      paused_until: iso(paused),
      last_sent_at: iso(this.lastSentAt),
      last_error: this.lastError,
    };
  }

  /** Stops the worker; alerts still waiting are not sent (they stay in the feed). */
  async close(): Promise<void> {
    this.closed = true;
    for (const wake of [...this.pauses]) wake();
    const left = this.outbox.length;
    await this.running;
    if (left > 0) this.options.log.info({ unsent: left }, "alert delivery stopped with alerts still waiting");
    this.outbox.length = 0;
  }

  private pause(ms: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        this.pauses.delete(wake);
        resolve();
      };
      this.pauses.add(wake);
      void this.sleep(ms).then(wake);
    });
  }

  private async work(): Promise<void> {
    const { options } = this;
    const maxAttempts = options.maxAttempts ?? DELIVERY_MAX_ATTEMPTS;
    while (!this.closed && this.outbox.length > 0) {
      if (!options.ready()) {
        await this.pause(options.readyPollMs ?? DELIVERY_READY_POLL_MS);
        continue;
      }
      const flood = options.floodWaitMs();
      if (flood > 0) {
        this.floodPause(flood);
        await this.pause(flood);
        continue;
      }
      const wait = options.bucket.take();
      if (wait > 0) {
        await this.pause(wait);
        continue;
      }
      const item = this.outbox[0]!;
      this.inFlight = true;
      try {
        await options.send(item.peer, item.text);
        this.outbox.shift();
        this.counts.sent += 1;
        this.lastSentAt = options.now();
        this.dropping = false;
      } catch (error) {
        const failure = failureOf(error);
        this.lastError = failure.message;
        if (failure.retryAfterMs !== null) {
          // Telegram's flood wait: not the alert's fault, so no attempt is counted.
          this.floodPause(failure.retryAfterMs);
          await this.pause(failure.retryAfterMs);
        } else if (failure.code === "NOT_AUTHORIZED") {
          await this.pause(options.readyPollMs ?? DELIVERY_READY_POLL_MS);
        } else {
          item.attempts += 1;
          if (item.attempts >= maxAttempts) {
            this.outbox.shift();
            this.counts.failed += 1;
            options.log.warn(
              { alert_id: item.alertId, attempts: item.attempts, error: failure.message },
              "alert not delivered: giving up",
            );
          } else await this.pause((options.retryMs ?? DELIVERY_RETRY_MS) * item.attempts);
        }
      } finally {
        this.inFlight = false;
      }
    }
  }

  private floodPause(ms: number): void {
    const until = this.options.now() + ms;
    if (this.pausedUntil === null || this.pausedUntil <= this.options.now()) this.counts.floodWaits += 1;
    this.pausedUntil = Math.max(this.pausedUntil ?? 0, until);
    this.options.log.warn(
      { seconds: Math.ceil(ms / 1000), until: new Date(until).toISOString() },
      "alert delivery paused: Telegram flood wait",
    );
  }
}

function failureOf(error: unknown): { code: string | null; message: string; retryAfterMs: number | null } {
  const fields = (error ?? {}) as { code?: unknown; retryAfterSeconds?: unknown };
  const code = typeof fields.code === "string" ? fields.code : null;
  const retry = fields.retryAfterSeconds;
  return {
    code,
    // Only the message: GramJS errors can carry request objects.
    message: (error instanceof Error ? error.message : String(error)).slice(0, 300),
    retryAfterMs:
      code === "RATE_LIMITED" && typeof retry === "number" && retry > 0 ? Math.ceil(retry * 1000) : null,
  };
}
