import { randomBytes } from "node:crypto";
import path from "node:path";
import { type Env, EnvReader, readRedisTarget } from "@tgsentinel/contract/env-check.ts";
import type { RedisTarget } from "@tgsentinel/contract/redis-connection.ts";
import { sqliteFilePath } from "@tgsentinel/contract/sqlite-uri.ts";

/** How long the sentinel client waits for one HTTP answer. */
export const SENTINEL_TIMEOUT_MS = 30_000;
/** How long uploadSession waits for the worker to report its authorization after an import. */
export const SESSION_AUTH_WAIT_MS = 60_000;
/** The largest session file accepted (the seed's 10 MiB). */
export const SESSION_FILE_LIMIT_BYTES = 10 * 1024 * 1024;

/** The validated configuration of the UI service; nothing else reads `process.env`. */
export interface UiConfig {
  /** Absolute path of ui.db. */
  dbFile: string;
  /** The directory holding ui.db (the UI's own data directory). */
  dataDir: string;
  sentinel: {
    /** e.g. http://127.0.0.1:8080/api (no trailing slash) */
    baseUrl: string;
    /** Bearer token for the sentinel's API; never logged. */
    token: string | undefined;
    timeoutMs: number;
  };
  /** Server-side secret used to derive keys (rate-limit keys); never printed. */
  secretKey: string;
  http: {
    host: string;
    port: number;
    /** Mark the session cookie Secure even on plain HTTP (behind a TLS proxy). */
    secureCookies: boolean;
    /** Trust X-Forwarded-* (client address, https) from a reverse proxy. */
    trustProxy: boolean;
  };
  /** First-run admin account; a password is generated and printed once when absent. */
  admin: { username: string; password: string | undefined };
  /** Redis when configured; null means the in-memory adapters (embedded single process). */
  redis: RedisTarget | null;
  /** Directory of the built web UI (index.html + assets). */
  webDist: string;
  sessionTtlHours: number;
  /** Production hardening: introspection off, GraphiQL off. */
  production: boolean;
  introspection: boolean;
  graphiql: boolean;
  /** Wait for the worker's authorization after a session import. */
  sessionAuthWaitMs: number;
  sessionFileLimitBytes: number;
  /** pino level */
  logLevel: string;
}

export interface LoadUiConfigOptions {
  /** Repository root used to resolve relative defaults (./data/ui, ui-web/dist). */
  cwd?: string;
  /**
   * Embedded single-process mode (scripts/start.ts): a missing UI_SECRET_KEY is generated for
   * this run instead of being an error.
   */
  embedded?: boolean;
}

/** Reads and validates every UI variable at once; throws ConfigError listing all problems. */
export function loadUiConfig(env: Env, options: LoadUiConfigOptions = {}): UiConfig {
  const cwd = options.cwd ?? process.cwd();
  const reader = new EnvReader(env);

  const dataDir = path.resolve(cwd, reader.string("DATA_DIR", "./data/ui"));
  const dbUri = reader.optional("UI_DB_URI");
  const dbFile = dbUri
    ? reader.parse("UI_DB_URI", dbUri, (v) => sqliteFilePath(v, cwd), "")
    : path.join(dataDir, "ui.db");

  const baseUrlRaw = reader.string("SENTINEL_API_BASE_URL", "http://127.0.0.1:8080/api");
  const baseUrl = reader.parse(
    "SENTINEL_API_BASE_URL",
    baseUrlRaw,
    (v) => {
      const u = new URL(v);
      if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error("must be an http(s) URL");
      return v.replace(/\/+$/, "");
    },
    "",
  );

  let secretKey = reader.optional("UI_SECRET_KEY");
  if (secretKey === undefined) {
    if (options.embedded) secretKey = randomBytes(32).toString("base64url");
    else reader.problem("UI_SECRET_KEY is required (a random string of at least 32 characters)");
  } else if (secretKey.length < 32) {
    reader.problem("UI_SECRET_KEY must be at least 32 characters long");
  }

  const production = reader.bool("UI_PRODUCTION", false);
  const adminPassword = reader.optional("UI_ADMIN_PASSWORD");
  if (adminPassword !== undefined && adminPassword.length < 8) {
    reader.problem("UI_ADMIN_PASSWORD must be at least 8 characters long");
  }

  const config: UiConfig = {
    dbFile,
    dataDir: dbFile ? path.dirname(dbFile) : dataDir,
    sentinel: {
      baseUrl,
      token: reader.optional("SENTINEL_API_TOKEN"),
      timeoutMs: reader.int("SENTINEL_TIMEOUT_MS", SENTINEL_TIMEOUT_MS, 100, 600_000),
    },
    secretKey: secretKey ?? "",
    http: {
      host: reader.string("UI_HOST", "127.0.0.1"),
      port: reader.port("UI_PORT", 5000),
      secureCookies: reader.bool("UI_COOKIE_SECURE", false),
      trustProxy: reader.bool("UI_TRUST_PROXY", false),
    },
    admin: { username: reader.string("UI_ADMIN_USERNAME", "admin"), password: adminPassword },
    redis: readRedisTarget(reader),
    webDist: path.resolve(cwd, reader.string("UI_WEB_DIST", "ui-web/dist")),
    sessionTtlHours: reader.int("UI_SESSION_TTL_HOURS", 24, 1, 24 * 365),
    production,
    introspection: reader.bool("UI_INTROSPECTION", !production),
    graphiql: reader.bool("UI_GRAPHIQL", !production),
    sessionAuthWaitMs: reader.int("UI_SESSION_AUTH_WAIT_MS", SESSION_AUTH_WAIT_MS, 100, 600_000),
    sessionFileLimitBytes: SESSION_FILE_LIMIT_BYTES,
    logLevel: reader.string("LOG_LEVEL", "info"),
  };
  if (!["fatal", "error", "warn", "info", "debug", "trace", "silent"].includes(config.logLevel)) {
    reader.problem(`LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent`);
  }
  reader.throwIfProblems("ui");
  return config;
}
