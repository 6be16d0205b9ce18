/**
 * The sentinel's configuration, read from process.env exactly once (here and nowhere else) plus
 * the YAML file it names. Every problem is collected and reported at once; secret values
 * (TG_API_HASH, SENTINEL_API_TOKEN) never appear in a message and are wrapped in `Secret` so that
 * logging or serialising the config cannot print them.
 */

import fs from "node:fs";
import path from "node:path";
import { inspect } from "node:util";
import { type Env, EnvReader, isLoopbackHost, readRedisTarget } from "@tgsentinel/contract/env-check.ts";
import { describeRedisTarget, type RedisTarget } from "@tgsentinel/contract/redis-connection.ts";
import { sqliteFilePath } from "@tgsentinel/contract/sqlite-uri.ts";
import { loadConfigFile, type SentinelSettings } from "./config-file.ts";
import { modelDirectoryProblems } from "./embedding/model-directory.ts";
import {
  parseTestDcAddress,
  parseTestDcPublicKey,
  TEST_DC_ID,
  type TestDcPublicKey,
} from "./login/test-dc.ts";
import { semanticWithoutModel } from "./scoring/profile.ts";

/** A value that must not be printed: JSON, string conversion and util.inspect all show a placeholder. */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  /** The real value, for the one place that needs it (a Telegram client, a token comparison). */
  reveal(): string {
    return this.#value;
  }
  toJSON(): string {
    return "[redacted]";
  }
  toString(): string {
    return "[redacted]";
  }
  [inspect.custom](): string {
    return "[redacted]";
  }
}

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface SentinelConfig {
  /** DATA_DIR (default ./data/sentinel): where sentinel.db and the session live by default. */
  dataDir: string;
  /** Absolute path of sentinel.db (DB_URI). */
  databaseFile: string;
  /** Absolute path of the stored session (TG_SESSION_PATH). */
  sessionPath: string;
  api: {
    host: string;
    port: number;
    /** SENTINEL_API_TOKEN; null leaves the API open (only allowed on loopback). */
    token: Secret | null;
  };
  /** TG_API_ID/TG_API_HASH; null when neither is set (the worker stays idle). */
  telegram: { apiId: number; apiHash: Secret } | null;
  /**
   * TG_SOURCE: "telegram" (default: the live account through GramJS) or
   * "export:<path to result.json>" (replay a Telegram Desktop export; no account needed).
   */
  telegramSource: { kind: "telegram" } | { kind: "export"; path: string };
  /**
   * TG_TEST_DC + TG_TEST_DC_PUBLIC_KEY: logins from the UI go to a local MTProto test DC (a
   * loopback address only) whose RSA key is trusted for the DH exchange; null (default): Telegram's
   * production DCs with GramJS's built-in keys.
   */
  loginTestDc: {
    dcId: number;
    host: string;
    port: number;
    keyPath: string;
    publicKey: TestDcPublicKey;
  } | null;
  /**
   * SENTINEL_WEBHOOK_KEY: key material for encrypting webhook secrets in sentinel.db (the API
   * token is used when it is not set); null when neither is set.
   */
  webhookKey: Secret | null;
  /**
   * The local embedding model for semantic profile rules: TG_EMBEDDING_MODEL_DIR, else config
   * `scoring.embedding_model_dir` (absolute); null when neither is set. Its files were checked to
   * exist; the model itself is loaded (and refused if unusable) by the scoring plugin.
   */
  embeddingModelDir: string | null;
  /** Redis from REDIS_URL or REDIS_HOST/REDIS_PORT; null means in-memory adapters. */
  redis: RedisTarget | null;
  logLevel: LogLevel;
  /** The YAML file read for `settings`, and whether it existed. */
  configFile: { path: string; found: boolean };
  settings: SentinelSettings;
}

const SERVICE = "tgsentinel sentinel";

/**
 * Validates `env` (process.env by default) and the config file it names.
 * Throws ConfigError listing every problem.
 */
export function loadEnvironment(env: Env = process.env, options: { cwd?: string } = {}): SentinelConfig {
  const cwd = options.cwd ?? process.cwd();
  const reader = new EnvReader(env);

  const dataDir = path.resolve(cwd, reader.string("DATA_DIR", "./data/sentinel"));
  const dbUri = reader.optional("DB_URI");
  const databaseFile =
    dbUri === undefined
      ? path.join(dataDir, "sentinel.db")
      : reader.parse("DB_URI", dbUri, (v) => sqliteFilePath(v, cwd), path.join(dataDir, "sentinel.db"));
  const sessionPath = path.resolve(
    cwd,
    reader.string("TG_SESSION_PATH", path.join(dataDir, "tgsentinel.session")),
  );

  const port = reader.port("SENTINEL_API_PORT", 8080);
  const host = reader.string("SENTINEL_API_HOST", "127.0.0.1");
  const tokenValue = reader.optional("SENTINEL_API_TOKEN");
  if (tokenValue === undefined && !isLoopbackHost(host)) {
    reader.problem(
      `SENTINEL_API_HOST is ${host}, which is reachable from other machines, but SENTINEL_API_TOKEN is not set; ` +
        "set a token (the UI sends it as a Bearer token) or bind to 127.0.0.1",
    );
  }

  const telegram = readTelegramCredentials(reader);
  const telegramSource = readTelegramSource(reader, cwd);
  const loginTestDc = readLoginTestDc(reader, cwd);
  const redis = readRedisTarget(reader);

  const logLevelValue = reader.string("LOG_LEVEL", "info").toLowerCase();
  let logLevel: LogLevel = "info";
  if ((LOG_LEVELS as readonly string[]).includes(logLevelValue)) logLevel = logLevelValue as LogLevel;
  else
    reader.problem(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}, got ${JSON.stringify(logLevelValue)}`);

  const configPathValue = reader.optional("TG_CONFIG_PATH");
  const configPath = path.resolve(cwd, configPathValue ?? "config/tgsentinel.yml");
  const configFile = loadConfigFile(configPath, {
    required: configPathValue !== undefined,
    label: `TG_CONFIG_PATH (${configPath})`,
  });
  for (const problem of configFile.problems) reader.problem(problem);
  const embeddingModelDir = readEmbeddingModelDir(reader, cwd, configFile.settings);

  const webhookKeyValue = reader.optional("SENTINEL_WEBHOOK_KEY");
  if (webhookKeyValue !== undefined && webhookKeyValue.length < 16)
    reader.problem(`SENTINEL_WEBHOOK_KEY must be at least 16 characters (got ${webhookKeyValue.length})`);
  const webhookKey = webhookKeyValue ?? tokenValue;
  const settings = resolveWebhookSecrets(configFile.settings, reader);
  if (settings.webhooks.length > 0 && webhookKey === undefined)
    reader.problem(
      "webhooks are configured but neither SENTINEL_WEBHOOK_KEY nor SENTINEL_API_TOKEN is set; " +
        "one of them is needed to encrypt the webhook secrets stored in sentinel.db",
    );

  reader.throwIfProblems(SERVICE);
  return {
    dataDir,
    databaseFile,
    sessionPath,
    api: { host, port, token: tokenValue === undefined ? null : new Secret(tokenValue) },
    telegram,
    telegramSource,
    loginTestDc,
    webhookKey: webhookKey === undefined ? null : new Secret(webhookKey),
    embeddingModelDir,
    redis,
    logLevel,
    configFile: { path: configPath, found: configFile.found },
    settings,
  };
}

/** Reads the secrets of webhooks configured with `secret_env` (the only env names the config file chooses). */
function resolveWebhookSecrets(settings: SentinelSettings, reader: EnvReader): SentinelSettings {
  if (!settings.webhooks.some((hook) => hook.secretEnv !== null)) return settings;
  return {
    ...settings,
    webhooks: settings.webhooks.map((hook) => {
      if (hook.secretEnv === null) return hook;
      const value = reader.optional(hook.secretEnv);
      if (value === undefined || value.length < 16) {
        reader.problem(
          `webhook ${JSON.stringify(hook.name)}: secret_env names ${hook.secretEnv}, which ` +
            (value === undefined ? "is not set" : "holds fewer than 16 characters"),
        );
        return hook;
      }
      return { ...hook, secret: () => value };
    }),
  };
}

/** TG_EMBEDDING_MODEL_DIR (relative to the working directory) over config `scoring.embedding_model_dir`. */
function readEmbeddingModelDir(reader: EnvReader, cwd: string, settings: SentinelSettings): string | null {
  const value = reader.optional("TG_EMBEDDING_MODEL_DIR")?.trim();
  const fromEnv = value !== undefined && value !== "";
  const dir = fromEnv ? path.resolve(cwd, value) : settings.scoring.embeddingModelDir;
  if (dir === null) {
    for (const error of semanticWithoutModel(settings.profiles))
      reader.problem(`${error.path}: ${error.message}`);
    return null;
  }
  const source = fromEnv ? "TG_EMBEDDING_MODEL_DIR" : "scoring.embedding_model_dir";
  const problems = modelDirectoryProblems(dir);
  if (problems.length > 0)
    reader.problem(
      `${source} (${dir}) ${problems.join(" and ")}; it must hold model.onnx and vocab.txt or tokenizer.json`,
    );
  return dir;
}

function readTelegramCredentials(reader: EnvReader): SentinelConfig["telegram"] {
  const idValue = reader.optional("TG_API_ID");
  const hashValue = reader.optional("TG_API_HASH");
  if (idValue === undefined && hashValue === undefined) return null;
  let ok = true;
  if (idValue === undefined) {
    reader.problem("TG_API_HASH is set but TG_API_ID is not; set both (from my.telegram.org) or neither");
    ok = false;
  }
  if (hashValue === undefined) {
    reader.problem("TG_API_ID is set but TG_API_HASH is not; set both (from my.telegram.org) or neither");
    ok = false;
  }
  let apiId = 0;
  if (idValue !== undefined) {
    if (/^\d{1,10}$/.test(idValue) && Number(idValue) >= 1 && Number(idValue) <= 2 ** 31 - 1)
      apiId = Number(idValue);
    else {
      reader.problem(`TG_API_ID must be a positive integer, got ${JSON.stringify(idValue)}`);
      ok = false;
    }
  }
  if (hashValue !== undefined && !/^[0-9a-f]{32}$/i.test(hashValue)) {
    // Never echo the value: it is a credential even when malformed.
    reader.problem(`TG_API_HASH must be 32 hexadecimal characters (got ${hashValue.length} characters)`);
    ok = false;
  }
  return ok && hashValue !== undefined ? { apiId, apiHash: new Secret(hashValue.toLowerCase()) } : null;
}

function readTelegramSource(reader: EnvReader, cwd: string): SentinelConfig["telegramSource"] {
  const value = reader.optional("TG_SOURCE")?.trim();
  if (value === undefined || value === "" || value === "telegram") return { kind: "telegram" };
  const match = /^export:(.+)$/.exec(value);
  if (!match) {
    reader.problem(
      `TG_SOURCE must be "telegram" or "export:<path to result.json>", got ${JSON.stringify(value)}`,
    );
    return { kind: "telegram" };
  }
  const file = path.resolve(cwd, match[1]!.trim());
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
    reader.problem(
      `TG_SOURCE names ${file}, which is not a file (expected a Telegram Desktop export's result.json)`,
    );
  }
  return { kind: "export", path: file };
}

function readLoginTestDc(reader: EnvReader, cwd: string): SentinelConfig["loginTestDc"] {
  const address = reader.optional("TG_TEST_DC");
  const keyValue = reader.optional("TG_TEST_DC_PUBLIC_KEY");
  if (address === undefined) {
    if (keyValue !== undefined)
      reader.problem(
        "TG_TEST_DC_PUBLIC_KEY is set but TG_TEST_DC is not; set both (a local test DC) or neither",
      );
    return null;
  }
  const target = reader.parse("TG_TEST_DC", address, parseTestDcAddress, null);
  if (keyValue === undefined) {
    reader.problem(
      "TG_TEST_DC is set but TG_TEST_DC_PUBLIC_KEY is not; it must name the test DC's RSA public key (PEM), " +
        "which GramJS needs for the key exchange (tools/testdc writes it with --public-key-out)",
    );
    return null;
  }
  const keyPath = path.resolve(cwd, keyValue);
  let pem: string | null = null;
  try {
    pem = fs.readFileSync(keyPath, "utf8");
  } catch (err) {
    reader.problem(
      `TG_TEST_DC_PUBLIC_KEY (${keyPath}) cannot be read (${(err as NodeJS.ErrnoException).code ?? "error"})`,
    );
  }
  const publicKey =
    pem === null ? null : reader.parse(`TG_TEST_DC_PUBLIC_KEY (${keyPath})`, pem, parseTestDcPublicKey, null);
  if (target === null || publicKey === null) return null;
  return { dcId: TEST_DC_ID, host: target.host, port: target.port, keyPath, publicKey };
}

/** What a start-up log line may say about the configuration (no secrets, no session content). */
export function describeConfig(config: SentinelConfig): Record<string, unknown> {
  return {
    dataDir: config.dataDir,
    databaseFile: config.databaseFile,
    sessionPath: config.sessionPath,
    listen: `${config.api.host}:${config.api.port}`,
    apiToken: config.api.token === null ? "not set" : "set",
    telegramCredentials: config.telegram === null ? "not set" : `api id ${config.telegram.apiId}`,
    telegramSource:
      config.telegramSource.kind === "export" ? `export replay of ${config.telegramSource.path}` : "telegram",
    telegramLogin:
      config.loginTestDc === null
        ? "Telegram (production DCs)"
        : `test DC ${config.loginTestDc.host}:${config.loginTestDc.port} (key ${config.loginTestDc.publicKey.fingerprint})`,
    embeddingModel: config.embeddingModelDir ?? "none (semantic profile rules are refused)",
    redis:
      config.redis === null ? "none (in-memory events and rate limits)" : describeRedisTarget(config.redis),
    configFile: config.configFile.found
      ? config.configFile.path
      : `${config.configFile.path} (not found; defaults)`,
  };
}
