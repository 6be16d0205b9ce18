/**
 * graphql-ws on a `ws` WebSocketServer: graphql-ws's own `useServer` for `ws` (its "basic
 * starter, feel free to copy the code over and adjust it") with one change: a result shared by
 * many subscribers (shared-subscriptions.ts) is serialised once, not once per subscriber.
 *
 * graphql-ws turns every `next` into `JSON.stringify({ id, type: "next", payload })` through its
 * `jsonMessageReplacer` option. For a shared result the replacer leaves a placeholder where the
 * payload goes and `send` puts the payload's JSON, encoded once when the result was made, in its
 * place; the bytes on the wire are the same as graphql-ws's own.
 */
import type { IncomingMessage } from "node:http";
import {
  CloseCode,
  DEPRECATED_GRAPHQL_WS_PROTOCOL,
  handleProtocols,
  makeServer,
  type ServerOptions,
} from "graphql-ws";
import type { WebSocket, WebSocketServer } from "ws";
import { encodedPayloadOf } from "./shared-subscriptions.ts";

/** Ping interval; a socket that does not answer with a pong within it is terminated. */
export const KEEP_ALIVE_MS = 12_000;

/** What graphql-ws's context carries for a socket: the same as its `ws` adapter's. */
export interface WsExtra {
  readonly socket: WebSocket;
  readonly request: IncomingMessage;
}

interface Log {
  error(obj: object, msg: string): void;
}

const PLACEHOLDER = "\u0000shared-payload";
const PLACEHOLDER_TAIL = `${JSON.stringify(PLACEHOLDER)}}`;
const TAIL = Buffer.from("}");

/**
 * The encoded payload the replacer just left a placeholder for. stringifyMessage and send run
 * back to back without yielding (`await socket.send(stringifyMessage(…))`), so one slot is enough.
 */
let pendingPayload: Buffer | null = null;

/** graphql-ws's jsonMessageReplacer: a shared result's payload becomes the placeholder. */
function replacer(this: unknown, key: string, value: unknown): unknown {
  if (key !== "payload" || value === null || typeof value !== "object") return value;
  const encoded = encodedPayloadOf(value);
  if (!encoded) return value;
  pendingPayload = encoded;
  return PLACEHOLDER;
}

/** The message as it goes on the wire: the placeholder replaced by the shared payload's JSON. */
export function wireMessage(data: string): string | Buffer {
  const payload = pendingPayload;
  pendingPayload = null;
  if (payload === null || !data.endsWith(PLACEHOLDER_TAIL)) return data;
  const head = Buffer.from(data.slice(0, data.length - PLACEHOLDER_TAIL.length));
  return Buffer.concat([head, payload, TAIL], head.length + payload.length + TAIL.length);
}

/**
 * Serves graphql-ws on `wss` (as graphql-ws's `useServer` from `graphql-ws/use/ws` does), with
 * shared payloads serialised once. Returns `dispose`, which closes every socket and the server.
 */
export function serveGraphQLWs<E extends Record<PropertyKey, unknown>>(
  options: ServerOptions<Record<string, unknown> | undefined, WsExtra & Partial<E>> & { isProd: boolean },
  wss: WebSocketServer,
  log: Log,
  keepAliveMs = KEEP_ALIVE_MS,
): { dispose: () => Promise<void> } {
  const { isProd } = options;
  const userOnNext = options.onNext;
  const server = makeServer<Record<string, unknown> | undefined, WsExtra & Partial<E>>({
    ...options,
    jsonMessageReplacer: replacer,
    // graphql-ws copies the result into a new object unless onNext returns one; a shared result
    // is handed on as it is, so the replacer recognises it.
    onNext: async (ctx, id, payload, args, result) => {
      const replaced = await userOnNext?.(ctx, id, payload, args, result);
      if (replaced) return replaced;
      return encodedPayloadOf(result) ? result : undefined;
    },
  });
  wss.options.handleProtocols = handleProtocols;
  const internalError = (err: unknown) =>
    isProd ? "Internal server error" : limitCloseReason(err instanceof Error ? err.message : String(err));

  wss.once("error", (err) => {
    log.error({ err }, "WebSocket server error");
    for (const client of wss.clients) client.close(CloseCode.InternalServerError, internalError(err));
  });

  wss.on("connection", (socket: WebSocket, request: IncomingMessage) => {
    socket.once("error", (err) => {
      log.error({ err }, "WebSocket error");
      socket.close(CloseCode.InternalServerError, internalError(err));
    });
    let pongWait: NodeJS.Timeout | null = null;
    const pingInterval =
      keepAliveMs > 0 && Number.isFinite(keepAliveMs)
        ? setInterval(() => {
            if (socket.readyState !== socket.OPEN) return;
            pongWait = setTimeout(() => socket.terminate(), keepAliveMs);
            socket.once("pong", () => {
              if (pongWait) clearTimeout(pongWait);
              pongWait = null;
            });
            socket.ping();
          }, keepAliveMs)
        : null;
    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) => {
          const message = wireMessage(data);
          return new Promise<void>((resolve, reject) => {
            if (socket.readyState !== socket.OPEN) return resolve();
            socket.send(message, { binary: false }, (err) => (err ? reject(err) : resolve()));
          });
        },
        close: (code, reason) => socket.close(code, reason),
        onMessage: (cb) =>
          socket.on("message", async (event) => {
            try {
              await cb(String(event));
            } catch (err) {
              log.error({ err }, "graphql-ws message handling failed");
              socket.close(CloseCode.InternalServerError, internalError(err));
            }
          }),
      },
      { socket, request } as WsExtra & Partial<E>,
    );
    socket.once("close", (code, reason) => {
      if (pongWait) clearTimeout(pongWait);
      if (pingInterval) clearInterval(pingInterval);
      if (code === CloseCode.SubprotocolNotAcceptable && socket.protocol === DEPRECATED_GRAPHQL_WS_PROTOCOL)
        log.error({}, "a client used the unsupported subscriptions-transport-ws protocol");
      void closed(code, String(reason));
    });
  });

  return {
    dispose: async () => {
      for (const client of wss.clients) client.close(1001, "Going away");
      wss.removeAllListeners();
      await new Promise<void>((resolve, reject) => wss.close((err) => (err ? reject(err) : resolve())));
    },
  };
}

function limitCloseReason(reason: string): string {
  return reason.length < 124 ? reason : "Internal server error";
}
