/**
 * The thread side of RequestThread: answers each request with its handler's result (or its
 * error, with the error's `code`), one at a time, in order. `close` runs the cleanup, answers, and
 * ends the thread.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { ThreadReply, ThreadRequest } from "./request-thread.ts";

export type RequestHandlers = Record<string, (args: never) => unknown>;

/** What the main thread passed as RequestThreadOptions.data. */
export function threadData<T>(): T {
  return (workerData as { data: T }).data;
}

export function serveRequests(
  handlers: RequestHandlers,
  options: {
    /** Runs on the `close` request, before the thread ends. */
    close?: () => void;
    /** Buffers of a result to move instead of copy. */
    transferOf?: (result: unknown) => ArrayBuffer[];
  } = {},
): void {
  const port = parentPort;
  if (port === null) throw new Error("serveRequests runs in a worker thread only");
  port.on("message", (request: ThreadRequest) => {
    if (request.op === "close") {
      options.close?.();
      port.postMessage({ id: request.id, ok: true, result: null } satisfies ThreadReply);
      port.close();
      return;
    }
    try {
      const handler = handlers[request.op];
      if (handler === undefined) throw new Error(`unknown request ${request.op}`);
      const result = handler(request.args as never);
      port.postMessage(
        { id: request.id, ok: true, result } satisfies ThreadReply,
        options.transferOf?.(result) ?? [],
      );
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      const code = (e as { code?: unknown }).code;
      port.postMessage({
        id: request.id,
        ok: false,
        error: { message: e.message, name: e.name, ...(typeof code === "string" ? { code } : {}) },
      } satisfies ThreadReply);
    }
  });
}
