/**
 * The UI service as a child process (`ui-graphql/server.ts`) talking to a SentinelProcess over
 * HTTP and to the same Redis under the same prefix, plus GraphQL calls with a cookie jar of one.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { freePort } from "../../contract/redis-server.ts";
import { type HttpAnswer, type HttpRequest, http } from "./http.ts";
import type { SentinelProcess } from "./sentinel-process.ts";
import { ServiceProcess } from "./service-process.ts";

export interface UiProcessOptions {
  workDir: string;
  sentinel: SentinelProcess;
  redisUrl: string | null;
  admin?: { username: string; password: string };
  /** Extra environment variables (win over the defaults). */
  env?: Record<string, string>;
}

/** The first-run admin the tests log in as (the password is a secret the secrets test looks for). */
export const FAULTS_ADMIN = { username: "admin", password: `pw-${randomBytes(12).toString("hex")}` };

export interface GqlAnswer {
  status: number;
  data: Record<string, unknown> | null;
  errors: Array<{ message: string; extensions?: Record<string, unknown>; path?: unknown[] }> | undefined;
  setCookie: string | null;
  text: string;
  ms: number;
}

export class UiProcess {
  readonly service: ServiceProcess;
  readonly dataDir: string;
  readonly dbFile: string;
  readonly secretKey = randomBytes(32).toString("base64url");
  readonly admin: { username: string; password: string };

  private constructor(
    readonly options: UiProcessOptions,
    readonly port: number,
  ) {
    this.dataDir = path.join(options.workDir, "ui-data");
    this.dbFile = path.join(this.dataDir, "ui.db");
    this.admin = options.admin ?? FAULTS_ADMIN;
    fs.mkdirSync(this.dataDir, { recursive: true });
    const env: Record<string, string> = {
      DATA_DIR: this.dataDir,
      UI_DB_URI: `sqlite:///${this.dbFile}`,
      SENTINEL_API_BASE_URL: options.sentinel.baseUrl,
      SENTINEL_API_TOKEN: options.sentinel.token,
      SENTINEL_TIMEOUT_MS: "5000",
      UI_SECRET_KEY: this.secretKey,
      UI_HOST: "127.0.0.1",
      UI_PORT: String(port),
      UI_ADMIN_USERNAME: this.admin.username,
      UI_ADMIN_PASSWORD: this.admin.password,
      UI_WEB_DIST: path.join(options.workDir, "no-web-dist"),
      UI_SESSION_AUTH_WAIT_MS: "15000",
      LOG_LEVEL: "info",
      ...(options.redisUrl ? { REDIS_URL: options.redisUrl, REDIS_KEY_PREFIX: options.sentinel.prefix } : {}),
      ...options.env,
    };
    this.service = new ServiceProcess({
      name: "ui",
      script: "ui-graphql/server.ts",
      env,
      healthUrl: `${this.url}/api/health`,
      logFile: path.join(options.workDir, "logs", "ui.log"),
    });
  }

  static async start(options: UiProcessOptions): Promise<UiProcess> {
    const ui = new UiProcess(options, await freePort());
    await ui.service.start();
    return ui;
  }

  /** http://127.0.0.1:<port> */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** A plain request to the UI (REST routes, raw GraphQL bodies). */
  request(route: string, request: HttpRequest = {}): Promise<HttpAnswer> {
    return http(`${this.url}${route}`, request);
  }

  /** A GraphQL operation as JSON over POST /graphql. */
  async gql(
    query: string,
    variables: Record<string, unknown> = {},
    cookie?: string | null,
    timeoutMs?: number,
  ): Promise<GqlAnswer> {
    const answer = await this.request("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", ...(cookie ? { cookie } : {}) },
      body: JSON.stringify({ query, variables }),
      timeoutMs,
    });
    const body = (answer.json ?? {}) as {
      data?: Record<string, unknown> | null;
      errors?: GqlAnswer["errors"];
    };
    return {
      status: answer.status,
      data: body.data ?? null,
      errors: body.errors,
      setCookie: answer.headers.get("set-cookie"),
      text: answer.text,
      ms: answer.ms,
    };
  }

  /** Logs in as the admin; returns the Cookie header value (`tgs_session=…`). */
  async login(password = this.admin.password): Promise<string> {
    const answer = await this.gql(
      "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { id } }",
      { u: this.admin.username, p: password },
    );
    if (answer.errors || !answer.setCookie) throw new Error(`login failed: ${answer.text}`);
    return answer.setCookie.split(";")[0] as string;
  }

  start(): Promise<void> {
    return this.service.start();
  }

  stop(): Promise<void> {
    return this.service.stop();
  }

  kill9(): Promise<void> {
    return this.service.kill9();
  }
}
