import { Redis, type RedisOptions } from "ioredis";

/** Where Redis is; built by each service's environment module from REDIS_URL or REDIS_HOST/REDIS_PORT. */
export interface RedisTarget {
  url?: string;
  host?: string;
  port?: number;
  /** Key and channel prefix; `tgsentinel:` unless a test isolates itself. */
  prefix: string;
}

/** The longest pause between reconnection attempts. */
export const REDIS_MAX_RECONNECT_DELAY_MS = 2_000;

/**
 * A connection that never gives up reconnecting (capped backoff) and fails commands fast
 * while disconnected, so a Redis outage never blocks a request or an import.
 */
/** Connections that have been up at least once: while they are down again, commands fail at once. */
const everReady = new WeakSet<Redis>();

export function connectRedis(target: RedisTarget, extra: RedisOptions = {}): Redis {
  const options: RedisOptions = {
    lazyConnect: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), REDIS_MAX_RECONNECT_DELAY_MS),
    ...extra,
  };
  const redis = target.url
    ? new Redis(target.url, options)
    : new Redis({ host: target.host ?? "127.0.0.1", port: target.port ?? 6379, ...options });
  // Errors surface through command rejections and the bus's health; an unhandled 'error' would crash.
  redis.on("error", () => {});
  redis.on("ready", () => everReady.add(redis));
  return redis;
}

export function describeRedisTarget(target: RedisTarget): string {
  if (target.url) {
    try {
      const u = new URL(target.url);
      return `${u.protocol}//${u.hostname}:${u.port || 6379}${u.pathname}`;
    } catch {
      return "redis (unparsable url)";
    }
  }
  return `redis://${target.host ?? "127.0.0.1"}:${target.port ?? 6379}`;
}

/** How long a command waits for a connection that is still being (re)established. */
export const REDIS_READY_WAIT_MS = 1_000;

/**
 * Waits briefly for a connection that is on its way up for the first time, so commands issued
 * right after start-up succeed; a connection that went down answers at once with an error
 * instead of queueing or waiting.
 */
export async function whenReady(redis: Redis, timeoutMs = REDIS_READY_WAIT_MS): Promise<void> {
  if (redis.status === "ready") return;
  if (redis.status === "end" || redis.status === "close") throw new Error("redis connection closed");
  // Only the first connection is worth waiting for; an outage must not slow every request down.
  if (everReady.has(redis)) throw new Error("redis not reachable");
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off("ready", onReady);
      reject(new Error("redis not reachable"));
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    redis.once("ready", onReady);
  });
}
