/**
 * An async iterator fed by push(): what the subscription plumbing (pubsub.ts, shared-subscriptions.ts)
 * hands from a publisher that never waits to a reader that reads at its own pace. Each queued value
 * carries a weight (1, or its serialised bytes) so owners can enforce their own limits; the queue
 * itself has none.
 */
export class PushQueue<T> implements AsyncIterableIterator<T> {
  private values: T[] = [];
  private weights: number[] = [];
  private head = 0;
  private queuedWeight = 0;
  private waiting: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | null = null;
  private failure: { error: unknown } | null = null;
  private closed = false;

  /** Values waiting to be read. */
  get size(): number {
    return this.values.length - this.head;
  }

  /** The summed weights of the values waiting to be read. */
  get weight(): number {
    return this.queuedWeight;
  }

  /** True while a reader waits on an empty queue (a push goes straight to it). */
  get readerWaiting(): boolean {
    return this.waiting !== null;
  }

  /** True once close() or abort() was called: push() does nothing any more. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Hands `value` to a waiting reader, or queues it; ignored once closed. */
  push(value: T, weight = 1): void {
    if (this.closed) return;
    if (this.waiting) {
      const { resolve } = this.waiting;
      this.waiting = null;
      resolve({ value, done: false });
      return;
    }
    this.values.push(value);
    this.weights.push(weight);
    this.queuedWeight += weight;
  }

  /** No more values: the queued ones are still read, then the reader gets `error` or done. */
  close(error?: unknown): void {
    if (this.closed) return;
    this.closed = true;
    if (error !== undefined) this.failure = { error };
    this.settleWaiting();
  }

  /** Ends now: queued values are dropped; the next read gets `error`, or done without one. */
  abort(error?: unknown): void {
    this.closed = true;
    this.values = [];
    this.weights = [];
    this.head = 0;
    this.queuedWeight = 0;
    this.failure = error === undefined ? null : { error };
    this.settleWaiting();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.head < this.values.length) {
      const value = this.values[this.head] as T;
      this.queuedWeight -= this.weights[this.head] ?? 0;
      this.values[this.head] = undefined as T;
      this.head += 1;
      this.compact();
      return Promise.resolve({ value, done: false });
    }
    if (this.failure !== null) {
      const { error } = this.failure;
      this.failure = null;
      return Promise.reject(error);
    }
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  /** The reader stops: same as abort() without an error. */
  return(): Promise<IteratorResult<T>> {
    this.abort();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  /** A reader waiting on an empty, closed queue gets the error or done. */
  private settleWaiting(): void {
    if (!this.waiting || this.head < this.values.length || !this.closed) return;
    const { resolve, reject } = this.waiting;
    this.waiting = null;
    if (this.failure !== null) {
      const { error } = this.failure;
      this.failure = null;
      reject(error);
    } else resolve({ value: undefined, done: true });
  }

  /** Drops the read front: all of it when empty, else now and then so a long queue does not grow. */
  private compact(): void {
    if (this.head === this.values.length) {
      this.values = [];
      this.weights = [];
      this.head = 0;
    } else if (this.head >= 1_024 && this.head * 2 >= this.values.length) {
      this.values = this.values.slice(this.head);
      this.weights = this.weights.slice(this.head);
      this.head = 0;
    }
  }
}
