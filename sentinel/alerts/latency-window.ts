/**
 * Scoring latency for /api/stats: the last `capacity` samples in a ring, summarised as
 * percentiles on demand (sorting a few thousand numbers per stats request is cheap; keeping
 * a histogram up to date per message would not be cheaper).
 */
import { LatencyHistogram } from "../metrics/latency-histogram.ts";

/** Nearest-rank percentile of an ascending list; null when it is empty. `p` is in (0, 100]. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export interface LatencySummary {
  /** Samples the percentiles are computed from (the most recent ones). */
  samples: number;
  /** Samples recorded since start. */
  total: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
}

export const DEFAULT_LATENCY_SAMPLES = 2_048;

export class LatencyWindow {
  private readonly ring: Float64Array;
  private next = 0;
  private count = 0;
  private recorded = 0;
  /** Every sample since start in cumulative buckets, for GET /metrics (the ring forgets). */
  readonly histogram = new LatencyHistogram();

  constructor(readonly capacity = DEFAULT_LATENCY_SAMPLES) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError("capacity must be a positive integer");
    this.ring = new Float64Array(capacity);
  }

  record(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    this.histogram.observe(ms);
    this.ring[this.next] = ms;
    this.next = (this.next + 1) % this.capacity;
    this.count = Math.min(this.count + 1, this.capacity);
    this.recorded += 1;
  }

  /** Percentiles in milliseconds, rounded to microseconds. */
  summary(): LatencySummary {
    const sorted = Array.from(this.ring.subarray(0, this.count)).sort((a, b) => a - b);
    const round = (v: number | null) => (v === null ? null : Math.round(v * 1000) / 1000);
    return {
      samples: this.count,
      total: this.recorded,
      p50: round(percentile(sorted, 50)),
      p99: round(percentile(sorted, 99)),
      max: round(sorted.at(-1) ?? null),
    };
  }
}
