/**
 * Test support: the real sentinel app on a real port and the real UI app, talking over HTTP and
 * real Redis under a prefix of their own. Nothing here is used by production code.
 */
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { RedisEventBus } from "@tgsentinel/contract/event-bus.ts";
import type { RedisTarget } from "@tgsentinel/contract/redis-connection.ts";
import type { FastifyInstance, FastifyServerOptions } from "fastify";
import { buildSentinelApp } from "../../sentinel/app.ts";
import { loadEnvironment } from "../../sentinel/environment.ts";
import type { TelegramGateway } from "../../sentinel/telegram/gateway.ts";
import { buildApp, type UiApp } from "../app.ts";
import { loadUiConfig } from "../environment.ts";

export const SENTINEL_TOKEN = "ui-test-token-0123456789abcdef";
export const ADMIN = { username: "admin", password: "correct horse battery" };

/** Every sentinel route the UI calls (sentinel-client.ts). */
export const SENTINEL_ROUTES_USED = [
  { method: "GET", url: "/api/health" },
  { method: "GET", url: "/api/status" },
  { method: "POST", url: "/api/session/import" },
  { method: "DELETE", url: "/api/session" },
  { method: "GET", url: "/api/alerts" },
  { method: "GET", url: "/api/stats" },
  { method: "GET", url: "/api/webhooks/deliveries" },
  { method: "GET", url: "/api/chats" },
  { method: "PATCH", url: "/api/chats/:id" },
  { method: "GET", url: "/api/profiles" },
  { method: "PUT", url: "/api/profiles" },
  { method: "POST", url: "/api/profiles/test" },
  { method: "GET", url: "/api/digests" },
  { method: "POST", url: "/api/digests/run" },
  { method: "GET", url: "/api/session/login" },
  { method: "POST", url: "/api/session/login" },
  { method: "POST", url: "/api/session/login/code" },
  { method: "POST", url: "/api/session/login/password" },
  { method: "DELETE", url: "/api/session/login" },
] as const;

export function redisUrl(): string {
  return process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
}

export function testPrefix(): string {
  return `test-${randomUUID()}:tgsentinel:`;
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface TestSentinel {
  app: FastifyInstance;
  baseUrl: string;
  dataDir: string;
  /** sentinel.db (tests write to it only while the sentinel is stopped). */
  databaseFile: string;
  dir: string;
  port: number;
  /** Stops the sentinel; its data directory is removed unless `keepData`. */
  close(options?: { keepData?: boolean }): Promise<void>;
}

/** The sentinel app on a real port with its own data dir and Redis connections (prefix shared with the UI). */
export async function startSentinel(options: {
  prefix: string;
  gateway?: TelegramGateway;
  /** Restart on the same port and data directory as an earlier instance. */
  port?: number;
  dir?: string;
  /** Extra environment (e.g. TG_API_ID/TG_API_HASH, TG_TEST_DC); wins over the defaults. */
  env?: Record<string, string>;
  /** Where its log lines go (at the env's LOG_LEVEL, "silent" by default); none by default. */
  logDestination?: { write(line: string): void };
}): Promise<TestSentinel> {
  const dir = options.dir ?? tempDir("ui-test-sentinel-");
  const configPath = path.join(dir, "tgsentinel.yml");
  fs.writeFileSync(configPath, "{}\n");
  const config = loadEnvironment(
    {
      DATA_DIR: path.join(dir, "data"),
      TG_CONFIG_PATH: configPath,
      SENTINEL_API_TOKEN: SENTINEL_TOKEN,
      REDIS_URL: redisUrl(),
      REDIS_KEY_PREFIX: options.prefix,
      LOG_LEVEL: "silent",
      ...options.env,
    },
    { cwd: dir },
  );
  const app = await buildSentinelApp({
    config,
    logDestination: options.logDestination ?? false,
    ...(options.gateway ? { gateway: options.gateway } : {}),
  });
  await app.listen({ port: options.port ?? 0, host: "127.0.0.1" });
  await app.bus.ready();
  const missing = SENTINEL_ROUTES_USED.filter((route) => !app.hasRoute(route));
  if (missing.length > 0)
    throw new Error(`the sentinel does not serve ${missing.map((r) => `${r.method} ${r.url}`).join(", ")}`);
  const port = (app.server.address() as { port: number }).port;
  return {
    app,
    baseUrl: `http://127.0.0.1:${port}/api`,
    dataDir: config.dataDir,
    databaseFile: config.databaseFile,
    dir,
    port,
    async close(closeOptions = {}) {
      await app.close();
      if (!closeOptions.keepData) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface TestUi {
  ui: UiApp;
  url: string;
  dbFile: string;
  dir: string;
  close(): Promise<void>;
}

/** The UI app on a real port, with a RedisEventBus under `prefix`. Reuse `dir` to restart on the same ui.db. */
export async function startUi(options: {
  prefix: string;
  sentinelBaseUrl: string;
  dir?: string;
  authWaitMs?: number;
  env?: Record<string, string>;
  loginThrottle?: { maxFailures?: number; windowMs?: number };
  /** Fastify's logger option (e.g. a level and a stream to read the log); none by default. */
  logger?: FastifyServerOptions["logger"];
}): Promise<TestUi> {
  const dir = options.dir ?? tempDir("ui-test-ui-");
  const config = loadUiConfig(
    {
      DATA_DIR: dir,
      SENTINEL_API_BASE_URL: options.sentinelBaseUrl,
      SENTINEL_API_TOKEN: SENTINEL_TOKEN,
      UI_SECRET_KEY: "ui-test-secret-key-0123456789abcdefghij",
      UI_ADMIN_USERNAME: ADMIN.username,
      UI_ADMIN_PASSWORD: ADMIN.password,
      UI_SESSION_AUTH_WAIT_MS: String(options.authWaitMs ?? 5_000),
      UI_WEB_DIST: path.join(dir, "no-web-dist"),
      LOG_LEVEL: "silent",
      // The login throttle's TtlStore lives in Redis too (the bus is injected below).
      REDIS_URL: redisUrl(),
      REDIS_KEY_PREFIX: options.prefix,
      ...options.env,
    },
    { cwd: dir },
  );
  const redis: RedisTarget = { url: redisUrl(), prefix: options.prefix };
  const ui = await buildApp({
    config,
    bus: new RedisEventBus(redis),
    logger: options.logger ?? false,
    loginThrottle: options.loginThrottle,
    relay: { probeMs: 200 },
  });
  const bus = ui.services.bus;
  const { port } = await ui.start({ port: 0, host: "127.0.0.1" });
  return {
    ui,
    url: `http://127.0.0.1:${port}`,
    dbFile: config.dbFile,
    dir,
    async close() {
      await ui.stop();
      await bus.close();
    },
  };
}
