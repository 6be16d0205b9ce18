/**
 * `app.sessionStore` and the session's lifecycle: on start, repair an interrupted write and start
 * the gateway from the stored session; `DELETE /api/session` logs out (stops the gateway, removes
 * the session and its backup, publishes session_updated and worker_status).
 */
import { ok, SentinelError } from "@tgsentinel/contract/envelope.ts";
import type { FastifyBaseLogger, FastifyInstance, FastifyPluginAsync } from "fastify";
import fp from "fastify-plugin";
import {
  gatewaySessionOf,
  SessionStore,
  type SessionStoreHooks,
  type StoredSession,
} from "../session/session-store.ts";
import { publishEvent } from "./events.ts";
import { startGateway } from "./telegram.ts";

declare module "fastify" {
  interface FastifyInstance {
    sessionStore: SessionStore;
  }
}

export interface SessionOptions {
  /** TG_SESSION_PATH. */
  sessionPath: string;
  /** How long start-up and imports wait for the gateway's first connection (default 10 s). */
  gatewayStartTimeoutMs?: number;
  /** Test seams for the store's write protocol. */
  storeHooks?: SessionStoreHooks;
}

export const DEFAULT_GATEWAY_START_TIMEOUT_MS = 10_000;

/**
 * What an import and a login from the UI do with a new session: store it (atomic 0660 write, the
 * previous one kept as the backup until then), restart the gateway with it (waiting at most
 * `timeoutMs`) and publish `session_updated` (action "imported"). Run it inside
 * `app.sessionStore.exclusive`. A failed write throws STORAGE_ERROR and changes nothing.
 */
export async function installSession(
  app: FastifyInstance,
  document: StoredSession,
  options: { size: number; timeoutMs: number; log: FastifyBaseLogger },
): Promise<void> {
  const store = app.sessionStore;
  try {
    await store.write(document);
  } catch (err) {
    options.log.error({ error: (err as Error).message, path: store.path }, "session could not be written");
    throw new SentinelError(
      "STORAGE_ERROR",
      "The session could not be written; the previous session is unchanged",
      { cause: err },
    );
  }
  await startGateway(app.telegram, gatewaySessionOf(document), options.timeoutMs, options.log);
  await publishEvent(app.bus, options.log, "session_updated", {
    action: "imported",
    session_path: store.path,
    size: options.size,
    imported_at: document.imported_at,
  });
}

const session: FastifyPluginAsync<SessionOptions> = async (app, opts) => {
  const store = new SessionStore(opts.sessionPath, opts.storeHooks);
  app.decorate("sessionStore", store);
  const timeoutMs = opts.gatewayStartTimeoutMs ?? DEFAULT_GATEWAY_START_TIMEOUT_MS;

  app.addHook("onReady", async () => {
    await store.exclusive(async () => {
      const report = await store.recover();
      if (report.restoredBackup)
        app.log.warn({ path: store.path }, "session restored from its backup after an interrupted write");
      if (report.removedTempFiles > 0)
        app.log.info(
          { files: report.removedTempFiles },
          "removed temp files of an interrupted session write",
        );
      let stored: Awaited<ReturnType<SessionStore["read"]>>;
      try {
        stored = await store.read();
      } catch (err) {
        app.log.error(
          { path: store.path, error: (err as Error).message },
          "stored session is unreadable; import the session again",
        );
        return;
      }
      if (stored === null) {
        app.log.info({ path: store.path }, "no stored session; waiting for POST /api/session/import");
        return;
      }
      app.log.info(
        { dc_id: stored.dc_id, key: stored.key_fingerprint, imported_at: stored.imported_at },
        "starting Telegram from the stored session",
      );
      await startGateway(app.telegram, gatewaySessionOf(stored), timeoutMs, app.log);
    });
  });

  app.delete("/api/session", async (request) => {
    return store.exclusive(async () => {
      const previous = await store.read().catch(() => null);
      await app.telegram.stop();
      const removed = await store.remove();
      const at = new Date().toISOString();
      request.log.info({ removed, key: previous?.key_fingerprint }, "session removed");
      await publishEvent(app.bus, request.log, "session_updated", {
        action: "removed",
        session_path: store.path,
        size: 0,
        imported_at: previous?.imported_at ?? at,
      });
      await publishEvent(app.bus, request.log, "worker_status", app.workerStatus());
      return ok(
        { removed, session_path: store.path, removed_at: at },
        removed ? "Session removed" : "No session was stored",
      );
    });
  });
};

export default fp(session, { name: "session", dependencies: ["telegram", "events"], fastify: "5.x" });
