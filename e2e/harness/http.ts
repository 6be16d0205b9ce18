import net from "node:net";

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

/**
 * One request over a plain TCP socket, for bodies fetch cannot send or whose answer it loses: a
 * server may answer an over-size body early and close while the body is still being written
 * (EPIPE/ECONNRESET for the writer); what it answered before closing is the answer.
 */
export function rawHttp(
  port: number,
  payload: string | Buffer,
  timeoutMs = REQUEST_DEADLINE_MS,
): Promise<{ status: number; text: string; json: unknown; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error("raw request timed out")));
    let failure: Error | null = null;
    socket.on("data", (chunk) => chunks.push(chunk));
    // The answer can arrive after the write error: decide on close.
    socket.on("error", (err) => {
      failure = err;
    });
    socket.on("close", () => {
      if (chunks.length === 0 && failure) {
        reject(failure);
        return;
      }
      const raw = Buffer.concat(chunks).toString("utf8");
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0);
      const text = raw.slice(raw.indexOf("\r\n\r\n") + 4);
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      resolve({ status, text, json, ms: performance.now() - started });
    });
    // No half-close: Node's HTTP server drops a connection whose client has ended its side before
    // the answer is written. The request says Connection: close, so the server closes when done.
    socket.write(payload);
  });
}

/** An HTTP/1.1 request as bytes (Connection: close, Content-Length from the body). */
export function rawRequest(
  method: string,
  target: string,
  headers: Record<string, string>,
  body: string | Buffer = "",
): Buffer {
  const bytes = typeof body === "string" ? Buffer.from(body) : body;
  const head = [`${method} ${target} HTTP/1.1`, "Host: 127.0.0.1"];
  for (const [name, value] of Object.entries(headers)) head.push(`${name}: ${value}`);
  head.push(`Content-Length: ${bytes.length}`, "Connection: close", "", "");
  return Buffer.concat([Buffer.from(head.join("\r\n")), bytes]);
}

/**
 * Sends a body over the server's limit. The server answers 413 as soon as Content-Length shows the
 * size and closes without reading the rest; the kernel then resets the connection, which can
 * discard the answer before it is read (Node has no lingering close). Returns the answer, or
 * "reset" when the connection was reset before one could be read.
 */
export async function sendOversized(
  port: number,
  payload: Buffer,
  timeoutMs = REQUEST_DEADLINE_MS,
): Promise<Awaited<ReturnType<typeof rawHttp>> | "reset"> {
  try {
    return await rawHttp(port, payload, timeoutMs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EPIPE" || code === "ECONNRESET") return "reset";
    throw err;
  }
}
