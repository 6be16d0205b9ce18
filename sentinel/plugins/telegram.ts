/**
 * `app.telegram`: the sentinel's TelegramGateway. The gateway comes from the app options (a
 * ready instance or a factory); without one, `defaultGatewayFactory` decides. Calls to start/stop
 * are serialised, every status change is published as `worker_status`, and the gateway is
 * stopped when the app closes.
 */
import type { EventBus } from "@tgsentinel/contract/event-bus.ts";
import type { WorkerStatusData } from "@tgsentinel/contract/events.ts";
import type { TtlStore } from "@tgsentinel/contract/ttl-store.ts";
import type { FastifyBaseLogger, FastifyPluginAsync } from "fastify";
import fp from "fastify-plugin";
import type { PrismaClient } from "../db/generated/client.ts";
import type { SentinelConfig } from "../environment.ts";
import type { NormalizedMessage } from "../ingestion/message.ts";
import { ExportSource } from "../telegram/export-source.ts";
import type {
  DialogInfo,
  GatewayReady,
  GatewaySession,
  MessageListener,
  TelegramGateway,
} from "../telegram/gateway.ts";
import { GramjsGateway } from "../telegram/gramjs-gateway.ts";
import { IdleGateway } from "../telegram/idle-gateway.ts";
import { publishEvent } from "./events.ts";

declare module "fastify" {
  interface FastifyInstance {
    telegram: TelegramGateway;
    /**
     * The gateway's status plus whether a session is stored (`session_present`,
     * `session_imported_at`): what `worker_status` and GET /api/status carry.
     */
    workerStatus(): WorkerStatusData;
  }
}

/** What a gateway factory may use; the app builds it after the database and events plugins. */
export interface GatewayContext {
  config: SentinelConfig;
  log: FastifyBaseLogger;
  bus: EventBus;
  ttl: TtlStore;
  prisma: PrismaClient;
}

export type GatewayFactory = (context: GatewayContext) => TelegramGateway;

export const MISSING_CREDENTIALS = "TG_API_ID and TG_API_HASH are not set";

/**
 * The gateway used when the app options name none: a Telegram Desktop export replay with
 * TG_SOURCE=export:<path>, idle without API credentials, else the GramJS gateway.
 */
export const defaultGatewayFactory: GatewayFactory = (context) => {
  const source = context.config.telegramSource;
  if (source.kind === "export") return new ExportSource({ path: source.path, log: context.log });
  if (context.config.telegram === null) return new IdleGateway(MISSING_CREDENTIALS);
  return new GramjsGateway({
    apiId: context.config.telegram.apiId,
    apiHash: context.config.telegram.apiHash.reveal(),
    log: context.log,
    ttlStore: context.ttl,
    floodSleepThreshold: context.config.settings.telegram.floodSleepThreshold,
  });
};

/**
 * Runs start/stop one after another, so a stop never overtakes a start that is still connecting
 * (an import followed quickly by DELETE /api/session ends with the gateway stopped). Everything
 * else is passed through to `inner`.
 */
export class SerialGateway implements TelegramGateway {
  private queue: Promise<unknown> = Promise.resolve();
  constructor(readonly inner: TelegramGateway) {}

  start(session: GatewaySession): Promise<void> {
    return this.enqueue(() => this.inner.start(session));
  }

  stop(): Promise<void> {
    return this.enqueue(() => this.inner.stop());
  }

  status(): WorkerStatusData {
    return this.inner.status();
  }

  onStatus(listener: (status: WorkerStatusData) => void): () => void {
    return this.inner.onStatus(listener);
  }

  get source(): TelegramGateway["source"] {
    return this.inner.source;
  }

  onMessage(listener: MessageListener): () => void {
    return this.inner.onMessage(listener);
  }

  onReady(listener: (ready: GatewayReady) => void | Promise<void>): () => void {
    return this.inner.onReady(listener);
  }

  listDialogs(options?: { limit?: number }): Promise<DialogInfo[]> {
    return this.inner.listDialogs(options);
  }

  fetchHistory(chatId: string, options: { minId: number; limit: number }): Promise<NormalizedMessage[]> {
    return this.inner.fetchHistory(chatId, options);
  }

  sendMessage(peer: string, text: string): Promise<{ messageId: number }> {
    return this.inner.sendMessage(peer, text);
  }

  floodWaits(): Array<{ method: string; seconds: number; until: string }> {
    return this.inner.floodWaits();
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => {});
    return run;
  }
}

export type GatewayStartOutcome = "started" | "pending" | "failed";

/**
 * Starts the gateway but waits at most `timeoutMs` for it: a slow first connection continues in
 * the background (its outcome arrives as worker_status) instead of holding up a request or start-up.
 */
export async function startGateway(
  gateway: TelegramGateway,
  session: GatewaySession,
  timeoutMs: number,
  log: FastifyBaseLogger,
): Promise<GatewayStartOutcome> {
  const started = gateway.start(session).then(
    () => "started" as const,
    (err: unknown) => {
      // Only the message: GramJS errors can carry request objects we do not want in logs.
      log.error(
        { error: err instanceof Error ? err.message : String(err) },
        "telegram gateway failed to start",
      );
      return "failed" as const;
    },
  );
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<"pending">((resolve) => {
    timer = setTimeout(() => resolve("pending"), timeoutMs);
  });
  const outcome = await Promise.race([started, waited]);
  clearTimeout(timer);
  if (outcome === "pending")
    log.info({ timeoutMs }, "telegram gateway still connecting; continuing in the background");
  return outcome;
}

export interface TelegramOptions {
  config: SentinelConfig;
  gateway?: TelegramGateway | GatewayFactory;
}

const telegram: FastifyPluginAsync<TelegramOptions> = async (app, opts) => {
  const context: GatewayContext = {
    config: opts.config,
    log: app.log.child({ component: "telegram" }),
    bus: app.bus,
    ttl: app.ttl,
    prisma: app.prisma,
  };
  const chosen = opts.gateway ?? defaultGatewayFactory;
  const inner = typeof chosen === "function" ? chosen(context) : chosen;
  const gateway = new SerialGateway(inner);
  app.decorate("telegram", gateway);
  const withSession = (status: WorkerStatusData): WorkerStatusData => {
    // The session plugin is registered after this one; until then no session is known.
    const presence = app.hasDecorator("sessionStore") ? app.sessionStore.presence() : null;
    return {
      ...status,
      session_present: presence?.present ?? false,
      session_imported_at: presence?.imported_at ?? null,
    };
  };
  app.decorate("workerStatus", () => withSession(gateway.status()));

  const unsubscribe = gateway.onStatus((status) => {
    void publishEvent(app.bus, app.log, "worker_status", withSession(status));
  });
  const initial = gateway.status();
  app.log.info({ authorized: initial.authorized, last_error: initial.last_error }, "telegram gateway ready");

  app.addHook("onClose", async () => {
    unsubscribe();
    await gateway.stop().catch((err: unknown) => {
      app.log.warn(
        { error: err instanceof Error ? err.message : String(err) },
        "telegram gateway stop failed",
      );
    });
  });
};

export default fp(telegram, { name: "telegram", dependencies: ["events", "database"], fastify: "5.x" });
