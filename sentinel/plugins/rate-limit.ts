/**
 * The API's global rate limit (@fastify/rate-limit), per client address, with limits from
 * config `api_rate_limit`, applied to every request (unknown routes and unauthenticated ones
 * included) before authentication. Two buckets per address: requests that carry the valid API
 * token count against `tokenMax` (the UI: every browser tab and the live alert sync arrive
 * through its one address), all others against `max` (token guessing, stray clients), so a
 * flood of bad requests cannot starve the UI and the UI's own traffic is not held to the limit
 * meant for strangers. With no token configured every request is the first kind.
 * Counters live in Redis when the TTL store is Redis-backed (shared by every sentinel process),
 * in memory otherwise. A Redis outage lets requests through rather than failing them. Routes
 * opt out with `config: { rateLimit: false }` (health).
 */
import rateLimit from "@fastify/rate-limit";
import { SentinelError } from "@tgsentinel/contract/envelope.ts";
import { RedisTtlStore } from "@tgsentinel/contract/ttl-store.ts";
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import type { Secret } from "../environment.ts";
import { presentedToken, tokenDigest, tokenMatches } from "./auth.ts";

export interface RateLimitOptions {
  /** Requests per window for a client address without the valid API token. */
  max: number;
  /** Requests per window for a client address presenting the valid API token. */
  tokenMax: number;
  timeWindowMs: number;
  /** SENTINEL_API_TOKEN (null: the API is open and every request counts as authenticated). */
  token: Secret | null;
  /** Key prefix in Redis (REDIS_KEY_PREFIX, `tgsentinel:` by default). */
  prefix: string;
}

/** Bucket names in the limiter's keys; never the token itself. */
const TOKEN_BUCKET = "token";
const OPEN_BUCKET = "other";

const limiter: FastifyPluginAsync<RateLimitOptions> = async (app, opts) => {
  const redis = app.ttl instanceof RedisTtlStore ? app.ttl.redis : undefined;
  const expected = opts.token === null ? null : tokenDigest(opts.token.reveal());
  const bucketOf = (request: FastifyRequest): string => {
    if (expected === null) return TOKEN_BUCKET;
    const presented = presentedToken(request.headers.authorization);
    return presented !== undefined && tokenMatches(presented, expected) ? TOKEN_BUCKET : OPEN_BUCKET;
  };
  await app.register(rateLimit, {
    // Not per route: routes' own onRequest hooks run after app-wide ones such as auth, and
    // unauthenticated requests (token guessing) must be limited too. One app-wide hook instead.
    global: false,
    keyGenerator: (request) => `${bucketOf(request)}:${request.ip}`,
    max: (_request, key) => (key.startsWith(`${TOKEN_BUCKET}:`) ? opts.tokenMax : opts.max),
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
    {
      max: opts.max,
      tokenMax: opts.tokenMax,
      timeWindowMs: opts.timeWindowMs,
      store: redis ? "redis" : "memory",
    },
    "rate limit",
  );
};

export default fp(limiter, { name: "rate-limit", dependencies: ["errors", "events"], fastify: "5.x" });
