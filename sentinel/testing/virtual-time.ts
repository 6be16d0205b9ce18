/**
 * Test support: a clock and a sleep that only move when the test runs them, so pacing over
 * minutes is checked in milliseconds of real time and to the exact millisecond of virtual time.
 */
export class VirtualTime {
  private current: number;
  private seq = 0;
  private timers: Array<{ at: number; seq: number; resolve: () => void }> = [];

  constructor(start = Date.UTC(2026, 2, 2, 9, 0, 0)) {
    this.current = start;
  }

  readonly now = (): number => this.current;

  readonly sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      this.timers.push({ at: this.current + Math.max(0, ms), seq: this.seq++, resolve });
    });

  get pending(): number {
    return this.timers.length;
  }

  advance(ms: number): void {
    this.current += ms;
  }

  /**
   * Lets pending work settle, then fires timers in time order until none is left (or the next
   * one is after `until`, when the clock stops at `until`).
   */
  async run(options: { until?: number; maxSteps?: number } = {}): Promise<void> {
    const maxSteps = options.maxSteps ?? 100_000;
    for (let step = 0; step < maxSteps; step += 1) {
      await settle();
      if (this.timers.length === 0) return;
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers[0]!;
      if (options.until !== undefined && next.at > options.until) {
        this.current = Math.max(this.current, options.until);
        return;
      }
      this.timers.shift();
      this.current = Math.max(this.current, next.at);
      next.resolve();
    }
    throw new Error(`virtual time still busy after ${maxSteps} steps`);
  }
}

/** Lets every queued promise reaction run (a few macrotask turns). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 3; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}
