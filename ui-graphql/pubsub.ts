import type { Alert, DigestRun } from "./db/generated/client.ts";
import { PushQueue } from "./push-queue.ts";
import type { WorkerStatusView } from "./worker-status.ts";

/** What sessionUpdated subscribers receive. */
export interface SessionUpdatedView {
  action: "imported" | "removed";
  size: number;
  importedAt: string;
  at: string;
}

/** The typed topics of GraphQL subscriptions; fed from the EventBus by event-relay.ts. */
export type UiTopics = {
  workerStatus: [WorkerStatusView];
  alertAdded: [Alert];
  /** The alerts one cache sync page added (oldest first, never empty): alertsAdded's batches. */
  alertsAdded: [Alert[]];
  /** A cached alert was revised (its message edited): the row as it is now. */
  alertUpdated: [Alert];
  sessionUpdated: [SessionUpdatedView];
  digestCompleted: [DigestRun];
};

export type UiTopic = keyof UiTopics;

/** A subscription's events; `return()` unsubscribes (also before the first event). */
export interface EventStream<T> extends AsyncIterableIterator<T> {
  return(): Promise<IteratorResult<T>>;
}

/**
 * Events one subscription may have waiting before it is ended as too far behind: one full cache
 * sync (200 pages of 500 alerts) published at once fits. The queue is drained by the shared
 * execution of each distinct operation (shared-subscriptions.ts), never by a socket, so only an
 * execution that cannot keep up for that long reaches it.
 */
export const PUBSUB_QUEUE_LIMIT = 100_000;

/** A subscription's queue reached PUBSUB_QUEUE_LIMIT: it ended (its subscribers must start again). */
export class PubSubOverflowError extends Error {
  constructor(topic: string) {
    super(`The subscription to ${topic} fell more than ${PUBSUB_QUEUE_LIMIT} events behind`);
    this.name = "PubSubOverflowError";
  }
}

/**
 * One subscription to a topic: an async iterator over a queue of its own. Publishing never
 * waits for it and never throws (Yoga's Repeater-based pub/sub threw from inside publish, and so
 * crashed the process, once a subscriber was 1,024 events behind); a queue past the limit ends
 * the subscription with PubSubOverflowError instead.
 */
class TopicSubscription<T> implements EventStream<T> {
  private readonly queue = new PushQueue<T>();
  private detached = false;

  constructor(
    private readonly topic: string,
    private readonly detach: () => void,
  ) {}

  /** Called by publish. */
  deliver(value: T): void {
    if (this.queue.isClosed) return;
    if (this.queue.size >= PUBSUB_QUEUE_LIMIT) {
      this.leave();
      this.queue.abort(new PubSubOverflowError(this.topic));
      return;
    }
    this.queue.push(value);
  }

  private leave(): void {
    if (this.detached) return;
    this.detached = true;
    this.detach();
  }

  next(): Promise<IteratorResult<T>> {
    return this.queue.next();
  }

  return(): Promise<IteratorResult<T>> {
    this.leave();
    return this.queue.return();
  }

  [Symbol.asyncIterator](): EventStream<T> {
    return this;
  }
}

/**
 * The UI's in-process pub/sub behind GraphQL subscriptions (the Redis bus carries the sentinel's
 * events; event-relay.ts turns them into these topics). Each subscribe() is one queue; with
 * shared execution there is one per distinct subscription operation, not one per socket.
 */
export class UiPubSub {
  private readonly listeners = new Map<UiTopic, Set<TopicSubscription<unknown>>>();

  publish<K extends UiTopic>(topic: K, payload: UiTopics[K][0]): void {
    const set = this.listeners.get(topic);
    if (!set) return;
    for (const subscription of [...set]) subscription.deliver(payload);
  }

  subscribe<K extends UiTopic>(topic: K): EventStream<UiTopics[K][0]> {
    let set = this.listeners.get(topic);
    if (!set) {
      set = new Set();
      this.listeners.set(topic, set);
    }
    const subscription: TopicSubscription<UiTopics[K][0]> = new TopicSubscription(topic, () => {
      set.delete(subscription as TopicSubscription<unknown>);
      if (set.size === 0 && this.listeners.get(topic) === set) this.listeners.delete(topic);
    });
    set.add(subscription as TopicSubscription<unknown>);
    return subscription;
  }

  /** How many subscriptions a topic has (tests and diagnostics). */
  subscriberCount(topic: UiTopic): number {
    return this.listeners.get(topic)?.size ?? 0;
  }
}

/**
 * The events of `source` that `keep` accepts. Unlike an async generator (or Yoga's Repeater-based
 * filter), return() reaches the source even before the first next(), so an operation given up
 * early never leaves a subscription behind.
 */
export function filterEvents<T>(source: EventStream<T>, keep: (value: T) => boolean): EventStream<T> {
  return mapEvents(source, (value) => (keep(value) ? value : SKIP));
}

/** Skips an event in mapEvents. */
export const SKIP: unique symbol = Symbol("skip");

/** Each event of `source` through `map`; events mapped to SKIP are left out. */
export function mapEvents<T, U>(source: EventStream<T>, map: (value: T) => U | typeof SKIP): EventStream<U> {
  const iterator: EventStream<U> = {
    async next() {
      for (;;) {
        const result = await source.next();
        if (result.done) return { value: undefined, done: true };
        const mapped = map(result.value);
        if (mapped !== SKIP) return { value: mapped, done: false };
      }
    },
    async return() {
      await source.return();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

export function createUiPubSub(): UiPubSub {
  return new UiPubSub();
}
