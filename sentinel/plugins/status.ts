/**
 * `GET /api/status`: the worker's Telegram state (from the gateway), the stored session's public
 * facts, and rate-limit state (active flood waits from the TTL store, the API's own limit).
 * `session_present`/`session_imported_at` tell "no session imported" from "imported, connecting or
 * refused". Answers even when Redis is down: flood waits are then reported as unavailable.
 */
import { ok } from "@tgsentinel/contract/envelope.ts";
import type { WorkerStatusData } from "@tgsentinel/contract/events.ts";
import type { FastifyPluginAsync } from "fastify";
import fp from "fastify-plugin";
import { activeFloodWaits, type FloodWait } from "../telegram/flood-waits.ts";

export interface StatusData extends WorkerStatusData {
  session_present: boolean;
  session_imported_at: string | null;
  /** The stored session (never its key), or null when none is stored. */
  session: { imported_at: string; dc_id: number; source_format: string; key_fingerprint: string } | null;
  rate_limit: {
    flood_waits: FloodWait[];
    api: { max: number; token_max: number; time_window_ms: number };
    store: "redis" | "memory";
    /** Set when the rate-limit store could not be read (Redis down). */
    error?: string;
  };
}

export interface StatusOptions {
  apiRateLimit: { max: number; tokenMax: number; timeWindowMs: number };
}

const status: FastifyPluginAsync<StatusOptions> = async (app, opts) => {
  app.get("/api/status", async (request) => {
    const worker = app.telegram.status();
    let floodWaits: FloodWait[] = [];
    let error: string | undefined;
    try {
      floodWaits = await activeFloodWaits(app.ttl);
    } catch (err) {
      request.log.warn({ error: (err as Error).message }, "flood waits unavailable");
      error = "rate-limit state is unavailable (the store cannot be reached)";
    }
    const stored = await app.sessionStore.read().catch(() => null);
    // After the read: an unreadable session file is present (and needs importing again).
    const presence = app.sessionStore.presence();
    const data: StatusData = {
      ...worker,
      session_present: presence.present,
      session_imported_at: presence.imported_at,
      session: stored && {
        imported_at: stored.imported_at,
        dc_id: stored.dc_id,
        source_format: stored.source_format,
        key_fingerprint: stored.key_fingerprint,
      },
      rate_limit: {
        flood_waits: floodWaits,
        api: {
          max: opts.apiRateLimit.max,
          token_max: opts.apiRateLimit.tokenMax,
          time_window_ms: opts.apiRateLimit.timeWindowMs,
        },
        store: app.ttl.kind,
        ...(error ? { error } : {}),
      },
    };
    return ok(data);
  });
};

export default fp(status, {
  name: "status",
  dependencies: ["telegram", "events", "session"],
  fastify: "5.x",
});
