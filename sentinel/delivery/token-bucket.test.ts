import { describe, expect, it } from "vitest";
import { perMinuteBucket, TokenBucket } from "./token-bucket.ts";

describe("TokenBucket", () => {
  it("starts full, allows a burst of its capacity, then one token per interval", () => {
    let now = 0;
    const bucket = new TokenBucket({ capacity: 3, intervalMs: 1_000, now: () => now });
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([0, 0, 0]);
    expect(bucket.take()).toBe(1_000);
    now = 400;
    expect(bucket.take()).toBe(600);
    now = 1_000;
    expect(bucket.take()).toBe(0);
    expect(bucket.take()).toBe(1_000);
  });

  it("never holds more than its capacity however long it rests", () => {
    let now = 0;
    const bucket = new TokenBucket({ capacity: 2, intervalMs: 100, now: () => now });
    bucket.take();
    bucket.take();
    now = 1_000_000;
    expect(bucket.available()).toBe(2);
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([0, 0, 100]);
  });

  it("paces at most N per minute: 20/min with no burst is one take every 3 s", () => {
    let now = 0;
    const bucket = perMinuteBucket(20, { capacity: 1, now: () => now });
    const taken: number[] = [];
    while (taken.length < 21) {
      const wait = bucket.take();
      if (wait === 0) taken.push(now);
      else now += wait;
    }
    expect(taken.slice(0, 4)).toEqual([0, 3_000, 6_000, 9_000]);
    // 21 sends need 60 s: never more than 20 inside any minute that excludes its end.
    expect(taken.at(-1)).toBe(60_000);
    expect(perMinuteBucket(20, { capacity: 1, now: () => 0, minuteMs: 600 }).take()).toBe(0);
  });

  it("refuses a capacity below 1 or a non-positive interval", () => {
    expect(() => new TokenBucket({ capacity: 0, intervalMs: 1, now: () => 0 })).toThrow(RangeError);
    expect(() => new TokenBucket({ capacity: 1, intervalMs: 0, now: () => 0 })).toThrow(RangeError);
  });
});
