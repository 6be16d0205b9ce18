/**
 * `npm start`: the whole system on one machine with embedded defaults.
 *
 * - data under DATA_DIR (default ./data): the sentinel in <data>/sentinel, the UI in <data>/ui;
 * - both databases migrated by the services that own them;
 * - the web UI built first if ui-web/dist is missing;
 * - with REDIS_URL or REDIS_HOST set, each service uses Redis; without, both run here and share
 *   an in-memory event bus and TTL store (said plainly in the output);
 * - a per-run API token between the two when SENTINEL_API_TOKEN is not set.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { ConfigError, type Env } from "../contract/env-check.ts";
import { type EventBus, MemoryEventBus } from "../contract/event-bus.ts";
import { describeRedisTarget } from "../contract/redis-connection.ts";
import { MemoryTtlStore, type TtlStore } from "../contract/ttl-store.ts";
import { buildSentinelApp } from "../sentinel/app.ts";
import { loadEnvironment } from "../sentinel/environment.ts";
import { buildApp as buildUiApp } from "../ui-graphql/app.ts";
import { loadUiConfig } from "../ui-graphql/environment.ts";

const root = path.resolve(import.meta.dirname, "..");
const SHUTDOWN_GRACE_MS = 10_000;

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function ensureWebBuilt(): void {
  if (fs.existsSync(path.join(root, "ui-web", "dist", "index.html"))) return;
  say("Building the web UI (ui-web/dist is missing)…");
  const result = spawnSync("npm", ["run", "build", "-w", "ui-web"], { cwd: root, stdio: "inherit" });
  if (result.status !== 0) {
    process.stderr.write("The web UI did not build; see the output above.\n");
    process.exit(1);
  }
}

/** The environment each service sees: the user's, plus the embedded defaults it did not set. */
export function embeddedEnvironments(env: Env): { sentinel: Env; ui: Env; dataRoot: string } {
  const dataRoot = path.resolve(root, env.DATA_DIR?.trim() || "data");
  const token = env.SENTINEL_API_TOKEN?.trim() || randomBytes(32).toString("hex");
  const sentinelPort = env.SENTINEL_API_PORT?.trim() || "8080";
  const sentinelHost = env.SENTINEL_API_HOST?.trim() || "127.0.0.1";
  const shared: Env = { ...env, SENTINEL_API_TOKEN: token };
  return {
    dataRoot,
    sentinel: {
      ...shared,
      DATA_DIR: path.join(dataRoot, "sentinel"),
      SENTINEL_API_PORT: sentinelPort,
      SENTINEL_API_HOST: sentinelHost,
    },
    ui: {
      ...shared,
      DATA_DIR: path.join(dataRoot, "ui"),
      SENTINEL_API_BASE_URL:
        env.SENTINEL_API_BASE_URL?.trim() ||
        `http://${sentinelHost.includes(":") ? `[${sentinelHost}]` : sentinelHost}:${sentinelPort}/api`,
    },
  };
}

async function main(): Promise<void> {
  const envs = embeddedEnvironments(process.env);
  const problems: string[] = [];
  const validated = <T>(load: () => T): T | undefined => {
    try {
      return load();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(err.message);
      return undefined;
    }
  };
  const sConfig = validated(() => loadEnvironment(envs.sentinel, { cwd: root }));
  const uConfig = validated(() => loadUiConfig(envs.ui, { cwd: root, embedded: true }));
  if (sConfig === undefined || uConfig === undefined) {
    process.stderr.write(`${problems.join("\n")}\n`);
    process.exit(1);
  }

  ensureWebBuilt();

  let bus: EventBus | undefined;
  let ttl: TtlStore | undefined;
  if (sConfig.redis === null) {
    bus = new MemoryEventBus();
    ttl = new MemoryTtlStore();
    say(
      "No REDIS_URL or REDIS_HOST: running the sentinel and the UI in this one process with an in-memory event bus and rate-limit store.",
    );
  } else {
    say(`Using Redis at ${describeRedisTarget(sConfig.redis)} for events and rate-limit state.`);
  }

  const sentinel = await buildSentinelApp({ config: sConfig, bus, ttl });
  const sentinelAddress = await sentinel.listen({ host: sConfig.api.host, port: sConfig.api.port });
  const ui = await buildUiApp({ config: uConfig, bus, ttlStore: ttl });
  const { url } = await ui.start();

  say("");
  say(`TG Sentinel is running. Data: ${envs.dataRoot}`);
  say(`  Web UI:       ${url.replace("0.0.0.0", "127.0.0.1")}/`);
  say(`  GraphQL:      ${url.replace("0.0.0.0", "127.0.0.1")}/graphql`);
  say(`  Sentinel API: ${sentinelAddress}/api (health: ${sentinelAddress}/api/health)`);
  say(
    uConfig.admin.password
      ? `  Log in as "${uConfig.admin.username}" with UI_ADMIN_PASSWORD.`
      : `  Log in as "${uConfig.admin.username}" (its password was printed above when the account was created).`,
  );
  if (sConfig.telegram === null) {
    say(
      '  Telegram: TG_API_ID/TG_API_HASH are not set, so the worker stays "not authorized" (see the README: the local test DC, or TG_SOURCE=export:… to replay an export).',
    );
  }

  let closing = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) process.exit(1);
    closing = true;
    say(`\n${signal}: shutting down…`);
    setTimeout(() => process.exit(1), SHUTDOWN_GRACE_MS).unref();
    (async () => {
      await ui.stop();
      await sentinel.close();
      await bus?.close();
      await ttl?.close();
    })().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`shutdown failed: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}

main().catch((err: unknown) => {
  process.stderr.write(`TG Sentinel failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
