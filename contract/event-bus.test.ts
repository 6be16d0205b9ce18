import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { type EventBus, MemoryEventBus, RedisEventBus } from "./event-bus.ts";
import type { EventMessage } from "./events.ts";
import { testRedisTarget } from "./test-redis.ts";

function waitFor<T>(subscribe: (resolve: (value: T) => void) => void, timeoutMs = 3_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timed out waiting for event")), timeoutMs);
    subscribe((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

const status = {
  authorized: true,
  connected: true,
  user_info: { user_id: 42, username: "analyst", first_name: "Ann" },
  last_sync: null,
  last_error: null,
};

// One behavioural contract for every adapter (as grammY's storage adapters do).
const adapters: Array<[string, () => EventBus]> = [
  ["memory", () => new MemoryEventBus()],
  ["redis", () => new RedisEventBus(testRedisTarget())],
];

describe.each(adapters)("EventBus contract: %s", (_name, make) => {
  let buses: EventBus[] = [];
  const bus = () => {
    const b = make();
    buses.push(b);
    return b;
  };
  afterEach(async () => {
    await Promise.all(buses.map((b) => b.close()));
    buses = [];
  });

  it("delivers a published event with its type, time and data", async () => {
    const b = bus();
    const received = waitFor<EventMessage<"worker_status">>((resolve) =>
      b.subscribe("worker_status", resolve),
    );
    await b.ready();
    expect(await b.publish("worker_status", status)).toBe(true);
    const message = await received;
    expect(message.type).toBe("worker_status");
    expect(message.data).toEqual(status);
    expect(Number.isNaN(Date.parse(message.at))).toBe(false);
  });

  it("delivers only to subscribers of that channel and stops after unsubscribe", async () => {
    const b = bus();
    const alerts: unknown[] = [];
    const statuses: unknown[] = [];
    const off = b.subscribe("alert_created", (m) => alerts.push(m.data.id));
    b.subscribe("worker_status", (m) => statuses.push(m.data.authorized));
    const firstSeen = waitFor<void>((resolve) => b.subscribe("alert_created", () => resolve()));
    await b.ready();
    const alert = {
      id: 1,
      chat_id: "-1001",
      chat_title: "News",
      message_id: 5,
      profile: "p",
      score: 3,
      created_at: "2026-01-01T00:00:00.000Z",
    };
    await b.publish("alert_created", alert);
    await firstSeen;
    off();
    const secondSeen = waitFor<void>((resolve) => b.subscribe("alert_created", () => resolve()));
    const statusSeen = waitFor<void>((resolve) => b.subscribe("worker_status", () => resolve()));
    await b.publish("alert_created", { ...alert, id: 2 });
    await b.publish("worker_status", status);
    await Promise.all([secondSeen, statusSeen]);
    expect(alerts).toEqual([1]);
    expect(statuses).toEqual([true]);
  });

  it("keeps delivering to other handlers when one handler throws", async () => {
    const b = bus();
    b.subscribe("digest_completed", () => {
      throw new Error("consumer bug");
    });
    const received = waitFor<number>((resolve) => b.subscribe("digest_completed", (m) => resolve(m.data.id)));
    await b.ready();
    await b.publish("digest_completed", {
      id: 7,
      trigger: "manual",
      schedule: null,
      alert_count: 0,
      finished_at: "2026-01-01T00:00:00.000Z",
    });
    expect(await received).toBe(7);
  });

  it("preserves publish order on one channel", async () => {
    const b = bus();
    const ids: number[] = [];
    const all = waitFor<void>((resolve) =>
      b.subscribe("alert_created", (m) => {
        ids.push(m.data.id);
        if (ids.length === 50) resolve();
      }),
    );
    await b.ready();
    for (let i = 0; i < 50; i++) {
      await b.publish("alert_created", {
        id: i,
        chat_id: "1",
        chat_title: "",
        message_id: i,
        profile: "p",
        score: 1,
        created_at: "",
      });
    }
    await all;
    expect(ids).toEqual([...Array(50).keys()]);
  });

  it("answers publish with false after close instead of throwing", async () => {
    const b = make();
    await b.close();
    expect(await b.publish("worker_status", status)).toBe(false);
  });
});

describe("RedisEventBus across processes' connections", () => {
  it("delivers from one bus instance to another with the same prefix, and not across prefixes", async () => {
    const target = testRedisTarget();
    const a = new RedisEventBus(target);
    const b = new RedisEventBus(target);
    const other = new RedisEventBus(testRedisTarget());
    try {
      const leaked: unknown[] = [];
      other.subscribe("worker_status", (m) => leaked.push(m));
      const received = waitFor<EventMessage<"worker_status">>((resolve) =>
        b.subscribe("worker_status", resolve),
      );
      await Promise.all([b.ready(), other.ready()]);
      await a.publish("worker_status", status);
      expect((await received).data.user_info?.username).toBe("analyst");
      await new Promise((r) => setTimeout(r, 100));
      expect(leaked).toEqual([]);
    } finally {
      await Promise.all([a.close(), b.close(), other.close()]);
    }
  });

  it("publish resolves false fast when Redis is unreachable", async () => {
    const port = await closedPort();
    const bus = new RedisEventBus({ host: "127.0.0.1", port, prefix: "test-down:" });
    try {
      const started = Date.now();
      expect(await bus.publish("worker_status", status)).toBe(false);
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(bus.health()).toEqual({ kind: "redis", connected: false });
    } finally {
      await bus.close();
    }
  });
});

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
