import type { IncomingMessage } from "node:http";
import * as armorModule from "@escape.tech/graphql-armor";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import {
  type ExecutionArgs,
  GraphQLError,
  type GraphQLSchema,
  NoSchemaIntrospectionCustomRule,
} from "graphql";
import { processRequest } from "graphql-upload-minimal";
import { createYoga, type Plugin, type YogaInitialContext } from "graphql-yoga";
import { type WebSocket, WebSocketServer } from "ws";
import type { AuthSession } from "./auth/sessions.ts";
import { cookieFromHeader, SESSION_COOKIE } from "./auth/sessions.ts";
import type { GraphQLContext, UiServices } from "./context.ts";
import { maskError, useInputValuesHidden } from "./graphql-errors.ts";
import { serveGraphQLWs } from "./graphql-ws-server.ts";
import { usePageCostLimit } from "./page-cost.ts";
import { isCrossSiteRequest } from "./request-origin.ts";
import {
  SharedSubscriptions,
  SUBSCRIBER_BUFFER_LIMIT_BYTES,
  type SubscriptionOutcome,
  sharingKey,
} from "./shared-subscriptions.ts";

/** The header a non-JSON GraphQL request (multipart uploads, GET queries) must carry. */
export const CSRF_HEADER = "x-graphql-yoga-csrf";
/** Query limits (graphql-armor). */
export const QUERY_LIMITS = {
  maxDepth: 10,
  maxAliases: 15,
  maxTokens: 2_000,
  // graphql-armor multiplies a subtree by a literal `first` (page-cost.ts does the same for
  // `first: $n` and the default page once variables are known): the UI's alert card fields on a
  // full page (first: 200) cost ~21,000; many aliased or nested pages still go far above this.
  maxCost: 25_000,
  maxDirectives: 20,
} as const;

// The package's CommonJS entry picks a build at run time, so Node's ESM loader finds no named
// exports in it; take the class from whichever shape the loader produced.
const EnvelopArmor =
  armorModule.EnvelopArmor ??
  (armorModule as unknown as { default: typeof armorModule }).default.EnvelopArmor;

/**
 * How the server closes the socket of a subscriber that fell SUBSCRIBER_BUFFER_LIMIT_BYTES
 * behind: 1013 "Try Again Later", which graphql-ws clients retry (the web UI then reloads).
 */
export const SLOW_SUBSCRIBER_CLOSE = { code: 1013, reason: "Too far behind: reconnect" } as const;

/** What the HTTP route or the WebSocket hands to Yoga as the server context. */
interface ServerContext {
  req?: FastifyRequest;
  reply?: FastifyReply;
  /** Set for operations over graphql-ws: the socket's session, checked again per operation. */
  ws?: { session: AuthSession; clientAddress: string | null; userAgent: string | null };
}

const SIMPLE_CONTENT_TYPES = new Set([
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data",
]);

/**
 * CSRF prevention in the manner of Yoga's useCSRFPrevention: a request that carries an operation
 * must either have a content type a browser form cannot send (JSON) or the CSRF header.
 * Multipart uploads are checked in the HTTP route before their body is parsed.
 */
function useCsrfPrevention(header: string): Plugin {
  return {
    onRequest({ request, fetchAPI, endResponse }) {
      const url = new URL(request.url);
      const carriesOperation =
        request.method === "POST" || (request.method === "GET" && url.searchParams.has("query"));
      if (!carriesOperation || request.headers.has(header)) return;
      const type = request.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase();
      if (type !== undefined && !SIMPLE_CONTENT_TYPES.has(type)) return;
      endResponse(
        new fetchAPI.Response(
          JSON.stringify({
            errors: [
              {
                message: `Send a JSON body or the ${header} header`,
                extensions: { code: "CSRF_CHECK_FAILED" },
              },
            ],
          }),
          { status: 403, headers: { "content-type": "application/json" } },
        ),
      );
    },
  };
}

function useNoIntrospection(): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(NoSchemaIntrospectionCustomRule);
    },
  };
}

function graphqlErrorBody(status: number, code: string, message: string) {
  return { status, body: { errors: [{ message, extensions: { code } }] } };
}

export interface GraphQLHttpOptions {
  schema: GraphQLSchema;
  services: UiServices;
}

/**
 * GraphQL over HTTP (Yoga in its own Fastify scope, uploads parsed by graphql-upload-minimal in
 * front of it) and over WebSocket (graphql-ws on the same /graphql path, through
 * yoga.getEnveloped so the same plugins, limits, masking and auth apply).
 */
export async function registerGraphQL(app: FastifyInstance, { schema, services }: GraphQLHttpOptions) {
  const { config } = services;
  const armor = new EnvelopArmor({
    maxDepth: { n: QUERY_LIMITS.maxDepth },
    maxAliases: { n: QUERY_LIMITS.maxAliases },
    maxTokens: { n: QUERY_LIMITS.maxTokens },
    maxDirectives: { n: QUERY_LIMITS.maxDirectives },
    costLimit: { maxCost: QUERY_LIMITS.maxCost },
    blockFieldSuggestion: { enabled: true },
  });
  const log = app.log.child({ component: "graphql" });

  const yoga = createYoga<ServerContext, GraphQLContext>({
    schema: schema as GraphQLSchema,
    graphqlEndpoint: "/graphql",
    multipart: false,
    batching: false,
    landingPage: false,
    maskedErrors: { maskError },
    graphiql: config.graphiql ? { subscriptionsProtocol: "WS", title: "TG Sentinel GraphQL" } : false,
    logging: {
      debug: () => {},
      info: () => {},
      warn: (...args: unknown[]) => log.warn({ detail: args.map(String).join(" ") }, "yoga warning"),
      error: (...args: unknown[]) =>
        log.error(
          { err: args.find((a) => a instanceof Error) ?? String(args[0]) },
          "graphql execution error",
        ),
    },
    plugins: [
      useCsrfPrevention(CSRF_HEADER),
      useInputValuesHidden(),
      ...armor.protect().plugins,
      usePageCostLimit(QUERY_LIMITS.maxCost),
      ...(config.introspection ? [] : [useNoIntrospection()]),
    ],
    context: async (initial: YogaInitialContext & ServerContext): Promise<GraphQLContext> => {
      if (initial.ws) {
        return {
          services,
          session: initial.ws.session,
          clientAddress: initial.ws.clientAddress,
          userAgent: initial.ws.userAgent,
          reply: null,
          secure: false,
        };
      }
      const req = initial.req!;
      return {
        services,
        session: await services.sessions.resolve(req.cookies?.[SESSION_COOKIE]),
        clientAddress: req.ip ?? null,
        userAgent: req.headers["user-agent"]?.slice(0, 300) ?? null,
        reply: initial.reply ?? null,
        secure: req.protocol === "https",
      };
    },
  });

  await app.register(async (scope) => {
    // Yoga reads the multipart body through graphql-upload-minimal; Fastify must leave it alone.
    scope.addContentTypeParser("multipart/form-data", (_req, _payload, done) => done(null));
    scope.route({
      url: "/graphql",
      method: ["GET", "POST", "OPTIONS"],
      handler: async (req, reply) => {
        if (
          req.method === "POST" &&
          req.headers["content-type"]?.toLowerCase().startsWith("multipart/form-data")
        ) {
          const refusal = await parseMultipart(req, reply, config.sessionFileLimitBytes);
          if (refusal) return reply.status(refusal.status).send(refusal.body);
        }
        const response = await yoga.handleNodeRequestAndResponse(req, reply, { req, reply });
        response.headers.forEach((value, key) => {
          reply.header(key, value);
        });
        reply.status(response.status);
        return reply.send(response.body);
      },
    });
  });

  // ---- graphql-ws on the same path ---------------------------------------------------------
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 1024 * 1024,
  });
  const socketsBySession = new Map<string, Set<WebSocket>>();
  const track = (sessionId: string, socket: WebSocket, expiresAt: Date) => {
    const set = socketsBySession.get(sessionId) ?? new Set<WebSocket>();
    socketsBySession.set(sessionId, set);
    set.add(socket);
    // A socket never outlives its session.
    const timer = setTimeout(
      () => socket.close(4401, "Session expired"),
      Math.max(0, expiresAt.getTime() - Date.now()),
    );
    timer.unref();
    socket.once("close", () => {
      clearTimeout(timer);
      set.delete(socket);
      if (set.size === 0) socketsBySession.delete(sessionId);
    });
  };
  const offRevoke = services.sessions.onRevoke((ids) => {
    for (const id of ids)
      for (const socket of socketsBySession.get(id) ?? []) socket.close(4401, "Session revoked");
  });

  const onUpgrade = (req: IncomingMessage, socket: import("node:stream").Duplex, head: Buffer) => {
    const path = (req.url ?? "").split("?")[0];
    if (path !== "/graphql") {
      socket.destroy();
      return;
    }
    // Cross-site WebSocket hijacking: a page elsewhere must not reuse the browser's cookie.
    if (isCrossSiteRequest(req.headers, config.http.trustProxy)) {
      socket.end("HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req));
  };
  app.server.on("upgrade", onUpgrade);

  const shared = new SharedSubscriptions();
  type WsExtra = { session?: AuthSession; token?: string };
  const disposable = serveGraphQLWs<WsExtra>(
    {
      isProd: config.production,
      onConnect: async (ctx) => {
        const token = cookieFromHeader(ctx.extra.request.headers.cookie, SESSION_COOKIE);
        const session = await services.sessions.resolve(token);
        if (!session || !token) return false;
        ctx.extra.session = session;
        ctx.extra.token = token;
        track(session.id, ctx.extra.socket, session.expiresAt);
        return true;
      },
      onSubscribe: async (ctx, _id, payload) => {
        // Revocation and expiry apply to every operation, not only to the handshake.
        const session = await services.sessions.resolve(ctx.extra.token);
        if (!session) {
          ctx.extra.socket.close(4401, "Unauthorized");
          return [new GraphQLError("Log in first", { extensions: { code: "UNAUTHORIZED" } })];
        }
        const request = ctx.extra.request;
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: request,
          socket: ctx.extra.socket,
          params: payload,
          ws: {
            session,
            clientAddress: request.socket.remoteAddress ?? null,
            userAgent: request.headers["user-agent"]?.slice(0, 300) ?? null,
          },
        } as unknown as YogaInitialContext & ServerContext);
        let document: ReturnType<typeof parse>;
        try {
          document = parse(payload.query);
        } catch (err) {
          return [err instanceof GraphQLError ? err : new GraphQLError("Syntax error")];
        }
        // Limit rules (graphql-armor) throw their refusal from inside validation: answer it as an
        // error message, as over HTTP, instead of letting graphql-ws close the socket with 4500.
        let errors: readonly GraphQLError[];
        try {
          errors = validate(schema, document);
        } catch (err) {
          return [err instanceof GraphQLError ? err : new GraphQLError("Invalid operation")];
        }
        if (errors.length > 0) return [...errors];
        return {
          schema,
          operationName: payload.operationName,
          document,
          variableValues: payload.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe, share: { key: sharingKey(payload), socket: ctx.extra.socket } },
        } satisfies ExecutionArgs;
      },
      execute: (args) =>
        (args.rootValue as { execute: (a: ExecutionArgs) => unknown }).execute(args) as never,
      // Subscribers of the same operation share one stream and one execution per event
      // (shared-subscriptions.ts); the operation's own subscribe starts the stream.
      subscribe: (args) => {
        const { subscribe, share } = args.rootValue as {
          subscribe: (a: ExecutionArgs) => Promise<SubscriptionOutcome> | SubscriptionOutcome;
          share: { key: string; socket: WebSocket };
        };
        return shared.subscribe(
          share.key,
          () => subscribe(args),
          (reason) => {
            log.warn(
              { reason, limitBytes: SUBSCRIBER_BUFFER_LIMIT_BYTES },
              "closed the socket of a subscriber that fell behind",
            );
            share.socket.close(SLOW_SUBSCRIBER_CLOSE.code, SLOW_SUBSCRIBER_CLOSE.reason);
          },
        ) as never;
      },
    },
    wss,
    log,
  );

  // preClose, not onClose: the HTTP server waits for open sockets before onClose hooks run,
  // so open subscriptions (a browser tab) would otherwise hold up the shutdown.
  app.addHook("preClose", async () => {
    app.server.off("upgrade", onUpgrade);
    offRevoke();
    for (const client of wss.clients) client.close(1001, "Server shutting down");
    await disposable.dispose();
    for (const client of wss.clients) client.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  });

  return { yoga, wss, shared };
}

/**
 * Parses a GraphQL multipart request (uploads) into req.body. The file is left as a stream for
 * the resolver; its size is counted there (busboy truncates silently, so its limit is set one
 * byte above ours and only bounds the work).
 */
async function parseMultipart(
  req: FastifyRequest,
  reply: FastifyReply,
  limitBytes: number,
): Promise<{ status: number; body: unknown } | null> {
  if (!req.headers[CSRF_HEADER]) {
    return graphqlErrorBody(
      403,
      "CSRF_CHECK_FAILED",
      `Multipart requests must send the ${CSRF_HEADER} header`,
    );
  }
  try {
    req.body = await processRequest(req.raw, reply.raw, {
      maxFileSize: limitBytes + 1,
      maxFiles: 1,
      maxFieldSize: 1024 * 1024,
    });
    return null;
  } catch (err) {
    const status = (err as { status?: number }).status ?? 400;
    const message = (err as Error).message || "Invalid multipart request";
    return graphqlErrorBody(status, status === 413 ? "PAYLOAD_TOO_LARGE" : "BAD_REQUEST", message);
  }
}
