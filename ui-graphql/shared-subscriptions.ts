/**
 * Shared execution of GraphQL subscriptions: every subscriber of the same operation (same
 * document, operation name and variables) is attached to one source stream, and each event is
 * executed once for all of them instead of once per subscriber. A hundred open tabs watching the
 * alert feed cost one execution per event, not a hundred.
 *
 * This is sound because no result depends on who asks: every logged-in user sees the same
 * alerts, statuses and digests. Authentication is still checked per operation (graphql-http.ts
 * resolves the socket's session before it subscribes here) and per socket (revoked or expired
 * sessions close their sockets). Should a field ever depend on the user, the user must become
 * part of the sharing key.
 *
 * Each result is also serialised once (`encodedPayloadOf`), and graphql-ws-server.ts sends those
 * bytes to every subscriber instead of stringifying the result again per socket.
 *
 * Each subscriber has a queue of its own, filled synchronously as results come, so a slow or dead
 * subscriber never holds up the others nor the source: when what it has waiting reaches
 * SUBSCRIBER_BUFFER_LIMIT_BYTES (serialised) it is dropped (its `onDrop` closes its socket; the
 * web UI reconnects and reloads). The queues hold references to the shared results, not copies.
 */
import type { ExecutionResult } from "graphql";
import { PubSubOverflowError } from "./pubsub.ts";
import { PushQueue } from "./push-queue.ts";

/**
 * Bytes of results (as serialised) one subscriber may have waiting — not yet handed to its
 * socket, whose writes go one at a time — before it is dropped as too slow: about 13 batches of
 * 500 alerts, or 40,000 single alerts.
 */
export const SUBSCRIBER_BUFFER_LIMIT_BYTES = 8 * 1024 * 1024;

const encodedPayloads = new WeakMap<object, Buffer>();

/** The JSON of a shared result, encoded once; undefined for any other object. */
export function encodedPayloadOf(result: object): Buffer | undefined {
  return encodedPayloads.get(result);
}

function encode(result: ExecutionResult): Buffer {
  let encoded = encodedPayloads.get(result);
  if (encoded === undefined) {
    // As graphql-ws would: errors through their toJSON (JSON.stringify calls it), absent keys left out.
    encoded = Buffer.from(JSON.stringify(result));
    encodedPayloads.set(result, encoded);
  }
  return encoded;
}

/** What graphql-js's subscribe answers: a stream of results, or one result with the errors. */
export type SubscriptionOutcome = AsyncIterable<ExecutionResult> | ExecutionResult;

export interface SharedSubscriptionsOptions {
  /** SUBSCRIBER_BUFFER_LIMIT_BYTES by default. */
  bufferLimitBytes?: number;
}

/** Why a subscriber was dropped (given to its onDrop). */
export type DropReason = "too-slow" | "source-overflow";

/**
 * The key under which subscribers share one stream: the operation as sent and its variables
 * (object keys sorted, so `{a, b}` and `{b, a}` share).
 */
export function sharingKey(payload: {
  query: string;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
}): string {
  return JSON.stringify([payload.query, payload.operationName ?? null, sortedKeys(payload.variables ?? {})]);
}

function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, sortedKeys((value as Record<string, unknown>)[k])]),
  );
}

function isAsyncIterable(value: unknown): value is AsyncIterable<ExecutionResult> {
  return value !== null && typeof value === "object" && Symbol.asyncIterator in value;
}

/** One subscriber's view of a shared stream: its own queue, read by graphql-ws. */
class Subscriber implements AsyncIterableIterator<ExecutionResult> {
  /** Results waiting for graphql-ws, each weighted by its serialised bytes. */
  private readonly queue = new PushQueue<ExecutionResult>();

  constructor(
    private readonly limitBytes: number,
    private readonly leave: (subscriber: Subscriber) => void,
    private readonly onDrop: (reason: DropReason) => void,
  ) {}

  /** A result of the shared stream (`bytes` serialised); never waits. */
  push(result: ExecutionResult, bytes: number): void {
    if (this.queue.isClosed) return;
    if (!this.queue.readerWaiting && this.queue.weight + bytes > this.limitBytes) {
      this.drop("too-slow");
      return;
    }
    this.queue.push(result, bytes);
  }

  /** The source ended: what is queued is still delivered, then the iterator is done. */
  end(): void {
    this.queue.close();
  }

  /** The source failed: what is queued is delivered, then the error. */
  fail(error: unknown): void {
    this.queue.close(error);
  }

  /** Leaves the stream at once, dropping what is queued, and tells the owner (who closes the socket). */
  drop(reason: DropReason): void {
    this.queue.abort();
    this.leave(this);
    this.onDrop(reason);
  }

  next(): Promise<IteratorResult<ExecutionResult>> {
    return this.queue.next();
  }

  /** The subscriber completed (or its socket closed): it leaves the stream. */
  return(): Promise<IteratorResult<ExecutionResult>> {
    this.queue.abort();
    this.leave(this);
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ExecutionResult> {
    return this;
  }
}

/** One source stream and the subscribers attached to it. */
class SharedStream {
  readonly subscribers = new Set<Subscriber>();
  private source: AsyncIterator<ExecutionResult> | null = null;
  private closed = false;
  readonly started: Promise<SubscriptionOutcome>;

  constructor(
    start: () => Promise<SubscriptionOutcome> | SubscriptionOutcome,
    private readonly forget: (stream: SharedStream) => void,
  ) {
    this.started = (async () => {
      try {
        const outcome = await start();
        if (!isAsyncIterable(outcome)) {
          // Refused (bad arguments, auth): nothing to share; the next subscriber tries afresh.
          this.close();
          return outcome;
        }
        this.source = outcome[Symbol.asyncIterator]();
        if (this.subscribers.size === 0) this.close();
        else void this.pump(this.source);
        return outcome;
      } catch (error) {
        this.close();
        throw error;
      }
    })();
  }

  private async pump(source: AsyncIterator<ExecutionResult>): Promise<void> {
    try {
      for (;;) {
        const result = await source.next();
        if (this.closed) return;
        if (result.done) {
          this.close();
          for (const s of [...this.subscribers]) s.end();
          return;
        }
        const bytes = encode(result.value).length;
        for (const s of [...this.subscribers]) s.push(result.value, bytes);
      }
    } catch (error) {
      if (this.closed) return;
      this.close();
      const subscribers = [...this.subscribers];
      this.subscribers.clear();
      for (const s of subscribers) {
        if (error instanceof PubSubOverflowError) s.drop("source-overflow");
        else s.fail(error);
      }
    }
  }

  join(subscriber: Subscriber): void {
    this.subscribers.add(subscriber);
  }

  leave(subscriber: Subscriber): void {
    if (!this.subscribers.delete(subscriber)) return;
    // The last one out stops the source (it unsubscribes from the pub/sub); while starting,
    // `started` does it once the source exists.
    if (this.subscribers.size === 0 && this.source !== null) this.close();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.forget(this);
    void this.source?.return?.()?.catch(() => {});
  }
}

/**
 * The shared streams of one server, by sharing key. graphql-http.ts calls `subscribe` from
 * graphql-ws's `subscribe` hook for every subscription operation.
 */
export class SharedSubscriptions {
  private readonly streams = new Map<string, SharedStream>();
  private readonly bufferLimitBytes: number;

  constructor(options: SharedSubscriptionsOptions = {}) {
    this.bufferLimitBytes = options.bufferLimitBytes ?? SUBSCRIBER_BUFFER_LIMIT_BYTES;
  }

  /**
   * Attaches a subscriber to the stream of `key`, starting it with `start` (graphql-js's
   * subscribe, with this subscriber's arguments and context) when there is none. Resolves with
   * the subscriber's own stream, or with the refusal `start` answered.
   */
  async subscribe(
    key: string,
    start: () => Promise<SubscriptionOutcome> | SubscriptionOutcome,
    onDrop: (reason: DropReason) => void,
  ): Promise<SubscriptionOutcome> {
    let stream = this.streams.get(key);
    if (!stream || stream.isClosed) {
      const created: SharedStream = new SharedStream(start, (s) => {
        if (this.streams.get(key) === s) this.streams.delete(key);
      });
      this.streams.set(key, created);
      stream = created;
    }
    const own = stream;
    const subscriber = new Subscriber(this.bufferLimitBytes, (s) => own.leave(s), onDrop);
    own.join(subscriber);
    let outcome: SubscriptionOutcome;
    try {
      outcome = await own.started;
    } catch (error) {
      own.leave(subscriber);
      throw error;
    }
    if (!isAsyncIterable(outcome)) {
      own.leave(subscriber);
      return outcome;
    }
    return subscriber;
  }

  /** Distinct operations being executed (tests and diagnostics). */
  get streamCount(): number {
    return this.streams.size;
  }

  /** Subscribers attached to the stream of `key`. */
  subscriberCount(key: string): number {
    return this.streams.get(key)?.subscribers.size ?? 0;
  }
}
