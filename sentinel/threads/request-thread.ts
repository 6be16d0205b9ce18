/**
 * A worker thread that answers requests (`{ id, op, args }` → `{ id, ok, result | error }`), started
 * with the first request through thread-bootstrap.mjs (TypeScript via tsx, as the main thread
 * runs). Requests are answered in order. The thread keeps the process alive only while requests
 * are in flight. If it dies, the requests in flight fail with ThreadRequestError and the next
 * request starts a new thread.
 */
import { Worker } from "node:worker_threads";

const BOOTSTRAP = new URL("./thread-bootstrap.mjs", import.meta.url);

/** How long `close()` waits for the thread to finish what it was given before stopping it. */
export const THREAD_CLOSE_TIMEOUT_MS = 10_000;

export interface ThreadRequest {
  id: number;
  op: string;
  args?: unknown;
}

export type ThreadReply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { message: string; name: string; code?: string } };

/** A failure reported by (or about) a thread, with a code when there is one (SQLITE_BUSY, …). */
export class ThreadRequestError extends Error {
  readonly code: string;
  constructor(message: string, code = "THREAD_REQUEST_FAILED") {
    super(message);
    this.name = "ThreadRequestError";
    this.code = code;
  }
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

export interface RequestThreadOptions {
  /** The module the thread runs (its URL); it answers requests with `serveRequests`. */
  entry: URL;
  /** Passed to the entry as `workerData.data`. */
  data?: unknown;
  name: string;
}

export class RequestThread {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: RequestThreadOptions) {}

  /** Sends a request; resolves with its result, rejects with the thread's error. */
  request<T>(op: string, args: unknown, transfer: ReadonlyArray<ArrayBuffer> = []): Promise<T> {
    if (this.closed)
      return Promise.reject(new ThreadRequestError(`the ${this.options.name} thread is closed`));
    const worker = this.thread();
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      if (this.pending.size === 0) worker.ref();
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage({ id, op, args } satisfies ThreadRequest, transfer as ArrayBuffer[]);
    });
  }

  /** Finishes what was sent, asks the thread to clean up (`close` request) and waits for it to exit. */
  async close(): Promise<void> {
    if (this.closed) return;
    const worker = this.worker;
    if (worker === null) {
      this.closed = true;
      return;
    }
    const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
    const done = this.request("close", null).catch(() => {});
    this.closed = true;
    const timer = setTimeout(() => void worker.terminate(), THREAD_CLOSE_TIMEOUT_MS);
    await done;
    await exited;
    clearTimeout(timer);
  }

  private thread(): Worker {
    if (this.worker !== null) return this.worker;
    const worker = new Worker(BOOTSTRAP, {
      workerData: { entry: this.options.entry.href, data: this.options.data },
      name: this.options.name,
      // None of the main thread's flags: its preloads (`--import x.ts`) would load before tsx is
      // registered here (under Node 20 a worker's --import does not install tsx's hooks), and
      // flags such as --expose-gc are refused for workers.
      execArgv: [],
    });
    worker.unref();
    worker.on("message", (reply: ThreadReply) => {
      const pending = this.pending.get(reply.id);
      if (pending === undefined) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      if (reply.ok) pending.resolve(reply.result);
      else {
        const error = new ThreadRequestError(reply.error.message, reply.error.code);
        if (reply.error.name !== "Error") error.name = reply.error.name;
        pending.reject(error);
      }
    });
    const fail = (error: Error) => {
      if (this.worker === worker) this.worker = null;
      const failed = [...this.pending.values()];
      this.pending.clear();
      for (const pending of failed) pending.reject(error);
    };
    worker.on("error", (error) =>
      fail(new ThreadRequestError(`the ${this.options.name} thread failed: ${error.message}`)),
    );
    worker.on("exit", (code) =>
      fail(new ThreadRequestError(`the ${this.options.name} thread exited (${code})`)),
    );
    this.worker = worker;
    return worker;
  }
}
