/**
 * HTTP from the tests to the services under test: every request has a deadline (a hung server
 * fails the test instead of hanging it) and its duration is measured.
 */

/** The default deadline of one request. */
export const REQUEST_DEADLINE_MS = 15_000;

export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
  /** Wall time from sending to the end of the body. */
  ms: number;
}

export interface HttpRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array | FormData | Blob;
  /** Deadline for the whole exchange (default REQUEST_DEADLINE_MS). */
  timeoutMs?: number;
}

/** Sends a request and reads the whole answer; throws when the deadline passes. */
export async function http(url: string, request: HttpRequest = {}): Promise<HttpAnswer> {
  const started = performance.now();
  const res = await fetch(url, {
    method: request.method ?? "GET",
    headers: request.headers,
    body: request.body as BodyInit | undefined,
    signal: AbortSignal.timeout(request.timeoutMs ?? REQUEST_DEADLINE_MS),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json, ms: performance.now() - started };
}

/** The contract's error envelope, as a test sees it. */
export interface ErrorEnvelopeShape {
  status: "error";
  code: string;
  message: string;
  data: null;
  error: { code: string; message: string };
}

/** True when `value` is the sentinel's JSON error envelope. */
export function isErrorEnvelope(value: unknown): value is ErrorEnvelopeShape {
  const v = value as Partial<ErrorEnvelopeShape> | undefined;
  return (
    typeof v === "object" &&
    v !== null &&
    v.status === "error" &&
    typeof v.code === "string" &&
    typeof v.message === "string" &&
    v.data === null &&
    typeof v.error === "object" &&
    v.error?.code === v.code
  );
}
