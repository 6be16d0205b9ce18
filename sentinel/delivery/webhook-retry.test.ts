import { describe, expect, it } from "vitest";
import {
  type AttemptOutcome,
  describeOutcome,
  isRetryable,
  nextRetryDelay,
  parseRetryAfter,
  WEBHOOK_ATTEMPTS,
  WEBHOOK_BACKOFF_MS,
} from "./webhook-retry.ts";

const http = (status: number, retryAfterMs: number | null = null): AttemptOutcome => ({
  kind: "http",
  status,
  retryAfterMs,
});

describe("webhook retry schedule", () => {
  it(`tries ${WEBHOOK_ATTEMPTS} times in all, pausing ${WEBHOOK_BACKOFF_MS.join(", ")} ms in between`, () => {
    const outcome: AttemptOutcome = { kind: "timeout", timeoutMs: 10_000 };
    expect([1, 2, 3, 4].map((made) => nextRetryDelay(made, outcome))).toEqual([5_000, 30_000, 120_000, null]);
  });

  it("retries timeouts, network errors, 408, 425, 429 and 5xx; not other answers", () => {
    const retried = [
      http(408),
      http(425),
      http(429),
      http(500),
      http(503),
      { kind: "network", code: "ECONNREFUSED" },
    ];
    for (const outcome of retried) expect(isRetryable(outcome as AttemptOutcome)).toBe(true);
    for (const outcome of [
      http(400),
      http(401),
      http(404),
      http(410),
      http(302),
      { kind: "delivered", status: 204 },
    ])
      expect(nextRetryDelay(1, outcome as AttemptOutcome)).toBeNull();
  });

  it("honours a longer Retry-After, up to 10 minutes", () => {
    expect(nextRetryDelay(1, http(429, 60_000))).toBe(60_000);
    expect(nextRetryDelay(1, http(503, 1_000))).toBe(5_000);
    expect(nextRetryDelay(1, http(503, 3_600_000))).toBe(600_000);
  });

  it("reads Retry-After as seconds or as an HTTP date", () => {
    const now = Date.parse("2026-03-02T09:00:00Z");
    expect(parseRetryAfter("120", now)).toBe(120_000);
    expect(parseRetryAfter("Mon, 02 Mar 2026 09:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter("soon", now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });

  it("describes outcomes for the history without the URL or the answer's body", () => {
    expect(describeOutcome(http(500))).toBe("HTTP 500");
    expect(describeOutcome(http(301))).toBe("HTTP 301 (redirects are not followed)");
    expect(describeOutcome({ kind: "timeout", timeoutMs: 10_000 })).toBe("no answer within 10 s");
    expect(describeOutcome({ kind: "network", code: "ECONNREFUSED" })).toBe("network error (ECONNREFUSED)");
  });
});
