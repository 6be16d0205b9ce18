import { describe, expect, it } from "vitest";
import { LatencyWindow, percentile } from "./latency-window.ts";

describe("percentile (nearest rank)", () => {
  it("picks the nearest-rank sample", () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile(sorted, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([1, 2, 3], 50)).toBe(2);
    expect(percentile([], 50)).toBeNull();
  });

  it("rejects percentiles outside (0, 100]", () => {
    expect(() => percentile([1], 0)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });
});

describe("LatencyWindow", () => {
  it("summarises recorded samples", () => {
    const window = new LatencyWindow(1000);
    for (let i = 1; i <= 200; i++) window.record(i / 10);
    expect(window.summary()).toEqual({ samples: 200, total: 200, p50: 10, p99: 19.8, max: 20 });
  });

  it("keeps only the most recent samples", () => {
    const window = new LatencyWindow(4);
    for (const ms of [100, 100, 100, 1, 2, 3, 4]) window.record(ms);
    expect(window.summary()).toMatchObject({ samples: 4, total: 7, p50: 2, max: 4 });
  });

  it("ignores impossible samples and reports nulls when empty", () => {
    const window = new LatencyWindow(4);
    window.record(Number.NaN);
    window.record(-1);
    expect(window.summary()).toEqual({ samples: 0, total: 0, p50: null, p99: null, max: null });
  });
});
