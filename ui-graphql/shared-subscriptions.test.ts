import type { ExecutionResult } from "graphql";
import { describe, expect, it } from "vitest";
import type { Alert } from "./db/generated/client.ts";
import { PubSubOverflowError, UiPubSub } from "./pubsub.ts";
import {
  type DropReason,
  encodedPayloadOf,
  SharedSubscriptions,
  type SubscriptionOutcome,
  sharingKey,
} from "./shared-subscriptions.ts";

/** A source as graphql-js's subscribe gives one: each published event becomes a result. */
function sourceOn(pubsub: UiPubSub, executed: { count: number }): AsyncIterable<ExecutionResult> {
  const events = pubsub.subscribe("alertsAdded");
  const iterator: AsyncIterableIterator<ExecutionResult> = {
    async next() {
      const event = await events.next();
      if (event.done) return { value: undefined, done: true };
      executed.count += 1;
      return { value: { data: { ids: event.value.map((a) => a.id) } }, done: false };
    },
    async return() {
      await events.return();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

const alerts = (...ids: number[]) => ids.map((id) => ({ id })) as unknown as Alert[];

async function take(iterable: SubscriptionOutcome, count: number): Promise<ExecutionResult[]> {
  const iterator = (iterable as AsyncIterable<ExecutionResult>)[Symbol.asyncIterator]();
  const out: ExecutionResult[] = [];
  while (out.length < count) {
    const next = await iterator.next();
    if (next.done) break;
    out.push(next.value);
  }
  return out;
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("sharingKey", () => {
  it("is the same for the same operation whatever the order of its variables", () => {
    const a = sharingKey({ query: "subscription { x }", variables: { a: 1, b: { c: 2, d: 3 } } });
    const b = sharingKey({ query: "subscription { x }", variables: { b: { d: 3, c: 2 }, a: 1 } });
    expect(a).toBe(b);
    expect(sharingKey({ query: "subscription { x }", variables: { a: 2 } })).not.toBe(
      sharingKey({ query: "subscription { x }", variables: { a: 1 } }),
    );
    expect(sharingKey({ query: "subscription { x }", operationName: "X" })).not.toBe(
      sharingKey({ query: "subscription { x }" }),
    );
  });
});

describe("SharedSubscriptions", () => {
  it("executes each event once for every subscriber of an operation, and each gets every result in order", async () => {
    const pubsub = new UiPubSub();
    const shared = new SharedSubscriptions();
    const executed = { count: 0 };
    let started = 0;
    const start = () => {
      started += 1;
      return sourceOn(pubsub, executed);
    };
    const subscribers = await Promise.all(
      Array.from({ length: 50 }, () => shared.subscribe("k", start, () => {})),
    );
    expect(started).toBe(1);
    expect(pubsub.subscriberCount("alertsAdded")).toBe(1);
    const received = subscribers.map((s) => take(s, 3));
    pubsub.publish("alertsAdded", alerts(1, 2));
    pubsub.publish("alertsAdded", alerts(3));
    pubsub.publish("alertsAdded", alerts(4, 5, 6));
    const results = await Promise.all(received);
    expect(executed.count).toBe(3);
    for (const got of results) {
      expect(got.map((r) => r.data)).toEqual([{ ids: [1, 2] }, { ids: [3] }, { ids: [4, 5, 6] }]);
      // The very same result objects: executed once, and serialised once.
      expect(got).toEqual(results[0]);
      for (const [i, r] of got.entries()) expect(r).toBe(results[0]![i]);
    }
    expect(encodedPayloadOf(results[0]![0]!)?.toString()).toBe(JSON.stringify({ data: { ids: [1, 2] } }));
  });

  it("keeps operations with other variables apart", async () => {
    const pubsub = new UiPubSub();
    const shared = new SharedSubscriptions();
    const executed = { count: 0 };
    const low = await shared.subscribe(
      "low",
      () => sourceOn(pubsub, executed),
      () => {},
    );
    const high = await shared.subscribe(
      "high",
      () => sourceOn(pubsub, executed),
      () => {},
    );
    expect(shared.streamCount).toBe(2);
    const got = Promise.all([take(low, 1), take(high, 1)]);
    pubsub.publish("alertsAdded", alerts(7));
    await got;
    expect(executed.count).toBe(2);
  });

  it("drops a subscriber that stops reading at the byte limit, without holding up the others", async () => {
    const pubsub = new UiPubSub();
    const oneResult = Buffer.byteLength(JSON.stringify({ data: { ids: [1] } }));
    const shared = new SharedSubscriptions({ bufferLimitBytes: oneResult * 10 });
    const dropped: DropReason[] = [];
    const start = () => sourceOn(pubsub, { count: 0 });
    const slow = await shared.subscribe("k", start, (reason) => dropped.push(reason));
    const healthy = await shared.subscribe("k", start, () => {});
    const slowIterator = (slow as AsyncIterable<ExecutionResult>)[Symbol.asyncIterator]();
    // The slow one reads the first result, then nothing.
    const first = slowIterator.next();
    const healthyGot = take(healthy, 30);
    for (let i = 1; i <= 30; i++) {
      pubsub.publish("alertsAdded", alerts(i % 10));
      await tick();
    }
    expect((await healthyGot).length).toBe(30);
    expect((await first).done).toBe(false);
    expect(dropped).toEqual(["too-slow"]);
    expect(shared.subscriberCount("k")).toBe(1);
    // Dropped: its queue is gone and it ends.
    expect(await slowIterator.next()).toEqual({ value: undefined, done: true });
  });

  it("stops the source when the last subscriber leaves, and starts afresh for the next one", async () => {
    const pubsub = new UiPubSub();
    const shared = new SharedSubscriptions();
    let started = 0;
    const start = () => {
      started += 1;
      return sourceOn(pubsub, { count: 0 });
    };
    const a = (await shared.subscribe("k", start, () => {})) as AsyncIterableIterator<ExecutionResult>;
    const b = (await shared.subscribe("k", start, () => {})) as AsyncIterableIterator<ExecutionResult>;
    await a.return?.();
    expect(pubsub.subscriberCount("alertsAdded")).toBe(1);
    await b.return?.();
    await tick();
    expect(pubsub.subscriberCount("alertsAdded")).toBe(0);
    expect(shared.streamCount).toBe(0);
    const c = await shared.subscribe("k", start, () => {});
    expect(started).toBe(2);
    const got = take(c, 1);
    pubsub.publish("alertsAdded", alerts(9));
    expect((await got)[0]!.data).toEqual({ ids: [9] });
  });

  it("hands a refusal (errors instead of a stream) to the subscriber and shares nothing", async () => {
    const shared = new SharedSubscriptions();
    const refusal: ExecutionResult = { errors: [] };
    let started = 0;
    const start = () => {
      started += 1;
      return refusal;
    };
    expect(await shared.subscribe("k", start, () => {})).toBe(refusal);
    expect(await shared.subscribe("k", start, () => {})).toBe(refusal);
    expect(started).toBe(2);
    expect(shared.streamCount).toBe(0);
  });

  it("passes a failure of the source to every subscriber, and drops them all when the source overflowed", async () => {
    const shared = new SharedSubscriptions();
    const failing = (error: Error): AsyncIterable<ExecutionResult> => ({
      [Symbol.asyncIterator]: () => ({
        next: () => Promise.reject(error),
        return: async () => ({ value: undefined, done: true }),
      }),
    });
    const boom = new Error("boom");
    const a = await shared.subscribe(
      "a",
      () => failing(boom),
      () => {},
    );
    await expect(take(a, 1)).rejects.toBe(boom);

    const dropped: DropReason[] = [];
    const overflow = failing(new PubSubOverflowError("alertsAdded"));
    const b = await shared.subscribe(
      "b",
      () => overflow,
      (r) => dropped.push(r),
    );
    const c = await shared.subscribe(
      "b",
      () => overflow,
      (r) => dropped.push(r),
    );
    expect(await take(b, 1)).toEqual([]);
    expect(await take(c, 1)).toEqual([]);
    expect(dropped).toEqual(["source-overflow", "source-overflow"]);
  });
});
