/**
 * The API's global rate limit (@fastify/rate-limit), per client address, with limits from
 * config `api_rate_limit`, applied to every request (unknown routes and unauthenticated ones
 * included) before authentication. Counters live in Redis when the TTL store is Redis-backed
 * (shared by every sentinel process), in memory otherwise. A Redis outage lets requests through
 * rather than failing them. Routes opt out with `config: { rateLimit: false }` (health).
 */
import rateLimit from "@fastify/rate-limit";
import { SentinelError } from "@tgsentinel/contract/envelope.ts";
import { RedisTtlStore } from "@tgsentinel/contract/ttl-store.ts";
import type { FastifyPluginAsync } from "fastify";
import fp from "fastify-plugin";

export interface RateLimitOptions {
  max: number;
  timeWindowMs: number;
  /** Key prefix in Redis (REDIS_KEY_PREFIX, `tgsentinel:` by default). */
  prefix: string;
}

const limiter: FastifyPluginAsync<RateLimitOptions> = async (app, opts) => {
  const redis = app.ttl instanceof RedisTtlStore ? app.ttl.redis : undefined;
  await app.register(rateLimit, {
    // Not per route: routes' own onRequest hooks run after app-wide ones such as auth, and
    // unauthenticated requests (token guessing) must be limited too. One app-wide hook instead.
    global: false,
    max: opts.max,
    timeWindow: opts.timeWindowMs,
    ...(redis ? { redis, nameSpace: `${opts.prefix}rate-limit:` } : {}),
    skipOnError: true,
    errorResponseBuilder: (_request, context) =>
      new SentinelError("RATE_LIMITED", `Too many requests; retry in ${context.after}`),
  });
  const limit = app.rateLimit();
  app.addHook("onRequest", async (request, reply) => {
    if (request.routeOptions.config?.rateLimit === false) return;
    await limit.call(app, request, reply);
  });
  app.log.debug(
    { max: opts.max, timeWindowMs: opts.timeWindowMs, store: redis ? "redis" : "memory" },
    "rate limit",
  );
};

export default fp(limiter, { name: "rate-limit", dependencies: ["errors", "events"], fastify: "5.x" });
