import { type ErrorCode, SentinelError } from "@tgsentinel/contract/envelope.ts";
import { z } from "zod";
import { SENTINEL_TIMEOUT_MS } from "./environment.ts";

/**
 * The sentinel's REST API (ARCHITECTURE.md "Sentinel REST contract"), typed. This is the UI's
 * only way to the sentinel: it never opens the sentinel's files.
 */

/** GETs are retried this many times after a connection failure or a 502/503 answer. */
export const SENTINEL_GET_RETRIES = 2;
const RETRY_DELAY_MS = 150;

/**
 * How long a login step may take: the sentinel gives Telegram 60 s (the seed's auth timeout)
 * and answers TELEGRAM_TIMEOUT then, plus up to 10 s for the worker to start with a finished
 * login's session; the UI waits a little longer than both for that answer.
 */
export const TELEGRAM_LOGIN_TIMEOUT_MS = 80_000;

export interface SentinelClientOptions {
  /** e.g. http://127.0.0.1:8080/api */
  baseUrl: string;
  /** Sent as `Authorization: Bearer …`; never logged or put in an error. */
  token?: string | undefined;
  /** Per request; SENTINEL_TIMEOUT_MS (30 s) by default. */
  timeoutMs?: number;
  /** Retries of idempotent GETs; SENTINEL_GET_RETRIES by default. */
  getRetries?: number;
  /** Per Telegram login step (they wait for Telegram); TELEGRAM_LOGIN_TIMEOUT_MS by default. */
  loginTimeoutMs?: number;
}

/**
 * An error answer of the sentinel (or the failure to get one). `code` is the sentinel's own code
 * when it sent one, so GraphQL clients see the same code a curl user would.
 */
export class SentinelApiError extends SentinelError {
  /** The code to show: the sentinel's, or ours when the sentinel could not answer. */
  readonly remoteCode: string;
  readonly httpStatus: number | null;
  constructor(
    remoteCode: string,
    message: string,
    options: { httpStatus?: number | null; details?: unknown; cause?: unknown; local?: ErrorCode } = {},
  ) {
    super(options.local ?? localCodeOf(remoteCode, options.httpStatus ?? null), message, {
      details: options.details,
      cause: options.cause,
    });
    this.name = "SentinelApiError";
    this.remoteCode = remoteCode;
    this.httpStatus = options.httpStatus ?? null;
  }
}

function localCodeOf(code: string, status: number | null): ErrorCode {
  if (code === "SENTINEL_UNAVAILABLE" || code === "SENTINEL_TIMEOUT" || code === "SENTINEL_BAD_RESPONSE")
    return code;
  if (status === 400) return "BAD_REQUEST";
  if (status === 404) return "NOT_FOUND";
  if (status === 409) return "CONFLICT";
  if (status === 413) return "PAYLOAD_TOO_LARGE";
  if (status === 429) return "RATE_LIMITED";
  if (status === 503) return "SENTINEL_UNAVAILABLE";
  if (status === 504) return "SENTINEL_TIMEOUT";
  return "SENTINEL_BAD_RESPONSE";
}

// ---- answer shapes (snake_case, as the sentinel sends them) -------------------------------

const isoDate = z.string().refine((v) => !Number.isNaN(Date.parse(v)), "must be an ISO date");

export const workerUserSchema = z.object({
  user_id: z.union([z.number(), z.string()]).transform((v) => String(v)),
  username: z.string().nullable().optional(),
  first_name: z.string().nullable().optional(),
});

export const workerStatusSchema = z.object({
  authorized: z.boolean(),
  connected: z.boolean(),
  user_info: workerUserSchema.nullable().optional(),
  last_sync: isoDate.nullable().optional(),
  last_error: z.string().nullable().optional(),
  flood_wait_until: isoDate.nullable().optional(),
  /** absent from older sentinels: then unknown */
  session_present: z.boolean().optional(),
  session_imported_at: isoDate.nullable().optional(),
  /** active flood waits and API limits; the shape is the sentinel's, shown as it is */
  rate_limit: z.unknown().optional(),
});
export type SentinelWorkerStatus = z.infer<typeof workerStatusSchema>;

export const sentinelAlertSchema = z.object({
  id: z.number().int(),
  chat_id: z.union([z.string(), z.number()]).transform((v) => String(v)),
  chat_title: z.string().nullable().optional(),
  message_id: z.number().int(),
  profile: z.string(),
  score: z.number(),
  reasons: z.unknown(),
  text: z.string().nullable().optional(),
  sender_name: z.string().nullable().optional(),
  link: z.string().nullable().optional(),
  message_date: isoDate,
  created_at: isoDate,
  /** created_at until revised; absent from older sentinels */
  updated_at: isoDate.optional(),
});
export type SentinelAlert = z.infer<typeof sentinelAlertSchema>;

const alertsPageSchema = z.object({
  alerts: z.array(sentinelAlertSchema),
  next_cursor: z.union([z.string(), z.number()]).nullable().optional(),
  has_more: z.boolean().optional(),
});
/**
 * A page of GET /api/alerts: ascending ids after `cursor`; `next_cursor` is the position after
 * the last alert returned (the request's own cursor on an empty page).
 */
export type SentinelAlertsPage = { alerts: SentinelAlert[]; next_cursor: string | null; has_more: boolean };

export const sentinelDigestRunSchema = z.object({
  id: z.number().int(),
  trigger: z.string(),
  schedule: z.string().nullable().optional(),
  since: isoDate,
  until: isoDate,
  started_at: isoDate,
  finished_at: isoDate.nullable().optional(),
  alert_count: z.number().int().optional(),
  content: z.unknown().optional(),
  delivered: z.boolean().optional(),
  error: z.string().nullable().optional(),
});
export type SentinelDigestRun = z.infer<typeof sentinelDigestRunSchema>;

const digestsPageSchema = z.union([
  z.object({
    digests: z.array(sentinelDigestRunSchema),
    next_cursor: z.union([z.string(), z.number()]).nullable().optional(),
  }),
  z.object({
    runs: z.array(sentinelDigestRunSchema),
    next_cursor: z.union([z.string(), z.number()]).nullable().optional(),
  }),
  z.array(sentinelDigestRunSchema),
]);

export const sentinelChatSchema = z.object({
  id: z.union([z.string(), z.number()]).transform((v) => String(v)),
  title: z.string(),
  type: z.string().optional(),
  username: z.string().nullable().optional(),
  included: z.boolean().optional(),
  /** the user's choice (PATCH /api/chats/:id), null when the config rules decide */
  included_override: z.boolean().nullable().optional(),
  message_count: z.number().optional(),
  last_message_at: isoDate.nullable().optional(),
});
export type SentinelChat = z.infer<typeof sentinelChatSchema>;

export const sentinelWebhookDeliverySchema = z.object({
  id: z.number().int(),
  webhook: z.string(),
  alert_id: z.number().int(),
  profile: z.string(),
  status: z.string(),
  attempts: z.number().int(),
  response_status: z.number().int().nullable().optional(),
  last_error: z.string().nullable().optional(),
  duration_ms: z.number().nullable().optional(),
  created_at: isoDate,
  next_attempt_at: isoDate.nullable().optional(),
  finished_at: isoDate.nullable().optional(),
});
export type SentinelWebhookDelivery = z.infer<typeof sentinelWebhookDeliverySchema>;

/** The pending Telegram login (GET/POST/DELETE /session/login), as the sentinel sends it. */
export const telegramLoginSchema = z.object({
  step: z.enum(["idle", "code", "password", "done"]),
  phone_masked: z.string().nullable().optional(),
  code_type: z.string().nullable().optional(),
  code_length: z.number().int().nullable().optional(),
  next_type: z.string().nullable().optional(),
  password_hint: z.string().nullable().optional(),
  expires_at: isoDate.nullable().optional(),
  attempts_left: z.number().int().nullable().optional(),
  user_info: workerUserSchema.nullable().optional(),
});
export type SentinelTelegramLogin = z.infer<typeof telegramLoginSchema>;

/** One scoring profile as the sentinel takes it: name, enabled and the definition's fields. */
export type SentinelProfile = { name: string; enabled: boolean } & Record<string, unknown>;

export interface SessionImportResult {
  session_path?: string;
  size: number;
  imported_at: string;
}

export interface ProfileTestScore {
  score: number;
  matched: boolean;
  reasons: unknown;
}

export interface AlertsQuery {
  limit?: number;
  cursor?: string | null;
  minScore?: number;
  chatId?: string;
  since?: string | null;
  /** The updates listing: alerts revised at or after this time (continue with `cursor`). */
  updatedSince?: string | null;
}

type Query = Record<string, string | number | null | undefined>;

interface RequestOptions {
  query?: Query;
  json?: unknown;
  body?: BodyInit;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export class SentinelClient {
  readonly baseUrl: string;
  private readonly token: string | undefined;
  private readonly timeoutMs: number;
  private readonly getRetries: number;
  private readonly loginTimeoutMs: number;

  constructor(options: SentinelClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.token = options.token;
    this.timeoutMs = options.timeoutMs ?? SENTINEL_TIMEOUT_MS;
    this.getRetries = options.getRetries ?? SENTINEL_GET_RETRIES;
    this.loginTimeoutMs = options.loginTimeoutMs ?? TELEGRAM_LOGIN_TIMEOUT_MS;
  }

  /** GET /health: true when the sentinel answers. Never throws. */
  async reachable(): Promise<boolean> {
    try {
      const res = await fetch(`${this.baseUrl}/health`, {
        signal: AbortSignal.timeout(Math.min(this.timeoutMs, 5_000)),
      });
      await res.body?.cancel();
      return res.ok;
    } catch {
      return false;
    }
  }

  async status(): Promise<SentinelWorkerStatus> {
    return workerStatusSchema.parse(await this.get("/status"));
  }

  async alerts(query: AlertsQuery = {}): Promise<SentinelAlertsPage> {
    const data = alertsPageSchema.parse(
      await this.get("/alerts", {
        query: {
          limit: query.limit,
          cursor: query.cursor ?? undefined,
          min_score: query.minScore,
          chat_id: query.chatId,
          since: query.since ?? undefined,
          updated_since: query.updatedSince ?? undefined,
        },
      }),
    );
    return {
      alerts: data.alerts,
      next_cursor: data.next_cursor == null ? null : String(data.next_cursor),
      // Without has_more, only an empty page or a missing cursor ends the listing.
      has_more: data.has_more ?? (data.alerts.length > 0 && data.next_cursor != null),
    };
  }

  async digests(query: { limit?: number; cursor?: string | null; since?: string | null } = {}): Promise<{
    runs: SentinelDigestRun[];
    next_cursor: string | null;
  }> {
    const data = digestsPageSchema.parse(
      await this.get("/digests", {
        query: { limit: query.limit, cursor: query.cursor ?? undefined, since: query.since ?? undefined },
      }),
    );
    if (Array.isArray(data)) return { runs: data, next_cursor: null };
    const runs = "digests" in data ? data.digests : data.runs;
    return { runs, next_cursor: data.next_cursor == null ? null : String(data.next_cursor) };
  }

  /** POST /digests/run; `topN` limits the entries (the sentinel's schedule default otherwise). */
  async runDigest(options: { topN?: number } = {}): Promise<unknown> {
    return this.send("POST", "/digests/run", {
      json: options.topN === undefined ? {} : { top_n: options.topN },
    });
  }

  async stats(): Promise<Record<string, unknown>> {
    const data = await this.get("/stats");
    return data !== null && typeof data === "object" ? (data as Record<string, unknown>) : {};
  }

  /** GET /webhooks/deliveries: the newest first, optionally only one status (pending/delivered/failed). */
  async webhookDeliveries(
    query: { limit?: number; status?: "pending" | "delivered" | "failed" } = {},
  ): Promise<SentinelWebhookDelivery[]> {
    const data = (await this.get("/webhooks/deliveries", { query })) as { deliveries?: unknown } | null;
    return z.array(sentinelWebhookDeliverySchema).parse(data?.deliveries ?? []);
  }

  async chats(): Promise<SentinelChat[]> {
    const data = await this.get("/chats");
    const list = Array.isArray(data) ? data : (data as { chats?: unknown })?.chats;
    return z.array(sentinelChatSchema).parse(list ?? []);
  }

  /** PATCH /chats/:id: the user's include/exclude choice for one chat; answers the updated chat. */
  async setChatIncluded(chatId: string, included: boolean): Promise<SentinelChat> {
    const data = (await this.send("PATCH", `/chats/${encodeURIComponent(chatId)}`, {
      json: { included },
    })) as {
      chat?: unknown;
    };
    return sentinelChatSchema.parse(data?.chat);
  }

  async profiles(): Promise<SentinelProfile[]> {
    const data = await this.get("/profiles");
    const list = Array.isArray(data) ? data : (data as { profiles?: unknown })?.profiles;
    return z
      .array(z.looseObject({ name: z.string(), enabled: z.boolean().default(true) }))
      .parse(list ?? []) as SentinelProfile[];
  }

  /** PUT /profiles with the full set; a 400 carries the sentinel's field errors in `details`. */
  async putProfiles(profiles: SentinelProfile[]): Promise<unknown> {
    return this.send("PUT", "/profiles", { json: { profiles } });
  }

  /** POST /profiles/test: scores sample messages against one (unsaved) profile. */
  async testProfile(profile: SentinelProfile, messages: { text: string }[]): Promise<ProfileTestScore[]> {
    const data = (await this.send("POST", "/profiles/test", { json: { profile, messages } })) as
      | { results?: unknown }
      | unknown[];
    const list = Array.isArray(data) ? data : (data?.results ?? []);
    return z
      .array(z.looseObject({ score: z.number(), matched: z.boolean().optional(), reasons: z.unknown() }))
      .parse(list)
      .map((r) => ({ score: r.score, matched: r.matched ?? r.score > 0, reasons: r.reasons ?? [] }));
  }

  /**
   * POST /session/import as multipart `session_file`. The bytes are streamed from the given
   * buffer (no copy); the caller wipes it afterwards.
   */
  async importSession(bytes: Uint8Array, filename = "upload.session"): Promise<SessionImportResult> {
    const boundary = `----tgsentinel${crypto.randomUUID().replaceAll("-", "")}`;
    const safeName = filename.replace(/[^\w.-]/g, "_").slice(0, 100) || "upload.session";
    const head = new TextEncoder().encode(
      `--${boundary}\r\nContent-Disposition: form-data; name="session_file"; filename="${safeName}"\r\n` +
        "Content-Type: application/octet-stream\r\n\r\n",
    );
    const tail = new TextEncoder().encode(`\r\n--${boundary}--\r\n`);
    const parts = [head, bytes, tail];
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = parts.shift();
        if (next) controller.enqueue(next);
        else controller.close();
      },
    });
    const data = await this.send("POST", "/session/import", {
      body,
      headers: {
        "content-type": `multipart/form-data; boundary=${boundary}`,
        "content-length": String(head.byteLength + bytes.byteLength + tail.byteLength),
      },
    });
    return data as SessionImportResult;
  }

  /** DELETE /session: logs the worker out of Telegram. */
  async deleteSession(): Promise<unknown> {
    return this.send("DELETE", "/session");
  }

  /** GET /session/login: the pending login (step "idle" when none). */
  async telegramLogin(): Promise<SentinelTelegramLogin> {
    return telegramLoginSchema.parse(await this.get("/session/login"));
  }

  /** POST /session/login: asks Telegram for a login code (replaces a pending login). */
  async startTelegramLogin(phone: string): Promise<SentinelTelegramLogin> {
    return this.loginStep("POST", "/session/login", { phone });
  }

  /** POST /session/login/code: the code Telegram sent; next step "password" (2FA) or "done". */
  async submitTelegramLoginCode(code: string): Promise<SentinelTelegramLogin> {
    return this.loginStep("POST", "/session/login/code", { code });
  }

  /** POST /session/login/password: the account's 2FA password; next step "done". */
  async submitTelegramLoginPassword(password: string): Promise<SentinelTelegramLogin> {
    return this.loginStep("POST", "/session/login/password", { password });
  }

  /** DELETE /session/login: cancels the pending login (step "idle"). */
  async cancelTelegramLogin(): Promise<SentinelTelegramLogin> {
    return this.loginStep("DELETE", "/session/login");
  }

  private async loginStep(method: string, path: string, json?: unknown): Promise<SentinelTelegramLogin> {
    return telegramLoginSchema.parse(await this.send(method, path, { json, timeoutMs: this.loginTimeoutMs }));
  }

  // ---- transport ---------------------------------------------------------------------------

  private async get(path: string, options: RequestOptions = {}): Promise<unknown> {
    let attempt = 0;
    for (;;) {
      try {
        return await this.send("GET", path, options);
      } catch (err) {
        const retryable =
          err instanceof SentinelApiError &&
          (err.remoteCode === "SENTINEL_UNAVAILABLE" || err.httpStatus === 502 || err.httpStatus === 503);
        if (!retryable || attempt >= this.getRetries) throw err;
        attempt += 1;
        await new Promise((r) => setTimeout(r, RETRY_DELAY_MS * attempt));
      }
    }
  }

  private async send(method: string, path: string, options: RequestOptions = {}): Promise<unknown> {
    const url = new URL(this.baseUrl + path);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined && value !== null) url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { accept: "application/json", ...options.headers };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let body = options.body;
    if (options.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(options.json);
    }
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers,
        body,
        signal: AbortSignal.timeout(timeoutMs),
        ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
      } as RequestInit);
    } catch (err) {
      if ((err as Error)?.name === "TimeoutError") {
        throw new SentinelApiError(
          "SENTINEL_TIMEOUT",
          `The sentinel did not answer ${method} ${path} within ${timeoutMs} ms`,
          {
            cause: err,
          },
        );
      }
      throw new SentinelApiError("SENTINEL_UNAVAILABLE", `The sentinel is not reachable at ${url.host}`, {
        cause: err,
      });
    }
    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      const timedOut = (err as Error)?.name === "TimeoutError";
      throw new SentinelApiError(
        timedOut ? "SENTINEL_TIMEOUT" : "SENTINEL_UNAVAILABLE",
        timedOut
          ? `The sentinel did not answer ${method} ${path} within ${timeoutMs} ms`
          : "The sentinel closed the connection",
        { cause: err },
      );
    }
    let envelope: { status?: unknown; data?: unknown; code?: unknown; message?: unknown; error?: unknown };
    try {
      envelope = JSON.parse(text);
    } catch {
      throw new SentinelApiError(
        "SENTINEL_BAD_RESPONSE",
        `The sentinel answered ${method} ${path} with HTTP ${res.status} and no JSON`,
        {
          httpStatus: res.status,
          local:
            res.status === 503
              ? "SENTINEL_UNAVAILABLE"
              : res.status === 504
                ? "SENTINEL_TIMEOUT"
                : "SENTINEL_BAD_RESPONSE",
        },
      );
    }
    if (res.ok && envelope?.status === "ok") return envelope.data;
    const error = (envelope?.error ?? {}) as { code?: unknown; message?: unknown; details?: unknown };
    const code =
      typeof error.code === "string" ? error.code : typeof envelope?.code === "string" ? envelope.code : null;
    const message =
      typeof error.message === "string"
        ? error.message
        : typeof envelope?.message === "string"
          ? envelope.message
          : null;
    if (res.status === 401) {
      // The UI's own session is fine; the UI↔sentinel token is wrong. Say so instead of "UNAUTHORIZED".
      throw new SentinelApiError(
        "SENTINEL_AUTH_FAILED",
        "The sentinel refused the UI's API token (check SENTINEL_API_TOKEN)",
        {
          httpStatus: 401,
          local: "SENTINEL_BAD_RESPONSE",
        },
      );
    }
    if (code === null || message === null) {
      throw new SentinelApiError(
        "SENTINEL_BAD_RESPONSE",
        `The sentinel answered ${method} ${path} with HTTP ${res.status}`,
        {
          httpStatus: res.status,
        },
      );
    }
    throw new SentinelApiError(code, message, { httpStatus: res.status, details: error.details });
  }
}
