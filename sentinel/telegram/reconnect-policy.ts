/** Capped exponential backoff with jitter for reconnect attempts. */
export interface ReconnectPolicy {
  /** Delay before the first retry. */
  baseMs: number;
  /** Ceiling of any delay (before jitter). */
  maxMs: number;
  /** Growth per failed attempt. */
  factor: number;
  /** Fraction of the delay randomised either way (0.2 = ±20%), so many clients do not retry in step. */
  jitter: number;
}

export const DEFAULT_RECONNECT_POLICY: ReconnectPolicy = {
  baseMs: 1_000,
  maxMs: 60_000,
  factor: 2,
  jitter: 0.2,
};

/**
 * Milliseconds to wait before reconnect attempt `attempt` (0 = first retry after a drop):
 * `min(maxMs, baseMs * factor^attempt)`, then spread by ±jitter, never above `maxMs * (1 + jitter)`
 * nor below zero. `random` returns [0, 1) and is injectable for tests.
 */
export function reconnectDelay(
  attempt: number,
  policy: ReconnectPolicy = DEFAULT_RECONNECT_POLICY,
  random: () => number = Math.random,
): number {
  const step = Math.max(0, Math.floor(attempt));
  // Exponent capped so huge attempt counts cannot overflow to Infinity/NaN.
  const exponential = policy.baseMs * policy.factor ** Math.min(step, 64);
  const capped = Math.min(policy.maxMs, Number.isFinite(exponential) ? exponential : policy.maxMs);
  const spread = capped * policy.jitter * (2 * random() - 1);
  return Math.max(0, Math.round(capped + spread));
}
