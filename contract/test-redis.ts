import { randomUUID } from "node:crypto";
import type { RedisTarget } from "./redis-connection.ts";

/**
 * The Redis every test uses: REDIS_URL as `npm test` sets it (scripts/with-redis.ts finds or starts
 * one). Each call returns a fresh key/channel prefix so parallel runs never collide.
 */
export function testRedisTarget(): RedisTarget {
  return {
    url: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
    prefix: `test-${randomUUID()}:tgsentinel:`,
  };
}
