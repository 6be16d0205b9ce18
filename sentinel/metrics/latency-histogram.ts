/**
 * A cumulative histogram of latencies (for Prometheus): counts per upper bound since start, the
 * sum and the count. Observing is a short loop over a dozen bounds; the snapshot is cumulative.
 */

/** Upper bounds of the scoring latency histogram, in milliseconds (scoring one message is usually well under 1 ms). */
export const SCORING_LATENCY_BOUNDS_MS: readonly number[] = [
  0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 100,
];

export interface LatencyHistogramSnapshot {
  /** Cumulative: `buckets[i].count` observations were ≤ `buckets[i].leMs`. */
  buckets: Array<{ leMs: number; count: number }>;
  sumMs: number;
  count: number;
}

export class LatencyHistogram {
  private readonly bounds: readonly number[];
  private readonly counts: number[];
  private sum = 0;
  private count = 0;

  constructor(boundsMs: readonly number[] = SCORING_LATENCY_BOUNDS_MS) {
    if (boundsMs.length === 0) throw new RangeError("a histogram needs at least one bound");
    for (let i = 1; i < boundsMs.length; i += 1)
      if (!(boundsMs[i]! > boundsMs[i - 1]!)) throw new RangeError("bounds must be strictly increasing");
    this.bounds = [...boundsMs];
    this.counts = new Array<number>(boundsMs.length).fill(0);
  }

  observe(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    this.sum += ms;
    this.count += 1;
    for (let i = 0; i < this.bounds.length; i += 1) {
      if (ms <= this.bounds[i]!) {
        this.counts[i]! += 1;
        return;
      }
    }
  }

  snapshot(): LatencyHistogramSnapshot {
    let running = 0;
    return {
      buckets: this.bounds.map((leMs, i) => {
        running += this.counts[i]!;
        return { leMs, count: running };
      }),
      sumMs: this.sum,
      count: this.count,
    };
  }
}
