/**
 * Test support: a sentinel configuration in a temp directory, read through the real
 * loadEnvironment (so tests exercise the same validation), and an app built from it.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Env } from "@tgsentinel/contract/env-check.ts";
import type { FastifyInstance } from "fastify";
import { type BuildOptions, buildSentinelApp } from "../app.ts";
import { loadEnvironment, type SentinelConfig } from "../environment.ts";
import { RecordingGateway } from "./recording-gateway.ts";

export const TEST_TOKEN = "test-token-0123456789abcdef";

export interface FixtureOptions {
  /** Extra environment variables (DATA_DIR and TG_CONFIG_PATH point into the temp dir). */
  env?: Env;
  /** Contents of the config file. */
  yaml?: string;
}

export function makeTempDir(prefix = "sentinel-test-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function testConfig(dir: string, options: FixtureOptions = {}): SentinelConfig {
  const configPath = path.join(dir, "tgsentinel.yml");
  fs.writeFileSync(configPath, options.yaml ?? "{}\n");
  return loadEnvironment(
    {
      DATA_DIR: path.join(dir, "data"),
      TG_CONFIG_PATH: configPath,
      SENTINEL_API_TOKEN: TEST_TOKEN,
      ...options.env,
    },
    { cwd: dir },
  );
}

export interface TestApp {
  app: FastifyInstance;
  gateway: RecordingGateway;
  config: SentinelConfig;
  dir: string;
  close(): Promise<void>;
}

/** A sentinel app with a RecordingGateway in a fresh temp dir; `close()` also removes the dir. */
export async function buildTestApp(
  options: FixtureOptions & Partial<Omit<BuildOptions, "config">> & { dir?: string } = {},
): Promise<TestApp> {
  const dir = options.dir ?? makeTempDir();
  const config = testConfig(dir, options);
  const gateway = options.gateway instanceof RecordingGateway ? options.gateway : new RecordingGateway();
  const app = await buildSentinelApp({ logDestination: false, gateway, ...options, config });
  return {
    app,
    gateway,
    config,
    dir,
    async close() {
      await app.close();
      if (!options.dir) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function authHeaders(token = TEST_TOKEN): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}
