import { describe, expect, it } from "vitest";
import { DEFAULT_RECONNECT_POLICY, reconnectDelay } from "./reconnect-policy.ts";

const policy = { baseMs: 1_000, maxMs: 60_000, factor: 2, jitter: 0.2 };
const middle = () => 0.5; // no jitter either way

describe("reconnectDelay", () => {
  it("doubles from the base delay per failed attempt", () => {
    expect([0, 1, 2, 3, 4, 5].map((n) => reconnectDelay(n, policy, middle))).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 32_000,
    ]);
  });

  it("is capped at maxMs however many attempts failed", () => {
    expect(reconnectDelay(6, policy, middle)).toBe(60_000);
    expect(reconnectDelay(50, policy, middle)).toBe(60_000);
    expect(reconnectDelay(10_000, policy, middle)).toBe(60_000);
  });

  it("spreads each delay by at most ±jitter, so clients do not retry in step", () => {
    expect(reconnectDelay(3, policy, () => 0)).toBe(6_400);
    expect(reconnectDelay(3, policy, () => 0.999999)).toBe(9_600);
    expect(reconnectDelay(20, policy, () => 0.999999)).toBe(72_000);
    const seen = new Set(Array.from({ length: 50 }, (_, i) => reconnectDelay(2, policy, () => i / 50)));
    expect(seen.size).toBeGreaterThan(40);
    for (const delay of seen) {
      expect(delay).toBeGreaterThanOrEqual(3_200);
      expect(delay).toBeLessThanOrEqual(4_800);
    }
  });

  it("treats negative or fractional attempts as the first retry and never returns a negative delay", () => {
    expect(reconnectDelay(-3, policy, middle)).toBe(1_000);
    expect(reconnectDelay(1.7, policy, middle)).toBe(2_000);
    expect(reconnectDelay(0, { ...policy, jitter: 1.5 }, () => 0)).toBe(0);
  });

  it("has sane defaults: first retry within ~1 s, never more than ~72 s apart", () => {
    expect(reconnectDelay(0, DEFAULT_RECONNECT_POLICY)).toBeLessThanOrEqual(1_200);
    expect(reconnectDelay(99, DEFAULT_RECONNECT_POLICY)).toBeLessThanOrEqual(72_000);
  });
});
