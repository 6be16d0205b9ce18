/**
 * When a webhook delivery is tried again. Pure: an attempt's outcome and the attempts made so far
 * in, the next delay (or "no more") out.
 *
 * Retried: timeouts, network errors, 408, 425, 429 and 5xx. Not retried: other 4xx (the receiver
 * refuses the request; sending it again will not change that) and redirects (never followed, so
 * a signed body never goes to a host nobody configured).
 */

/** Tries per delivery, the first included. */
export const WEBHOOK_ATTEMPTS = 4;
/** Each try gives up after this long. */
export const WEBHOOK_TIMEOUT_MS = 10_000;
/** Pause before the 2nd, 3rd and 4th try. */
export const WEBHOOK_BACKOFF_MS: readonly number[] = [5_000, 30_000, 120_000];
/** A receiver's Retry-After is honoured up to this long. */
export const WEBHOOK_RETRY_AFTER_MAX_MS = 10 * 60_000;

export type AttemptOutcome =
  | { kind: "delivered"; status: number }
  | { kind: "http"; status: number; retryAfterMs: number | null }
  | { kind: "timeout"; timeoutMs: number }
  | { kind: "network"; code: string | null };

export function isRetryable(outcome: AttemptOutcome): boolean {
  switch (outcome.kind) {
    case "delivered":
      return false;
    case "timeout":
    case "network":
      return true;
    case "http":
      return (
        outcome.status === 408 || outcome.status === 425 || outcome.status === 429 || outcome.status >= 500
      );
  }
}

/**
 * Milliseconds until the next try, or null when the delivery is finished (delivered, refused,
 * or out of attempts). `attemptsMade` counts the attempt that produced `outcome`.
 */
export function nextRetryDelay(
  attemptsMade: number,
  outcome: AttemptOutcome,
  backoffMs: readonly number[] = WEBHOOK_BACKOFF_MS,
  attempts = WEBHOOK_ATTEMPTS,
): number | null {
  if (!isRetryable(outcome) || attemptsMade >= attempts) return null;
  const base = backoffMs[Math.min(attemptsMade, backoffMs.length) - 1] ?? backoffMs.at(-1) ?? 0;
  const asked = outcome.kind === "http" ? (outcome.retryAfterMs ?? 0) : 0;
  return Math.max(base, Math.min(asked, WEBHOOK_RETRY_AFTER_MAX_MS));
}

/** Retry-After as seconds or an HTTP date, in ms from `now`; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (value === null || value.trim() === "") return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** What the delivery history says about an attempt (no URL, no secret, no response body). */
export function describeOutcome(outcome: AttemptOutcome): string {
  switch (outcome.kind) {
    case "delivered":
      return `delivered (HTTP ${outcome.status})`;
    case "http":
      return outcome.status >= 300 && outcome.status < 400
        ? `HTTP ${outcome.status} (redirects are not followed)`
        : `HTTP ${outcome.status}`;
    case "timeout":
      return `no answer within ${Math.round(outcome.timeoutMs / 100) / 10} s`;
    case "network":
      return outcome.code ? `network error (${outcome.code})` : "network error";
  }
}
