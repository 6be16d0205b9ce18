import { randomUUID } from "node:crypto";
import fs from "node:fs";
import { connectRedis } from "@tgsentinel/contract/redis-connection.ts";
import type { RedisTtlStore } from "@tgsentinel/contract/ttl-store.ts";
import { afterEach, describe, expect, it } from "vitest";
import { authHeaders, buildTestApp, makeTempDir, type TestApp } from "../testing/sentinel-fixture.ts";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const LIMITED = "api_rate_limit:\n  max: 3\n  token_max: 3\n  time_window: 1 minute\n";
/** Strangers get 2 requests a minute, the holder of the API token 5. */
const SPLIT = "api_rate_limit:\n  max: 2\n  token_max: 5\n  time_window: 1 minute\n";

const apps: TestApp[] = [];
afterEach(async () => {
  for (const t of apps.splice(0)) await t.close();
});

async function limitedApp(env: Record<string, string> = {}, dir?: string, yaml = LIMITED): Promise<TestApp> {
  const t = await buildTestApp({ yaml, env, ...(dir ? { dir } : {}) });
  apps.push(t);
  return t;
}

/** Redis connects asynchronously; until then the limiter fails open, which these tests do not measure. */
async function redisReady(t: TestApp): Promise<void> {
  const deadline = Date.now() + 5_000;
  while ((t.app.ttl as RedisTtlStore).redis.status !== "ready") {
    if (Date.now() > deadline) throw new Error("redis not ready");
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function status(t: TestApp) {
  return t.app.inject({ method: "GET", url: "/api/status", headers: authHeaders() });
}

describe("API rate limit", () => {
  it("answers 429 RATE_LIMITED with Retry-After once the limit is used up (memory store)", async () => {
    const t = await limitedApp();
    for (let i = 0; i < 3; i++) expect((await status(t)).statusCode).toBe(200);
    const limited = await status(t);
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
    expect(limited.json()).toMatchObject({
      status: "error",
      code: "RATE_LIMITED",
      data: null,
      error: { code: "RATE_LIMITED" },
    });
    // Health stays exempt, so a limited client still passes its health check.
    for (let i = 0; i < 5; i++)
      expect((await t.app.inject({ method: "GET", url: "/api/health" })).statusCode).toBe(200);
  });

  it("also limits requests without a token, so tokens cannot be guessed quickly", async () => {
    const t = await limitedApp();
    const codes: number[] = [];
    for (let i = 0; i < 4; i++)
      codes.push((await t.app.inject({ method: "GET", url: "/api/status" })).statusCode);
    expect(codes).toEqual([401, 401, 401, 429]);
  });

  it("gives requests with the API token a bucket of their own, so strangers cannot starve the UI", async () => {
    const t = await limitedApp({}, undefined, SPLIT);
    const stranger = async () =>
      (await t.app.inject({ method: "GET", url: "/api/status", headers: { authorization: "Bearer wrong" } }))
        .statusCode;
    // The stranger uses up its two requests and is limited...
    expect([await stranger(), await stranger(), await stranger()]).toEqual([401, 401, 429]);
    // ...while the token holder from the same address still has its own five.
    const codes: number[] = [];
    for (let i = 0; i < 6; i++) codes.push((await status(t)).statusCode);
    expect(codes).toEqual([200, 200, 200, 200, 200, 429]);
    // /api/status reports both limits.
    const t2 = await limitedApp({}, undefined, SPLIT);
    expect((await status(t2)).json().data.rate_limit.api).toEqual({
      max: 2,
      token_max: 5,
      time_window_ms: 60_000,
    });
  });

  it("never writes the token into the limiter's Redis keys", async () => {
    const prefix = `test-${randomUUID()}:tgsentinel:`;
    const t = await limitedApp({ REDIS_URL, REDIS_KEY_PREFIX: prefix }, undefined, SPLIT);
    await redisReady(t);
    expect((await status(t)).statusCode).toBe(200);
    const redis = connectRedis({ url: REDIS_URL, prefix }, { enableOfflineQueue: true });
    try {
      const keys = await redis.keys(`${prefix}rate-limit:*`);
      expect(keys).toHaveLength(1);
      expect(keys[0]).toMatch(/rate-limit:token:/);
      const token = (authHeaders().authorization ?? "").replace(/^Bearer /, "");
      expect(keys[0]).not.toContain(token);
      await redis.del(...keys);
    } finally {
      redis.disconnect();
    }
  });

  it("keeps counters in Redis, shared by every sentinel using the same Redis", async () => {
    const prefix = `test-${randomUUID()}:tgsentinel:`;
    const env = { REDIS_URL, REDIS_KEY_PREFIX: prefix };
    const first = await limitedApp(env);
    const second = await limitedApp(env);
    await redisReady(first);
    await redisReady(second);
    expect((await status(first)).statusCode).toBe(200);
    expect((await status(second)).statusCode).toBe(200);
    expect((await status(first)).statusCode).toBe(200);
    const limited = await status(second);
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);

    const redis = connectRedis({ url: REDIS_URL, prefix }, { enableOfflineQueue: true });
    try {
      const keys = await redis.keys(`${prefix}rate-limit:*`);
      expect(keys.length).toBeGreaterThan(0);
      expect(await redis.pttl(keys[0]!)).toBeGreaterThan(0);
      await redis.del(...keys);
    } finally {
      redis.disconnect();
    }
  });

  it("lets requests through when Redis is down", async () => {
    const dir = makeTempDir();
    const t = await limitedApp(
      { REDIS_URL: "redis://127.0.0.1:1", REDIS_KEY_PREFIX: `test-${randomUUID()}:` },
      dir,
    );
    // An unknown route: it touches nothing else in Redis, so only the limiter's behaviour shows.
    for (let i = 0; i < 5; i++) {
      const response = await t.app.inject({ method: "GET", url: "/api/unknown", headers: authHeaders() });
      expect(response.statusCode).toBe(404);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
