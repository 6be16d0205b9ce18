/**
 * `app.ingestion`: every message the gateway delivers (live, backfilled, or replayed from an
 * export) for an included chat is stored in sentinel.db through one bounded queue, then handed to
 * the `onIngested` hooks (the scoring plugin subscribes). On every (re)connect the dialog list is
 * synced into `chats` and missed messages are backfilled. `app.ingestion.stats()` feeds
 * `/api/stats`; an export replay (TG_SOURCE=export:…) starts as soon as the app is ready.
 */
import type { FastifyPluginAsync } from "fastify";
import fp from "fastify-plugin";
import type { SentinelConfig } from "../environment.ts";
import { MessageIngestion } from "../ingestion/message-ingestion.ts";
import { MessageStore } from "../ingestion/message-store.ts";
import { EXPORT_SESSION } from "../telegram/export-source.ts";

declare module "fastify" {
  interface FastifyInstance {
    ingestion: MessageIngestion;
  }
}

export interface IngestionOptions {
  config: SentinelConfig;
  /** Queue capacity (default INGEST_QUEUE_MAX). */
  queueMax?: number;
}

const ingestion: FastifyPluginAsync<IngestionOptions> = async (app, opts) => {
  const service = new MessageIngestion({
    gateway: app.telegram,
    store: new MessageStore(app.prisma, app.dbWriter),
    chats: opts.config.settings.chats,
    maxMessagesPerChat: opts.config.settings.backfill.maxMessagesPerChat,
    log: app.log.child({ component: "ingestion" }),
    ...(opts.queueMax === undefined ? {} : { queueMax: opts.queueMax }),
  });
  // Overrides first, so the very first message is filtered by them; subscribed now, before the
  // session plugin starts the gateway on ready.
  await service.loadOverrides();
  service.start();
  app.decorate("ingestion", service);

  app.addHook("onReady", async () => {
    if (app.telegram.source !== "export") return;
    // An export has no session to import: replay it right away (in the background).
    void app.telegram.start(EXPORT_SESSION).catch((error: unknown) => {
      app.log.error(
        { error: error instanceof Error ? error.message : String(error) },
        "export replay failed to start",
      );
    });
  });

  // Registered after the telegram plugin, so this runs before the gateway stops and before the
  // database closes: what is queued gets stored.
  app.addHook("onClose", async () => {
    await service.close();
  });
};

export default fp(ingestion, { name: "ingestion", dependencies: ["telegram", "database"], fastify: "5.x" });
