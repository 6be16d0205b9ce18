import type { DocumentTypeDecoration } from "@graphql-typed-document-node/core";
import { createClient, type Client as WsClient } from "graphql-ws";
import { type GraphQLErrorItem, GraphQLRequestError, NetworkError, SIGNED_OUT_CODES } from "./errors.ts";

/**
 * The one GraphQL client of the app: queries and mutations over HTTP (cookie session, CSRF
 * header), subscriptions over graphql-ws on the same path. The socket reconnects forever with a
 * randomised exponential backoff; its state is published through `onStatus` so the UI can show
 * a banner, and every reconnection after a drop is announced through `onReconnect` so stores
 * refetch what they may have missed.
 */

/** A typed document: codegen's `TypedDocumentString` (a string carrying its result/variable types). */
export type Document<TResult, TVariables> = DocumentTypeDecoration<TResult, TVariables> & {
  toString(): string;
};

/** Variables are optional exactly when the operation has no required variable. */
export type VariablesArg<V> = Record<string, never> extends V ? [variables?: V] : [variables: V];

/** Yoga's CSRF prevention accepts requests carrying this header (required on multipart ones). */
export const CSRF_HEADER = "x-graphql-yoga-csrf";

export type SocketStatus =
  | { state: "idle" }
  | { state: "connecting"; attempt: number }
  | { state: "connected" }
  | { state: "waiting"; attempt: number; retryAt: number }
  | { state: "unauthorized" };

export interface GraphQLClientOptions {
  /** Path or URL of the endpoint; `/graphql` by default. */
  endpoint?: string;
  /** Base of the backoff in ms (doubles per attempt, randomised, capped at `maxRetryDelayMs`). */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** WebSocket implementation (tests); the global one by default. */
  webSocketImpl?: unknown;
  fetch?: typeof fetch;
}

interface ExecutionResult<T> {
  data?: T | null;
  errors?: GraphQLErrorItem[];
}

/** Close code the server uses when a socket's cookie session is missing or expired. */
const FORBIDDEN_CLOSE_CODES = new Set([4401, 4403]);

export class GraphQLClient {
  private readonly endpoint: string;
  private readonly options: GraphQLClientOptions;
  private ws: WsClient | null = null;
  private wasConnected = false;
  private wakeRetry: (() => void) | null = null;
  private status: SocketStatus = { state: "idle" };
  private readonly statusListeners = new Set<(s: SocketStatus) => void>();
  private readonly reconnectListeners = new Set<() => void>();
  private readonly unauthorizedListeners = new Set<() => void>();

  constructor(options: GraphQLClientOptions = {}) {
    this.options = options;
    this.endpoint = options.endpoint ?? "/graphql";
  }

  /** Absolute ws(s):// URL of the endpoint, from the page's own origin. */
  get socketUrl(): string {
    const url = new URL(this.endpoint, globalThis.location?.href ?? "http://localhost/");
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    return url.toString();
  }

  get socketStatus(): SocketStatus {
    return this.status;
  }

  onStatus(listener: (s: SocketStatus) => void): () => void {
    this.statusListeners.add(listener);
    listener(this.status);
    return () => this.statusListeners.delete(listener);
  }

  /** Called after the socket came back from a drop (not on the first connection). */
  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  /** Called when the server says the session is gone (HTTP UNAUTHORIZED or socket 4401/4403). */
  onUnauthorized(listener: () => void): () => void {
    this.unauthorizedListeners.add(listener);
    return () => this.unauthorizedListeners.delete(listener);
  }

  private setStatus(status: SocketStatus): void {
    this.status = status;
    for (const l of this.statusListeners) l(status);
  }

  private unauthorized(): void {
    for (const l of this.unauthorizedListeners) l();
  }

  /** Backoff before retry number `retries` (0-based): base·2^n, ±50 % jitter, capped. */
  retryDelay(retries: number): number {
    const base = this.options.retryDelayMs ?? 1000;
    const cap = this.options.maxRetryDelayMs ?? 15_000;
    const exp = Math.min(cap, base * 2 ** retries);
    return Math.round(exp / 2 + Math.random() * (exp / 2));
  }

  /** Opens the socket (after login: the upgrade request must carry the session cookie). */
  connect(): void {
    if (this.ws) return;
    this.wasConnected = false;
    this.setStatus({ state: "connecting", attempt: 0 });
    let attempt = 0;
    this.ws = createClient({
      url: this.socketUrl,
      lazy: false,
      keepAlive: 15_000,
      retryAttempts: Number.POSITIVE_INFINITY,
      shouldRetry: (event) => !FORBIDDEN_CLOSE_CODES.has((event as { code?: number })?.code ?? 0),
      retryWait: async (retries) => {
        attempt = retries + 1;
        const delay = this.retryDelay(retries);
        this.setStatus({ state: "waiting", attempt, retryAt: Date.now() + delay });
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          this.wakeRetry = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wakeRetry = null;
      },
      onNonLazyError: () => {
        // Only reached for fatal closes (we retry everything else forever).
      },
      webSocketImpl: this.options.webSocketImpl,
      on: {
        connecting: () => {
          if (this.status.state !== "waiting") this.setStatus({ state: "connecting", attempt });
          else this.setStatus({ state: "connecting", attempt: this.status.attempt });
        },
        connected: () => {
          const reconnected = this.wasConnected;
          this.wasConnected = true;
          attempt = 0;
          this.setStatus({ state: "connected" });
          if (reconnected) for (const l of this.reconnectListeners) l();
        },
        closed: (event) => {
          const code = (event as { code?: number })?.code ?? 0;
          if (FORBIDDEN_CLOSE_CODES.has(code)) {
            this.setStatus({ state: "unauthorized" });
            this.unauthorized();
          } else if (this.ws && this.status.state === "connected") {
            this.setStatus({ state: "waiting", attempt: 1, retryAt: Date.now() });
          }
        },
      },
    });
  }

  /** Closes the socket (logout) and forgets its state. */
  disconnect(): void {
    const ws = this.ws;
    this.ws = null;
    this.wasConnected = false;
    this.setStatus({ state: "idle" });
    void ws?.dispose();
  }

  /** Skips the rest of the current backoff wait (the banner's "Retry now"). */
  retryNow(): void {
    this.wakeRetry?.();
  }

  /** Runs a query or mutation over HTTP and returns its data; throws GraphQLRequestError/NetworkError. */
  async request<TResult, TVariables>(
    document: Document<TResult, TVariables>,
    ...[variables]: VariablesArg<TVariables>
  ): Promise<TResult> {
    const doFetch = this.options.fetch ?? globalThis.fetch.bind(globalThis);
    let response: Response;
    try {
      response = await doFetch(this.endpoint, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "content-type": "application/json",
          accept: "application/graphql-response+json, application/json",
          [CSRF_HEADER]: "1",
        },
        body: JSON.stringify({ query: document.toString(), variables: variables ?? {} }),
      });
    } catch (cause) {
      throw new NetworkError("Cannot reach the TG Sentinel server. Check that it is running.", null, {
        cause,
      });
    }
    return this.readResult<TResult>(response.status, await response.text());
  }

  /** Turns an HTTP answer into data or an error (shared with the multipart upload). */
  readResult<TResult>(status: number, body: string): TResult {
    let result: ExecutionResult<TResult>;
    try {
      result = JSON.parse(body) as ExecutionResult<TResult>;
    } catch {
      throw new NetworkError(`The server answered HTTP ${status} without GraphQL data.`, status);
    }
    if (result.errors && result.errors.length > 0) {
      const error = new GraphQLRequestError(result.errors);
      if (error.code !== null && SIGNED_OUT_CODES.has(error.code)) this.unauthorized();
      throw error;
    }
    if (result.data == null)
      throw new NetworkError(`The server answered HTTP ${status} with no data.`, status);
    return result.data;
  }

  /**
   * Starts a subscription; `onData` gets every result's data. Returns the function that stops it.
   * Errors reported by the server for this operation go to `onError`.
   */
  subscribe<TResult, TVariables>(
    document: Document<TResult, TVariables>,
    variables: TVariables,
    onData: (data: TResult) => void,
    onError?: (error: Error) => void,
  ): () => void {
    if (!this.ws) this.connect();
    const ws = this.ws!;
    return ws.subscribe<TResult>(
      { query: document.toString(), variables: (variables ?? {}) as Record<string, unknown> },
      {
        next: (result) => {
          if (result.errors && result.errors.length > 0) {
            onError?.(new GraphQLRequestError(result.errors as GraphQLErrorItem[]));
          } else if (result.data) {
            onData(result.data as TResult);
          }
        },
        error: (err) => {
          if (Array.isArray(err)) onError?.(new GraphQLRequestError(err as GraphQLErrorItem[]));
          else if (err instanceof Error) onError?.(err);
          // A CloseEvent here is a fatal close; the status listeners already know.
        },
        complete: () => {},
      },
    );
  }
}
