/**
 * The sentinel as a child process (`sentinel/server.ts`) with its own data directory, port,
 * token, config file and Redis key prefix, plus the REST calls the fault tests make.
 */
import { randomBytes, randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { freePort } from "../../contract/redis-server.ts";
import { type HttpAnswer, type HttpRequest, http } from "./http.ts";
import { ServiceProcess } from "./service-process.ts";

/** A config file for the tests: alert caps high enough not to hide alerts, the default rate limit. */
export const FAULTS_CONFIG_YAML = `profiles: []
chats:
  include: []
  exclude: []
alerts:
  per_chat_per_hour: 10000
  per_profile_per_hour: 10000
api_rate_limit:
  max: 100000
  time_window: 1 minute
backfill:
  max_messages_per_chat: 500
`;

export interface SentinelProcessOptions {
  /** A directory of the test's own; data/, logs/ and the config file go under it. */
  workDir: string;
  /** Redis for events and rate limits; null runs without Redis (in-memory adapters). */
  redisUrl: string | null;
  /** Redis key/channel prefix shared with the UI under test (default: a fresh one). */
  prefix?: string;
  /** SENTINEL_API_TOKEN (default: random). */
  token?: string;
  /** TG_API_ID / TG_API_HASH (default: unset, the worker stays idle). */
  telegram?: { apiId: string; apiHash: string };
  /** The YAML config file's text (default FAULTS_CONFIG_YAML). */
  configYaml?: string;
  /** TG_SESSION_PATH (default <workDir>/data/tgsentinel.session). */
  sessionPath?: string;
  /** Extra environment variables (win over the defaults above). */
  env?: Record<string, string>;
  /** The entry script (default sentinel/server.ts). */
  script?: string;
}

export class SentinelProcess {
  readonly service: ServiceProcess;
  readonly token: string;
  readonly prefix: string;
  readonly dataDir: string;
  readonly sessionPath: string;
  readonly databaseFile: string;
  readonly configPath: string;

  private constructor(
    readonly options: SentinelProcessOptions,
    readonly port: number,
  ) {
    this.token = options.token ?? randomBytes(24).toString("hex");
    this.prefix = options.prefix ?? `faults-${randomUUID()}:tgsentinel:`;
    this.dataDir = path.join(options.workDir, "data");
    this.sessionPath = options.sessionPath ?? path.join(this.dataDir, "tgsentinel.session");
    this.databaseFile = path.join(this.dataDir, "sentinel.db");
    this.configPath = path.join(options.workDir, "tgsentinel.yml");
    fs.mkdirSync(this.dataDir, { recursive: true });
    fs.writeFileSync(this.configPath, options.configYaml ?? FAULTS_CONFIG_YAML);
    const env: Record<string, string> = {
      DATA_DIR: this.dataDir,
      DB_URI: `sqlite:///${this.databaseFile}`,
      TG_SESSION_PATH: this.sessionPath,
      TG_CONFIG_PATH: this.configPath,
      SENTINEL_API_HOST: "127.0.0.1",
      SENTINEL_API_PORT: String(port),
      SENTINEL_API_TOKEN: this.token,
      LOG_LEVEL: "info",
      ...(options.redisUrl ? { REDIS_URL: options.redisUrl, REDIS_KEY_PREFIX: this.prefix } : {}),
      ...(options.telegram
        ? { TG_API_ID: options.telegram.apiId, TG_API_HASH: options.telegram.apiHash }
        : {}),
      ...options.env,
    };
    this.service = new ServiceProcess({
      name: "sentinel",
      script: options.script ?? "sentinel/server.ts",
      env,
      healthUrl: `${this.baseUrl}/health`,
      logFile: path.join(options.workDir, "logs", "sentinel.log"),
    });
  }

  /** Spawns the sentinel on a free port and waits for /api/health. */
  static async start(options: SentinelProcessOptions): Promise<SentinelProcess> {
    const sentinel = new SentinelProcess(options, await freePort());
    await sentinel.service.start();
    return sentinel;
  }

  /** http://127.0.0.1:<port>/api */
  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}/api`;
  }

  /** A request to `/api<route>` with the bearer token (unless headers.authorization is given). */
  api(route: string, request: HttpRequest = {}): Promise<HttpAnswer> {
    return http(`${this.baseUrl}${route}`, {
      ...request,
      headers: { authorization: `Bearer ${this.token}`, ...request.headers },
    });
  }

  /** POST /api/session/import with JSON `{"session_data": base64}`. */
  importJson(bytes: Uint8Array, timeoutMs?: number): Promise<HttpAnswer> {
    return this.api("/session/import", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ session_data: Buffer.from(bytes).toString("base64") }),
      timeoutMs,
    });
  }

  /** POST /api/session/import as multipart with the file in `session_file`. */
  importMultipart(bytes: Uint8Array, filename = "account.session"): Promise<HttpAnswer> {
    const form = new FormData();
    form.append("session_file", new Blob([new Uint8Array(bytes)]), filename);
    return this.api("/session/import", { method: "POST", body: form });
  }

  /** GET /api/status's data. */
  async status(): Promise<StatusShape> {
    const answer = await this.api("/status");
    if (answer.status !== 200) throw new Error(`GET /api/status answered ${answer.status}: ${answer.text}`);
    return (answer.json as { data: StatusShape }).data;
  }

  /** The stored session document, or null when there is none. */
  storedSession(): StoredSessionShape | null {
    try {
      return JSON.parse(fs.readFileSync(this.sessionPath, "utf8")) as StoredSessionShape;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw err;
    }
  }

  start(): Promise<void> {
    return this.service.start();
  }

  kill9(): Promise<void> {
    return this.service.kill9();
  }

  stop(): Promise<void> {
    return this.service.stop();
  }
}

/** What the tests read from GET /api/status. */
export interface StatusShape {
  authorized: boolean;
  connected: boolean;
  user_info: { username: string | null; first_name: string | null; user_id: string | number } | null;
  last_sync: string | null;
  last_error: string | null;
  session: { imported_at: string; dc_id: number; source_format: string; key_fingerprint: string } | null;
  rate_limit: {
    flood_waits: Array<{ method: string | null; seconds_left: number; until: string }>;
    store: string;
    error?: string;
  };
  [key: string]: unknown;
}

/** The document at TG_SESSION_PATH (sentinel/session/session-store.ts StoredSession). */
export interface StoredSessionShape {
  format: string;
  version: number;
  session: string;
  dc_id: number;
  server_address: string;
  port: number;
  source_format: string;
  imported_at: string;
  key_fingerprint: string;
}
