import { describe, expect, it } from "vitest";
import {
  createUiPubSub,
  filterEvents,
  mapEvents,
  PUBSUB_QUEUE_LIMIT,
  PubSubOverflowError,
  SKIP,
} from "./pubsub.ts";

describe("createUiPubSub", () => {
  it("serves many subscribers of one topic without a MaxListenersExceededWarning", async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on("warning", onWarning);
    try {
      const pubsub = createUiPubSub();
      const iterators = Array.from({ length: 50 }, () =>
        pubsub.subscribe("sessionUpdated")[Symbol.asyncIterator](),
      );
      const next = iterators.map((it) => it.next());
      const view = { action: "removed" as const, size: 0, importedAt: "", at: "now" };
      pubsub.publish("sessionUpdated", view);
      const received = await Promise.all(next);
      expect(received.map((r) => r.value)).toEqual(iterators.map(() => view));
      await Promise.all(iterators.map((it) => it.return?.()));
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).not.toContain("MaxListenersExceededWarning");
    } finally {
      process.off("warning", onWarning);
    }
  });

  it("never throws from publish, however far a subscriber is behind (Yoga's pub/sub threw at 1,024)", async () => {
    const pubsub = createUiPubSub();
    const events = pubsub.subscribe("workerStatus");
    const view = (i: number) => ({ i }) as unknown as Parameters<typeof pubsub.publish<"workerStatus">>[1];
    for (let i = 0; i < 5_000; i++) pubsub.publish("workerStatus", view(i));
    const got: unknown[] = [];
    for (let i = 0; i < 5_000; i++) got.push((await events.next()).value);
    expect(got).toEqual(Array.from({ length: 5_000 }, (_, i) => view(i)));
    await events.return();
  });

  it(`ends a subscription ${PUBSUB_QUEUE_LIMIT} events behind with PubSubOverflowError, and unsubscribes it`, async () => {
    const pubsub = createUiPubSub();
    const events = pubsub.subscribe("alertAdded");
    const alert = {} as Parameters<typeof pubsub.publish<"alertAdded">>[1];
    for (let i = 0; i < PUBSUB_QUEUE_LIMIT; i++) pubsub.publish("alertAdded", alert);
    expect(pubsub.subscriberCount("alertAdded")).toBe(1);
    pubsub.publish("alertAdded", alert);
    expect(pubsub.subscriberCount("alertAdded")).toBe(0);
    await expect(events.next()).rejects.toBeInstanceOf(PubSubOverflowError);
    expect(await events.next()).toEqual({ value: undefined, done: true });
  });

  it("unsubscribes at once when an operation is given up before its first event, also through filterEvents", async () => {
    const pubsub = createUiPubSub();
    const plain = pubsub.subscribe("alertAdded");
    const filtered = filterEvents(pubsub.subscribe("alertAdded"), () => true);
    expect(pubsub.subscriberCount("alertAdded")).toBe(2);
    await plain.return();
    await filtered.return?.();
    expect(pubsub.subscriberCount("alertAdded")).toBe(0);
  });

  it("mapEvents leaves out events mapped to SKIP", async () => {
    const pubsub = createUiPubSub();
    const high = mapEvents(pubsub.subscribe("alertsAdded"), (alerts) => {
      const kept = alerts.filter((a) => a.score >= 5);
      return kept.length > 0 ? kept : SKIP;
    });
    const a = (id: number, score: number) =>
      ({ id, score }) as Parameters<typeof pubsub.publish<"alertAdded">>[1];
    pubsub.publish("alertsAdded", [a(1, 1), a(2, 2)]);
    pubsub.publish("alertsAdded", [a(3, 1), a(4, 7)]);
    expect((await high.next()).value).toEqual([a(4, 7)]);
    await high.return?.();
  });
});
