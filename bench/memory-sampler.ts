/**
 * Memory growth of this process during an operation: RSS, V8 heap and external memory
 * (Buffers live outside the heap) are sampled every few milliseconds, and the kernel's peak RSS
 * is read before and after, so short peaks between samples are still seen.
 */

export interface MemoryGrowth {
  /** Highest RSS seen minus RSS at the start (bytes). */
  rss: number;
  /** Growth of the process's peak RSS (kernel high-water mark; 0 if the old peak was higher). */
  rssHighWater: number;
  heapUsed: number;
  /** External memory (Buffers, ArrayBuffers). */
  external: number;
  arrayBuffers: number;
}

const SAMPLE_EVERY_MS = 2;

export class MemorySampler {
  private base = process.memoryUsage();
  private baseMaxRss = process.resourceUsage().maxRSS * 1024;
  private peak = { rss: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
  private timer: NodeJS.Timeout | null = null;

  /** Collects garbage (when exposed) so the baseline is what is really live, then starts sampling. */
  start(): void {
    (globalThis as { gc?: () => void }).gc?.();
    this.base = process.memoryUsage();
    this.baseMaxRss = process.resourceUsage().maxRSS * 1024;
    this.peak = {
      rss: this.base.rss,
      heapUsed: this.base.heapUsed,
      external: this.base.external,
      arrayBuffers: this.base.arrayBuffers,
    };
    this.timer = setInterval(() => this.sample(), SAMPLE_EVERY_MS);
  }

  stop(): MemoryGrowth {
    this.sample();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    return {
      rss: this.peak.rss - this.base.rss,
      rssHighWater: Math.max(0, process.resourceUsage().maxRSS * 1024 - this.baseMaxRss),
      heapUsed: this.peak.heapUsed - this.base.heapUsed,
      external: this.peak.external - this.base.external,
      arrayBuffers: this.peak.arrayBuffers - this.base.arrayBuffers,
    };
  }

  private sample(): void {
    const now = process.memoryUsage();
    this.peak.rss = Math.max(this.peak.rss, now.rss);
    this.peak.heapUsed = Math.max(this.peak.heapUsed, now.heapUsed);
    this.peak.external = Math.max(this.peak.external, now.external);
    this.peak.arrayBuffers = Math.max(this.peak.arrayBuffers, now.arrayBuffers);
  }
}
