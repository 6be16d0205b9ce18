/**
 * The sentinel as a Fastify plugin (fastify/demo layout): `app.ts` wires the feature plugins,
 * `server.ts` listens. `buildSentinelApp` is what server.ts, the embedded runner
 * (scripts/start.ts) and the tests call.
 *
 * Order matters: the error and not-found handlers come first (plugins registered before them
 * would keep Fastify's default HTML/JSON error format), then the decorators (events, database,
 * telegram, session), then hooks (rate limit before auth, so token guessing is rate limited), then
 * the routes.
 */
import { randomUUID } from "node:crypto";
import type { EventBus } from "@tgsentinel/contract/event-bus.ts";
import { loggerRedaction } from "@tgsentinel/contract/logging.ts";
import type { TtlStore } from "@tgsentinel/contract/ttl-store.ts";
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyServerOptions,
  type RawServerDefault,
} from "fastify";
import fp from "fastify-plugin";
import type { DestinationStream } from "pino";
import type { Embedder } from "./embedding/embedder.ts";
import type { SentinelConfig } from "./environment.ts";
import alerts from "./plugins/alerts.ts";
import auth from "./plugins/auth.ts";
import chats from "./plugins/chats.ts";
import database from "./plugins/database.ts";
import delivery, { type DeliveryTuning } from "./plugins/delivery.ts";
import digests, { type DigestFaults } from "./plugins/digests.ts";
import errors, { envelopeForError } from "./plugins/errors.ts";
import events from "./plugins/events.ts";
import health from "./plugins/health.ts";
import ingestion from "./plugins/ingestion.ts";
import metrics from "./plugins/metrics.ts";
import profiles from "./plugins/profiles.ts";
import rateLimit from "./plugins/rate-limit.ts";
import retention from "./plugins/retention.ts";
import scoring from "./plugins/scoring.ts";
import session from "./plugins/session.ts";
import sessionImport from "./plugins/session-import.ts";
import stats from "./plugins/stats.ts";
import status from "./plugins/status.ts";
import telegram, { type GatewayFactory } from "./plugins/telegram.ts";
import telegramLogin from "./plugins/telegram-login.ts";
import webhooks, { type WebhookTuning } from "./plugins/webhooks.ts";
import type { SessionStoreHooks } from "./session/session-store.ts";
import type { TelegramGateway } from "./telegram/gateway.ts";

declare module "fastify" {
  interface FastifyInstance {
    /** The validated configuration (environment + config file). Secrets are `Secret`s. */
    config: SentinelConfig;
  }
}

/** What the sentinel app is built from. Only `config` is required. */
export interface AppOptions {
  config: SentinelConfig;
  /** An event bus shared with the UI (embedded runner); default: Redis when configured, else memory. */
  bus?: EventBus;
  /** A TTL store shared with the UI (embedded runner); default: Redis when configured, else memory. */
  ttl?: TtlStore;
  /** The Telegram gateway, or a factory for it; default `defaultGatewayFactory` (plugins/telegram.ts). */
  gateway?: TelegramGateway | GatewayFactory;
  /** How long start-up and imports wait for the gateway's first connection (default 10 s). */
  gatewayStartTimeoutMs?: number;
  /** Test seams for the session store's write protocol. */
  sessionStoreHooks?: SessionStoreHooks;
  /**
   * The clock of alerts, digests and stats (default the real one). Tests pass a fake clock and
   * drive scheduled digests with `app.digests.runDue()`.
   */
  now?: () => Date;
  /** Arm the digest schedule timer on ready (default true). */
  digestTimer?: boolean;
  /** Tests only: fault injection around digest delivery (a throw stands for a crash there). */
  digestFaults?: DigestFaults;
  /** Arm the retention timer (purges, VACUUM) on ready (default true); tests call `app.retention.runDue()`. */
  retentionTimer?: boolean;
  /** Delivery and webhook seams for tests (time scale, outbox bound, retry timing). */
  delivery?: DeliveryTuning;
  webhooks?: WebhookTuning;
  /** An embedder for semantic rules (tests); default: the model in `config.embeddingModelDir`, if any. */
  embedder?: Embedder;
  /** Telegram login seams for tests: a shorter LOGIN_TTL_MS and Telegram timeout (60 s). */
  login?: { ttlMs?: number; telegramTimeoutMs?: number };
}

export default async function sentinelApp(app: FastifyInstance, opts: AppOptions): Promise<void> {
  const { config } = opts;
  app.decorate("config", config);
  await app.register(errors);

  app.addHook("onRequest", async (request, reply) => {
    reply.header("x-request-id", request.id);
  });

  await app.register(events, { redis: config.redis, bus: opts.bus, ttl: opts.ttl });
  await app.register(database, { databaseFile: config.databaseFile });
  await app.register(rateLimit, {
    ...config.settings.apiRateLimit,
    token: config.api.token,
    prefix: config.redis?.prefix ?? "tgsentinel:",
  });
  await app.register(auth, { token: config.api.token });
  await app.register(telegram, { config, gateway: opts.gateway });
  await app.register(session, {
    sessionPath: config.sessionPath,
    gatewayStartTimeoutMs: opts.gatewayStartTimeoutMs,
    storeHooks: opts.sessionStoreHooks,
  });

  await app.register(health);
  await app.register(status, { apiRateLimit: config.settings.apiRateLimit });
  await app.register(sessionImport, { gatewayStartTimeoutMs: opts.gatewayStartTimeoutMs });
  await app.register(telegramLogin, {
    config,
    gatewayStartTimeoutMs: opts.gatewayStartTimeoutMs,
    ...opts.login,
  });
  await app.register(ingestion, { config });
  await app.register(chats);

  // Alerts before scoring (scoring hands batches to app.alerts), scoring before the profile
  // routes and stats; ingestion (when registered above) is subscribed to by scoring.
  const { settings } = config;
  await app.register(alerts, { caps: settings.alerts, now: opts.now });
  await app.register(scoring, {
    seedProfiles: settings.profiles,
    now: opts.now,
    embeddingModelDir: config.embeddingModelDir,
    embedder: opts.embedder,
  });
  await app.register(profiles);
  await app.register(digests, {
    schedules: settings.digest.schedules,
    deliverToSavedMessages: settings.digest.deliverToSavedMessages,
    now: opts.now,
    timer: opts.digestTimer,
    ...(opts.digestFaults ? { faults: opts.digestFaults } : {}),
  });
  await app.register(stats, { now: opts.now });

  // Issue 12: retention, alert delivery into Telegram, webhooks, and /metrics (reads them all).
  await app.register(retention, { policy: settings.retention, now: opts.now, timer: opts.retentionTimer });
  await app.register(delivery, { settings: settings.alerts.delivery, ...opts.delivery });
  await app.register(webhooks, {
    webhooks: settings.webhooks,
    keyMaterial: config.webhookKey,
    now: opts.now,
    ...opts.webhooks,
  });
  await app.register(metrics, { now: opts.now });
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface BuildOptions extends AppOptions {
  /** A logger to use as is (the embedded runner passes a child of its own). */
  loggerInstance?: FastifyBaseLogger;
  /** Where log lines go when no loggerInstance is given (default stdout); false silences logging. */
  logDestination?: DestinationStream | false;
}

/** Fastify's server options for the sentinel: logging with redaction, request ids, JSON-only errors. */
export function serverOptions(opts: BuildOptions): FastifyServerOptions {
  const base: FastifyServerOptions = {
    bodyLimit: 1024 * 1024,
    genReqId: (req) => {
      const incoming = req.headers["x-request-id"];
      return typeof incoming === "string" && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    // Errors raised before routing (malformed URLs) still answer with the envelope.
    frameworkErrors: (error, _request, reply) => {
      const answer = envelopeForError(error);
      void (reply as FastifyReply)
        .code(answer.statusCode)
        .type("application/json; charset=utf-8")
        .send(answer.body);
    },
    clientErrorHandler: (error, socket) => {
      const answer = envelopeForError({ statusCode: 400, code: (error as { code?: string }).code });
      const payload = JSON.stringify(answer.body);
      if (socket.writable) {
        socket.end(
          `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(payload)}\r\nConnection: close\r\n\r\n${payload}`,
        );
      } else socket.destroy();
    },
  };
  if (opts.loggerInstance) return { ...base, loggerInstance: opts.loggerInstance };
  if (opts.logDestination === false) return { ...base, logger: false };
  return {
    ...base,
    logger: {
      level: opts.config.logLevel,
      redact: { ...loggerRedaction, paths: [...loggerRedaction.paths] },
      ...(opts.logDestination ? { stream: opts.logDestination } : {}),
    },
  };
}

/**
 * Builds the sentinel's Fastify instance (not yet listening or ready). The caller owns it:
 * `await app.listen({ host, port })`, and `await app.close()` to release everything (gateway,
 * database, and the bus/TTL store unless they were injected).
 */
export async function buildSentinelApp(opts: BuildOptions): Promise<FastifyInstance<RawServerDefault>> {
  const app = Fastify(serverOptions(opts)) as unknown as FastifyInstance<RawServerDefault>;
  await app.register(fp(sentinelApp, { name: "sentinel" }), opts);
  return app;
}
