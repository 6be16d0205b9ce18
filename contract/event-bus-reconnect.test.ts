import { afterEach, describe, expect, it } from "vitest";
import { RedisEventBus } from "./event-bus.ts";
import type { EventMessage } from "./events.ts";
import { type SpawnedRedis, spawnRedis } from "./redis-server.ts";
import { RedisTtlStore } from "./ttl-store.ts";

const status = { authorized: false, connected: true, user_info: null, last_sync: null, last_error: null };

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 8_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("a Redis that drops and comes back", () => {
  let redis: SpawnedRedis | undefined;
  afterEach(async () => {
    await redis?.stop();
  });

  it("is reconnected to without a restart: publishes fail while down, subscriptions resume after", async () => {
    redis = await spawnRedis();
    const port = redis.port;
    const target = { host: "127.0.0.1", port, prefix: "tgsentinel:" };
    const publisher = new RedisEventBus(target);
    const subscriber = new RedisEventBus(target);
    const store = new RedisTtlStore(target);
    try {
      const received: EventMessage<"worker_status">[] = [];
      subscriber.subscribe("worker_status", (m) => received.push(m));
      let reconnects = 0;
      subscriber.onReconnect(() => reconnects++);
      await subscriber.ready();
      await until(() => publisher.health().connected);
      expect(await publisher.publish("worker_status", status)).toBe(true);
      await until(() => received.length === 1);

      await redis.stop();
      await until(() => !publisher.health().connected && !subscriber.health().connected);
      expect(await publisher.publish("worker_status", status)).toBe(false);
      await expect(store.get("x")).rejects.toThrow();

      redis = await spawnRedis(port);
      await until(() => publisher.health().connected && subscriber.health().connected);
      await until(() => reconnects === 1);
      await subscriber.ready();
      expect(await publisher.publish("worker_status", { ...status, authorized: true })).toBe(true);
      await until(() => received.length === 2);
      expect(received[1]?.data.authorized).toBe(true);
      await store.set("x", "1", 10_000);
      expect(await store.get("x")).toBe("1");
    } finally {
      await Promise.all([publisher.close(), subscriber.close(), store.close()]);
    }
  });
});
