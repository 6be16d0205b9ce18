import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { inspect } from "node:util";
import { ConfigError } from "@tgsentinel/contract/env-check.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeConfig, loadEnvironment } from "./environment.ts";

const API_HASH = "0123456789abcdef0123456789abcdef";
const TOKEN = "sentinel-token-that-must-not-leak";

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "environment-"));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function problemsOf(env: Record<string, string>): ConfigError {
  try {
    loadEnvironment(env, { cwd: dir });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error("the environment was accepted");
}

describe("loadEnvironment", () => {
  it("has working defaults: files under ./data/sentinel, loopback on 8080, idle Telegram, no Redis", () => {
    const config = loadEnvironment({}, { cwd: dir });
    expect(config).toMatchObject({
      dataDir: path.join(dir, "data/sentinel"),
      databaseFile: path.join(dir, "data/sentinel/sentinel.db"),
      sessionPath: path.join(dir, "data/sentinel/tgsentinel.session"),
      api: { host: "127.0.0.1", port: 8080, token: null },
      telegram: null,
      redis: null,
      logLevel: "info",
      configFile: { path: path.join(dir, "config/tgsentinel.yml"), found: false },
    });
  });

  it("accepts the seed's sqlite://// form and file: URLs, credentials, Redis and a token", () => {
    const config = loadEnvironment(
      {
        DB_URI: "sqlite:////srv/data/sentinel.db",
        TG_SESSION_PATH: "/srv/data/tgsentinel.session",
        TG_API_ID: "12345",
        TG_API_HASH: API_HASH.toUpperCase(),
        SENTINEL_API_HOST: "0.0.0.0",
        SENTINEL_API_PORT: "9090",
        SENTINEL_API_TOKEN: TOKEN,
        REDIS_HOST: "redis",
        REDIS_PORT: "6380",
      },
      { cwd: dir },
    );
    expect(config.databaseFile).toBe("/srv/data/sentinel.db");
    expect(config.sessionPath).toBe("/srv/data/tgsentinel.session");
    expect(config.telegram?.apiId).toBe(12345);
    expect(config.telegram?.apiHash.reveal()).toBe(API_HASH);
    expect(config.api).toMatchObject({ host: "0.0.0.0", port: 9090 });
    expect(config.api.token?.reveal()).toBe(TOKEN);
    expect(config.redis).toEqual({ host: "redis", port: 6380, prefix: "tgsentinel:" });
    expect(loadEnvironment({ DB_URI: "file:./db/s.db" }, { cwd: dir }).databaseFile).toBe(
      path.join(dir, "db/s.db"),
    );

    // Secrets cannot be printed by accident.
    const printed = [
      JSON.stringify(config),
      inspect(config, { depth: 10 }),
      `${config.api.token}`,
      JSON.stringify(describeConfig(config)),
    ].join("\n");
    expect(printed).not.toContain(API_HASH);
    expect(printed).not.toContain(TOKEN);
  });

  it("lists every problem at once and never prints a secret", () => {
    const badHash = "zz-not-hex-but-secret-zz";
    const err = problemsOf({
      SENTINEL_API_PORT: "80a",
      TG_API_ID: "12345",
      TG_API_HASH: badHash,
      TG_CONFIG_PATH: dir,
      SENTINEL_API_HOST: "192.168.1.20",
      LOG_LEVEL: "loud",
      DB_URI: "postgres://db/sentinel",
    });
    expect(err.problems).toHaveLength(6);
    expect(err.problems).toEqual(
      expect.arrayContaining([
        'SENTINEL_API_PORT must be a port number 0-65535, got "80a"',
        "TG_API_HASH must be 32 hexadecimal characters (got 24 characters)",
        `TG_CONFIG_PATH (${dir}) cannot be read (EISDIR)`,
        expect.stringMatching(/^SENTINEL_API_HOST is 192\.168\.1\.20, .*SENTINEL_API_TOKEN is not set/),
        expect.stringMatching(/^LOG_LEVEL must be one of/),
        expect.stringMatching(/^DB_URI uses an unsupported scheme/),
      ]),
    );
    expect(err.message).not.toContain(badHash);
  });

  it("reports invalid YAML in the config file with the other problems", () => {
    const yaml = path.join(dir, "broken.yml");
    fs.writeFileSync(yaml, "digest: [\n");
    const err = problemsOf({ TG_CONFIG_PATH: yaml, SENTINEL_API_PORT: "70000" });
    expect(err.problems).toHaveLength(2);
    expect(err.problems[1]).toMatch(/is not valid YAML/);
  });

  it("refuses one Telegram credential without the other", () => {
    expect(problemsOf({ TG_API_ID: "12345" }).problems).toEqual([
      "TG_API_ID is set but TG_API_HASH is not; set both (from my.telegram.org) or neither",
    ]);
    const err = problemsOf({ TG_API_HASH: API_HASH });
    expect(err.problems).toEqual([
      "TG_API_HASH is set but TG_API_ID is not; set both (from my.telegram.org) or neither",
    ]);
    expect(err.message).not.toContain(API_HASH);
    expect(problemsOf({ TG_API_ID: "-5", TG_API_HASH: API_HASH }).problems).toEqual([
      'TG_API_ID must be a positive integer, got "-5"',
    ]);
  });

  it("refuses a non-loopback bind without a token, and allows loopback without one", () => {
    expect(problemsOf({ SENTINEL_API_HOST: "0.0.0.0" }).problems[0]).toMatch(/SENTINEL_API_TOKEN is not set/);
    for (const host of ["127.0.0.1", "localhost", "::1"]) {
      expect(loadEnvironment({ SENTINEL_API_HOST: host }, { cwd: dir }).api.token).toBeNull();
    }
    expect(
      loadEnvironment({ SENTINEL_API_HOST: "0.0.0.0", SENTINEL_API_TOKEN: TOKEN }, { cwd: dir }).api.host,
    ).toBe("0.0.0.0");
  });
});

describe("webhook secrets and SENTINEL_WEBHOOK_KEY", () => {
  function configWith(yaml: string): string {
    const file = path.join(dir, `hooks-${Math.random()}.yml`);
    fs.writeFileSync(file, yaml);
    return file;
  }
  const HOOK = "webhooks:\n  - { profile: security, url: 'https://h.example/x', secret_env: HOOK_SECRET }\n";

  it("reads a secret_env secret and the key, neither of which prints", () => {
    const config = loadEnvironment(
      {
        TG_CONFIG_PATH: configWith(HOOK),
        HOOK_SECRET: "webhook-secret-from-env",
        SENTINEL_WEBHOOK_KEY: "webhook-key-material-0123",
      },
      { cwd: dir },
    );
    expect(config.settings.webhooks[0]!.secret?.()).toBe("webhook-secret-from-env");
    expect(config.webhookKey?.reveal()).toBe("webhook-key-material-0123");
    const printed = `${JSON.stringify(config)} ${inspect(config, { depth: 10 })}`;
    expect(printed).not.toContain("webhook-secret-from-env");
    expect(printed).not.toContain("webhook-key-material-0123");
  });

  it("falls back to the API token as key material", () => {
    const config = loadEnvironment(
      { TG_CONFIG_PATH: configWith(HOOK), HOOK_SECRET: "webhook-secret-from-env", SENTINEL_API_TOKEN: TOKEN },
      { cwd: dir },
    );
    expect(config.webhookKey?.reveal()).toBe(TOKEN);
  });

  it("refuses webhooks without key material, an unset secret_env and a short key", () => {
    const error = problemsOf({ TG_CONFIG_PATH: configWith(HOOK), SENTINEL_WEBHOOK_KEY: "short" });
    expect(error.problems).toEqual(
      expect.arrayContaining([
        'webhook "security@h.example": secret_env names HOOK_SECRET, which is not set',
        "SENTINEL_WEBHOOK_KEY must be at least 16 characters (got 5)",
      ]),
    );
    const noKey = problemsOf({ TG_CONFIG_PATH: configWith(HOOK), HOOK_SECRET: "webhook-secret-from-env" });
    expect(noKey.problems.join("\n")).toMatch(/neither SENTINEL_WEBHOOK_KEY nor SENTINEL_API_TOKEN is set/);
  });
});

describe("the embedding model directory (semantic profile rules)", () => {
  function modelDir(name: string, files: string[]): string {
    const model = path.join(dir, name);
    fs.mkdirSync(model, { recursive: true });
    for (const file of files) fs.writeFileSync(path.join(model, file), "x");
    return model;
  }
  function configWith(yaml: string): string {
    const file = path.join(dir, "config", `model-${Math.random()}.yml`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, yaml);
    return file;
  }
  const SEMANTIC = "profiles:\n  - { name: rates, semantic: { texts: ['central bank raises rates'] } }\n";

  it("takes scoring.embedding_model_dir relative to the config file, and the variable over it", () => {
    const fromFile = modelDir("config/models/a", ["model.onnx", "vocab.txt"]);
    const fromEnv = modelDir("models/b", ["model.onnx", "tokenizer.json"]);
    const yaml = `scoring:\n  embedding_model_dir: models/a\n${SEMANTIC}`;
    const config = loadEnvironment({ TG_CONFIG_PATH: configWith(yaml) }, { cwd: dir });
    expect(config.embeddingModelDir).toBe(fromFile);
    expect(config.settings.profiles[0]!.semantic?.texts).toEqual(["central bank raises rates"]);
    expect(describeConfig(config).embeddingModel).toBe(fromFile);
    const overridden = loadEnvironment(
      { TG_CONFIG_PATH: configWith(yaml), TG_EMBEDDING_MODEL_DIR: "models/b" },
      { cwd: dir },
    );
    expect(overridden.embeddingModelDir).toBe(fromEnv);
    expect(loadEnvironment({}, { cwd: dir }).embeddingModelDir).toBeNull();
  });

  it("refuses a model directory that is missing or lacks its files, naming where it came from", () => {
    const missing = problemsOf({ TG_EMBEDDING_MODEL_DIR: "no/such/dir" });
    expect(missing.problems).toEqual([
      `TG_EMBEDDING_MODEL_DIR (${path.join(dir, "no/such/dir")}) does not exist; it must hold model.onnx and vocab.txt or tokenizer.json`,
    ]);
    const bare = modelDir("bare", ["README.md"]);
    const lacking = problemsOf({ TG_CONFIG_PATH: configWith(`scoring: { embedding_model_dir: ${bare} }\n`) });
    expect(lacking.problems).toEqual([
      `scoring.embedding_model_dir (${bare}) has no model.onnx and has neither tokenizer.json nor vocab.txt; it must hold model.onnx and vocab.txt or tokenizer.json`,
    ]);
  });

  it("refuses semantic profiles in the config file when no model is configured", () => {
    const error = problemsOf({ TG_CONFIG_PATH: configWith(SEMANTIC) });
    expect(error.problems).toEqual([
      "profiles[0].semantic: semantic profiles need scoring.embedding_model_dir (or TG_EMBEDDING_MODEL_DIR): no embedding model is configured",
    ]);
  });
});
