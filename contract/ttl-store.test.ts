import { afterEach, describe, expect, it } from "vitest";
import { testRedisTarget } from "./test-redis.ts";
import { MemoryTtlStore, RedisTtlStore, type TtlStore } from "./ttl-store.ts";

const adapters: Array<[string, () => TtlStore]> = [
  ["memory", () => new MemoryTtlStore()],
  ["redis", () => new RedisTtlStore(testRedisTarget())],
];

describe.each(adapters)("TtlStore contract: %s", (_name, make) => {
  let store: TtlStore;
  afterEach(async () => {
    await store.close();
  });

  it("stores a value that expires after its ttl", async () => {
    store = make();
    await store.set("flood_wait:messages.GetHistory", "30", 150);
    expect(await store.get("flood_wait:messages.GetHistory")).toBe("30");
    const ttl = await store.ttl("flood_wait:messages.GetHistory");
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(150);
    await new Promise((r) => setTimeout(r, 250));
    expect(await store.get("flood_wait:messages.GetHistory")).toBeNull();
    expect(await store.ttl("flood_wait:messages.GetHistory")).toBeNull();
  });

  it("counts in a fixed window that starts with the first increment", async () => {
    store = make();
    expect(await store.incr("cap:chat:1", 200)).toBe(1);
    expect(await store.incr("cap:chat:1", 200)).toBe(2);
    expect(await store.incr("cap:chat:1", 200)).toBe(3);
    // Later increments do not extend the window.
    await new Promise((r) => setTimeout(r, 300));
    expect(await store.incr("cap:chat:1", 200)).toBe(1);
  });

  it("reads several keys and adds to several counters at once, each in its own fixed window", async () => {
    store = make();
    expect(await store.getMany([])).toEqual([]);
    expect(await store.incrMany(new Map(), 200)).toEqual([]);
    await store.set("x", "7", 5_000);
    expect(await store.incr("cap:a", 200)).toBe(1);
    expect(
      await store.incrMany(
        new Map([
          ["cap:a", 2],
          ["cap:b", 3],
        ]),
        200,
      ),
    ).toEqual([3, 3]);
    expect(await store.getMany(["cap:a", "missing", "cap:b", "x"])).toEqual(["3", null, "3", "7"]);
    // The window started with the first increment of each key; adding more does not extend it.
    const ttl = await store.ttl("cap:b");
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(await store.getMany(["cap:a", "cap:b", "x"])).toEqual([null, null, "7"]);
    expect(await store.incrMany(new Map([["cap:a", 4]]), 200)).toEqual([4]);
  });

  it("lists live entries under a prefix only", async () => {
    store = make();
    await store.set("flood_wait:a", "10", 5_000);
    await store.set("flood_wait:b", "20", 5_000);
    await store.set("other:c", "x", 5_000);
    await store.set("flood_wait:gone", "1", 1);
    await new Promise((r) => setTimeout(r, 20));
    const entries = await store.list("flood_wait:");
    expect(entries.map((e) => [e.key, e.value])).toEqual([
      ["flood_wait:a", "10"],
      ["flood_wait:b", "20"],
    ]);
    for (const e of entries) expect(e.ttlMs).toBeGreaterThan(0);
  });

  it("deletes a key", async () => {
    store = make();
    await store.set("k", "v", 5_000);
    await store.delete("k");
    expect(await store.get("k")).toBeNull();
  });

  it("treats glob characters in a prefix literally", async () => {
    store = make();
    await store.set("a*b:1", "x", 5_000);
    await store.set("aXb:1", "y", 5_000);
    expect((await store.list("a*b:")).map((e) => e.key)).toEqual(["a*b:1"]);
  });
});
