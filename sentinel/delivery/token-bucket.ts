/**
 * A token bucket: `capacity` tokens at most, one token back every `intervalMs`. Pure and driven
 * by the clock it is given, so pacing is tested with a fake clock.
 */
export interface TokenBucketOptions {
  /** Tokens the bucket holds at most (the largest burst). Starts full. */
  capacity: number;
  /** Time for one token to come back, in ms (60,000 / max per minute). */
  intervalMs: number;
  now: () => number;
}

export class TokenBucket {
  private tokens: number;
  private refilledAt: number;

  constructor(private readonly options: TokenBucketOptions) {
    if (!(options.capacity >= 1)) throw new RangeError("capacity must be at least 1");
    if (!(options.intervalMs > 0)) throw new RangeError("intervalMs must be positive");
    this.tokens = options.capacity;
    this.refilledAt = options.now();
  }

  /** Takes a token and returns 0, or takes nothing and returns the ms until one is there. */
  take(): number {
    this.refill();
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - this.tokens) * this.options.intervalMs));
  }

  /** Tokens available now (fractional while refilling). */
  available(): number {
    this.refill();
    return this.tokens;
  }

  private refill(): void {
    const now = this.options.now();
    const elapsed = now - this.refilledAt;
    if (elapsed <= 0) return;
    this.tokens = Math.min(this.options.capacity, this.tokens + elapsed / this.options.intervalMs);
    this.refilledAt = now;
  }
}

/** The bucket for "at most `perMinute` per minute" (`minuteMs` shrinks a minute in tests). */
export function perMinuteBucket(
  perMinute: number,
  options: { capacity: number; now: () => number; minuteMs?: number },
): TokenBucket {
  return new TokenBucket({
    capacity: options.capacity,
    intervalMs: (options.minuteMs ?? 60_000) / perMinute,
    now: options.now,
  });
}
