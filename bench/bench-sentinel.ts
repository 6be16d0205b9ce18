/**
 * The real sentinel app (every plugin, sentinel.db migrated in a temp directory, the Redis event
 * bus and TTL store under the benchmark's own prefix), with the replay gateway in place of
 * Telegram and a configuration whose caps and rate limits do not throttle the measurement.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import { buildSentinelApp } from "../sentinel/app.ts";
import { loadEnvironment } from "../sentinel/environment.ts";
import { CORPUS_OWNER } from "./message-corpus.ts";
import { ReplayGateway } from "./replay-gateway.ts";

/** The bearer token between the benchmark's UI and sentinel. */
export const BENCH_SENTINEL_TOKEN = "bench-sentinel-token-0123456789abcdef";

/**
 * The config file of the benchmark's sentinel: caps and the API rate limit at their maximum, so
 * the figures measure the code, not the throttles (with the defaults, 10 alerts per chat and 30
 * per profile per hour, almost every match of a throughput run would be suppressed).
 */
export const BENCH_SENTINEL_CONFIG = `
alerts:
  per_chat_per_hour: 100000
  per_profile_per_hour: 100000
api_rate_limit:
  max: 1000000
  time_window: 1 minute
digest:
  schedules: []
backfill:
  max_messages_per_chat: 0
`;

export interface BenchSentinel {
  app: FastifyInstance;
  gateway: ReplayGateway;
  dir: string;
  databaseFile: string;
  /** http://127.0.0.1:<port>/api once `listen` was asked for. */
  baseUrl: string | null;
  close(): Promise<void>;
}

export async function startBenchSentinel(options: {
  redisUrl: string;
  prefix: string;
  listen: boolean;
}): Promise<BenchSentinel> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tgsentinel-bench-sentinel-"));
  const configPath = path.join(dir, "tgsentinel.yml");
  fs.writeFileSync(configPath, BENCH_SENTINEL_CONFIG);
  const config = loadEnvironment(
    {
      DATA_DIR: path.join(dir, "data"),
      TG_CONFIG_PATH: configPath,
      SENTINEL_API_TOKEN: BENCH_SENTINEL_TOKEN,
      REDIS_URL: options.redisUrl,
      REDIS_KEY_PREFIX: options.prefix,
      LOG_LEVEL: "silent",
    },
    { cwd: dir },
  );
  const gateway = new ReplayGateway(CORPUS_OWNER);
  const app = await buildSentinelApp({ config, gateway, logDestination: false, digestTimer: false });
  let baseUrl: string | null = null;
  if (options.listen) {
    await app.listen({ port: 0, host: "127.0.0.1" });
    baseUrl = `http://127.0.0.1:${(app.server.address() as { port: number }).port}/api`;
  } else await app.ready();
  await app.bus.ready();
  return {
    app,
    gateway,
    dir,
    databaseFile: config.databaseFile,
    baseUrl,
    async close() {
      await app.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
