/**
 * One webhook attempt over HTTP: POST the body with its headers, wait at most `timeoutMs` for the
 * answer's status, never follow a redirect, and throw nothing: every ending is an AttemptOutcome.
 */
import { performance } from "node:perf_hooks";
import { type AttemptOutcome, parseRetryAfter } from "./webhook-retry.ts";

export interface WebhookRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  /** Aborts the attempt (the sentinel is shutting down). */
  signal?: AbortSignal;
}

export async function postWebhook(
  request: WebhookRequest,
): Promise<{ outcome: AttemptOutcome; durationMs: number; aborted: boolean }> {
  const started = performance.now();
  const timeout = AbortSignal.timeout(request.timeoutMs);
  const signal = request.signal ? AbortSignal.any([timeout, request.signal]) : timeout;
  const done = (outcome: AttemptOutcome) => ({
    outcome,
    durationMs: Math.round(performance.now() - started),
    aborted: request.signal?.aborted === true,
  });
  try {
    const response = await fetch(request.url, {
      method: "POST",
      body: request.body,
      headers: request.headers,
      redirect: "manual",
      signal,
    });
    // The answer's body is not needed: release the connection without reading it.
    await response.body?.cancel().catch(() => {});
    if (response.status >= 200 && response.status < 300)
      return done({ kind: "delivered", status: response.status });
    return done({
      kind: "http",
      status: response.status,
      retryAfterMs: parseRetryAfter(response.headers.get("retry-after"), Date.now()),
    });
  } catch (error) {
    if (timeout.aborted) return done({ kind: "timeout", timeoutMs: request.timeoutMs });
    const cause = (error as { cause?: { code?: unknown } }).cause;
    const code = typeof cause?.code === "string" ? cause.code : null;
    return done({ kind: "network", code });
  }
}
