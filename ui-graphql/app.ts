import path from "node:path";
import fastifyCookie from "@fastify/cookie";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { type EventBus, MemoryEventBus, RedisEventBus } from "@tgsentinel/contract/event-bus.ts";
import { loggerRedaction } from "@tgsentinel/contract/logging.ts";
import { migrateDatabase } from "@tgsentinel/contract/migrate.ts";
import { MemoryTtlStore, RedisTtlStore, type TtlStore } from "@tgsentinel/contract/ttl-store.ts";
import Fastify, { type FastifyInstance, type FastifyServerOptions } from "fastify";
import { AlertCache, ensureAlertCount } from "./alert-cache.ts";
import { AuditLog } from "./audit-log.ts";
import { ensureAdminUser } from "./auth/admin-bootstrap.ts";
import { LoginService } from "./auth/login.ts";
import { LoginThrottle, type LoginThrottleOptions } from "./auth/login-throttle.ts";
import { UiSessions } from "./auth/sessions.ts";
import type { UiServices } from "./context.ts";
import { PrismaClient } from "./db/generated/client.ts";
import { DigestCache } from "./digest-cache.ts";
import type { UiConfig } from "./environment.ts";
import { EventRelay } from "./event-relay.ts";
import { FeedbackStore } from "./feedback-store.ts";
import { registerGraphQL } from "./graphql-http.ts";
import { ProfileStore } from "./profile-store.ts";
import { createUiPubSub } from "./pubsub.ts";
import { envelopeOfError, registerRestRoutes } from "./rest-routes.ts";
import { schema } from "./schema/index.ts";
import { SentinelClient } from "./sentinel-client.ts";
import { SessionUploader } from "./session-upload.ts";
import { registerSpa } from "./spa.ts";
import { WorkerStatusTracker } from "./worker-status.ts";

/** Where the committed ui.db migrations live. */
export const UI_MIGRATIONS_DIR = path.resolve(
  path.dirname(new URL(import.meta.url).pathname),
  "../prisma/ui/migrations",
);
/** start() waits at most this long for the first cache sync before listening anyway. */
const STARTUP_SYNC_WAIT_MS = 10_000;
const SESSION_PRUNE_INTERVAL_MS = 3_600_000;

export interface BuildUiAppOptions {
  /** From loadUiConfig (environment.ts). */
  config: UiConfig;
  /**
   * The event bus. Embedded mode passes the sentinel's MemoryEventBus; otherwise a RedisEventBus
   * (config.redis) or, without Redis, a MemoryEventBus is made here. Injected buses are not closed
   * by stop().
   */
  bus?: EventBus;
  /** Rate-limit store (login throttle); same ownership rule as `bus`. */
  ttlStore?: TtlStore;
  /** Fastify logger option; pino at config.logLevel with secret redaction by default. */
  logger?: FastifyServerOptions["logger"];
  /** Prints the generated first-run admin password (stdout by default). */
  announce?: (line: string) => void;
  /** Login throttle limits (tests shorten the window). */
  loginThrottle?: LoginThrottleOptions;
  /** Sentinel-probe and resync periods (tests shorten them). */
  relay?: { probeMs?: number; resyncIntervalMs?: number };
}

export interface UiApp {
  app: FastifyInstance;
  services: UiServices;
  /** Listens on config.http (or the given port), after the first sync with the sentinel. */
  start(listen?: { port?: number; host?: string }): Promise<{ url: string; port: number }>;
  /** Closes HTTP, WebSockets, timers, ui.db and the bus/store it owns. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Builds the UI service: migrates ui.db, creates the first-run admin, wires the sentinel client,
 * caches, event relay, GraphQL (HTTP + graphql-ws), REST compat routes and the SPA.
 */
export async function buildApp(options: BuildUiAppOptions): Promise<UiApp> {
  const { config } = options;
  migrateDatabase(config.dbFile, UI_MIGRATIONS_DIR);
  const db = new PrismaClient({ adapter: new PrismaBetterSQLite3({ url: `file:${config.dbFile}` }) });
  await ensureAlertCount(db);

  const admin = await ensureAdminUser(db, config.admin);
  if (admin.generatedPassword) {
    const announce = options.announce ?? ((line: string) => process.stdout.write(`${line}\n`));
    // Printed once, on the run that creates the account; never logged.
    announce(
      `TG Sentinel UI: created the admin account "${admin.username}" with the password ${admin.generatedPassword} ` +
        "(shown once; change it after logging in)",
    );
  }

  const ownsBus = options.bus === undefined;
  const bus = options.bus ?? (config.redis ? new RedisEventBus(config.redis) : new MemoryEventBus());
  const ownsStore = options.ttlStore === undefined;
  const ttlStore =
    options.ttlStore ?? (config.redis ? new RedisTtlStore(config.redis) : new MemoryTtlStore());

  const app = Fastify({
    logger: options.logger ?? { level: config.logLevel, redact: loggerRedaction },
    trustProxy: config.http.trustProxy,
  });
  // Before any child plugin, so every scope answers errors with the envelope.
  app.setErrorHandler((err, req, reply) => {
    const { status, body } = envelopeOfError(err);
    if (status >= 500) req.log.error({ err }, "request failed");
    return reply.status(status).send(body);
  });

  const sentinel = new SentinelClient({
    baseUrl: config.sentinel.baseUrl,
    token: config.sentinel.token,
    timeoutMs: config.sentinel.timeoutMs,
  });
  const pubsub = createUiPubSub();
  const sessions = new UiSessions(db, config.sessionTtlHours * 3_600_000);
  const worker = new WorkerStatusTracker(sentinel);
  const alerts = new AlertCache(db, sentinel, {
    onNew: (fresh) => {
      pubsub.publish("alertsAdded", fresh);
      for (const alert of fresh) pubsub.publish("alertAdded", alert);
    },
    onUpdated: (updated) => {
      for (const alert of updated) pubsub.publish("alertUpdated", alert);
    },
  });
  const digests = new DigestCache(db, sentinel);
  const profiles = new ProfileStore(db, sentinel);
  const services: UiServices = {
    config,
    db,
    bus,
    sentinel,
    sessions,
    login: new LoginService(
      db,
      sessions,
      new LoginThrottle(ttlStore, config.secretKey, options.loginThrottle),
    ),
    audit: new AuditLog(db),
    alerts,
    digests,
    profiles,
    feedback: new FeedbackStore(db, profiles),
    worker,
    uploads: new SessionUploader(sentinel, worker, {
      sessionFileLimitBytes: config.sessionFileLimitBytes,
      authWaitMs: config.sessionAuthWaitMs,
    }),
    pubsub,
  };
  const relay = new EventRelay({
    bus,
    db,
    sentinel,
    worker,
    alerts,
    digests,
    pubsub,
    log: app.log,
    ...options.relay,
  });

  await app.register(fastifyCookie);
  await registerGraphQL(app, { schema, services });
  await registerRestRoutes(app, services);
  await registerSpa(app, config.webDist);

  const pruneTimer = setInterval(() => void sessions.prune().catch(() => {}), SESSION_PRUNE_INTERVAL_MS);
  pruneTimer.unref();

  let stopped: Promise<void> | null = null;
  const stop = () => {
    stopped ??= (async () => {
      clearInterval(pruneTimer);
      relay.stop();
      await app.close();
      await db.$disconnect();
      if (ownsBus) await bus.close();
      if (ownsStore) await ttlStore.close();
    })();
    return stopped;
  };

  const start = async (listen: { port?: number; host?: string } = {}) => {
    relay.start();
    await bus
      .ready()
      .catch((err) => app.log.warn({ err: (err as Error).message }, "event bus not ready; continuing"));
    const firstSync = (async () => {
      try {
        const adopted = await services.profiles.adoptFromSentinel();
        if (adopted > 0) app.log.info({ adopted }, "adopted the sentinel's profiles into ui.db");
      } catch (err) {
        app.log.warn({ code: (err as { code?: string }).code }, "could not read the sentinel's profiles yet");
      }
      await relay.resync();
    })();
    await Promise.race([firstSync, new Promise((r) => setTimeout(r, STARTUP_SYNC_WAIT_MS).unref())]);
    const address = await app.listen({
      port: listen.port ?? config.http.port,
      host: listen.host ?? config.http.host,
    });
    const port = (app.server.address() as { port: number }).port;
    app.log.info(
      { url: address, eventBus: bus.kind, sentinel: config.sentinel.baseUrl },
      bus.kind === "memory" ? "UI listening (in-memory event bus: single process, no Redis)" : "UI listening",
    );
    return { url: address, port };
  };

  return { app, services, start, stop };
}
