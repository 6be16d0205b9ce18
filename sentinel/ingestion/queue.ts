/** Most messages held in memory between arrival and SQLite (queued + the batch being written). */
export const INGEST_QUEUE_MAX = 5_000;
/** Most messages written in one SQLite transaction. */
export const INGEST_BATCH_MAX = 500;

export interface IngestQueueOptions<T> {
  /** Persists one batch; must resolve only once the batch is durable. Failures are retried. */
  write(batch: T[]): Promise<void>;
  /** Capacity; producers wait for space beyond it. Default INGEST_QUEUE_MAX. */
  max?: number;
  /** Largest batch handed to `write`. Default INGEST_BATCH_MAX. */
  batchSize?: number;
  /** Told about each failed write before it is retried. */
  onWriteError?(error: unknown, attempt: number): void;
  /** Delay before retrying a failed write (doubles up to 10 s). Default 200 ms. */
  retryDelayMs?: number;
}

export class IngestQueueClosedError extends Error {
  readonly code = "INGEST_QUEUE_CLOSED";
  constructor() {
    super("the ingest queue is closed");
    this.name = "IngestQueueClosedError";
  }
}

/**
 * A bounded in-process queue between Telegram and SQLite. Producers `await push()`: it resolves
 * as soon as the item is queued, and waits while the queue is full, so a burst slows its source
 * down instead of being dropped or piling up in memory. One consumer writes batches in order;
 * a failed write is retried (never dropped) until it succeeds or the queue is closed.
 */
export class IngestQueue<T> {
  private readonly max: number;
  private readonly batchSize: number;
  private readonly retryDelayMs: number;
  private buffer: T[] = [];
  private head = 0;
  private inFlight = 0;
  private readonly spaceWaiters: Array<() => void> = [];
  private readonly idleWaiters: Array<() => void> = [];
  private draining: Promise<void> | null = null;
  private closed = false;
  private retryTimer: { timer: NodeJS.Timeout; resolve: () => void } | null = null;
  private peak = 0;
  private written = 0;

  constructor(private readonly options: IngestQueueOptions<T>) {
    this.max = Math.max(1, options.max ?? INGEST_QUEUE_MAX);
    this.batchSize = Math.max(1, Math.min(options.batchSize ?? INGEST_BATCH_MAX, this.max));
    this.retryDelayMs = options.retryDelayMs ?? 200;
  }

  /** Items not yet durable (waiting + being written). Never above `max`. */
  get depth(): number {
    return this.buffer.length - this.head + this.inFlight;
  }

  /** The highest depth seen so far. */
  get highWater(): number {
    return this.peak;
  }

  /** Items written since creation. */
  get writtenCount(): number {
    return this.written;
  }

  /** Producers currently waiting for space. */
  get waitingProducers(): number {
    return this.spaceWaiters.length;
  }

  /** Queues one item, waiting for space while the queue is full. */
  async push(item: T): Promise<void> {
    while (!this.closed && this.depth >= this.max) {
      await new Promise<void>((resolve) => this.spaceWaiters.push(resolve));
    }
    if (this.closed) throw new IngestQueueClosedError();
    this.buffer.push(item);
    this.peak = Math.max(this.peak, this.depth);
    this.drain();
  }

  /** Resolves once everything queued before the call is durable. */
  async flush(): Promise<void> {
    if (this.depth === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Stops accepting items. With `flush` (the default) waits until what is queued is written;
   * waiting producers are rejected either way.
   */
  async close({ flush = true }: { flush?: boolean } = {}): Promise<void> {
    this.closed = true;
    for (const wake of this.spaceWaiters.splice(0)) wake();
    if (flush) await this.flush();
    if (this.retryTimer) {
      clearTimeout(this.retryTimer.timer);
      this.retryTimer.resolve();
      this.retryTimer = null;
    }
    await this.draining;
  }

  private drain(): void {
    if (this.draining) return;
    this.draining = this.consume().finally(() => {
      this.draining = null;
      // An item pushed between the loop's last check and here still gets written.
      if (this.buffer.length - this.head > 0) this.drain();
    });
  }

  private async consume(): Promise<void> {
    while (this.buffer.length - this.head > 0) {
      const batch = this.buffer.slice(this.head, this.head + this.batchSize);
      this.head += batch.length;
      this.inFlight = batch.length;
      if (this.head > 4096 && this.head * 2 > this.buffer.length) {
        this.buffer = this.buffer.slice(this.head);
        this.head = 0;
      }
      let attempt = 0;
      for (;;) {
        try {
          await this.options.write(batch);
          break;
        } catch (error) {
          attempt += 1;
          this.options.onWriteError?.(error, attempt);
          if (this.closed && attempt >= 3) {
            // Closing with a store that keeps failing: give up rather than hang shutdown.
            this.inFlight = 0;
            this.buffer = [];
            this.head = 0;
            this.wakeIdle();
            return;
          }
          await this.sleep(Math.min(10_000, this.retryDelayMs * 2 ** (attempt - 1)));
        }
      }
      this.written += batch.length;
      this.inFlight = 0;
      this.wakeProducers();
    }
    this.wakeIdle();
  }

  private wakeProducers(): void {
    let room = this.max - this.depth;
    while (room > 0 && this.spaceWaiters.length > 0) {
      this.spaceWaiters.shift()?.();
      room -= 1;
    }
  }

  private wakeIdle(): void {
    if (this.depth !== 0) return;
    for (const wake of this.idleWaiters.splice(0)) wake();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.retryTimer = null;
        resolve();
      }, ms);
      this.retryTimer = { timer, resolve };
    });
  }
}
