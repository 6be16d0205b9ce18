import { describe, expect, it } from "vitest";
import { LatencyWindow } from "../alerts/latency-window.ts";
import { LatencyHistogram } from "./latency-histogram.ts";

describe("LatencyHistogram", () => {
  it("counts each observation in the first bound at or above it, cumulatively, with sum and count", () => {
    const histogram = new LatencyHistogram([1, 5, 10]);
    for (const ms of [0.5, 1, 3, 7, 50, -1, Number.NaN]) histogram.observe(ms);
    expect(histogram.snapshot()).toEqual({
      buckets: [
        { leMs: 1, count: 2 },
        { leMs: 5, count: 3 },
        { leMs: 10, count: 4 },
      ],
      sumMs: 61.5,
      count: 5,
    });
  });

  it("rejects bounds that are not strictly increasing", () => {
    expect(() => new LatencyHistogram([1, 1])).toThrow(RangeError);
    expect(() => new LatencyHistogram([])).toThrow(RangeError);
  });

  it("keeps counting in LatencyWindow after the percentile ring has wrapped", () => {
    const window = new LatencyWindow(4);
    for (let i = 0; i < 10; i += 1) window.record(0.02);
    expect(window.summary().samples).toBe(4);
    expect(window.histogram.snapshot().count).toBe(10);
  });
});
