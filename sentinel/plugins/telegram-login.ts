/**
 * Logging in to Telegram from the UI: phone → code → (2FA) password, under /api/session/login.
 * `app.telegramLogin` (sentinel/login/login-service.ts) holds the one pending login; each login
 * has its own GramJS client (sentinel/login/gramjs-login.ts) on a fresh auth key. On success the
 * session is stored exactly as an import stores it (`installSession`: atomic 0660 write with the
 * previous session as backup, gateway restarted, `session_updated` published), replacing any
 * stored session.
 *
 * With TG_TEST_DC the logins go to a local MTProto test DC, whose RSA key (TG_TEST_DC_PUBLIC_KEY)
 * is registered with GramJS here and released when the app closes.
 */
import { ok, SentinelError } from "@tgsentinel/contract/envelope.ts";
import type { WorkerUser } from "@tgsentinel/contract/events.ts";
import type { FastifyBaseLogger, FastifyInstance, FastifyPluginAsync, FastifyReply } from "fastify";
import fp from "fastify-plugin";
import type { SentinelConfig } from "../environment.ts";
import { GramjsLoginClient, trustTestDcKey } from "../login/gramjs-login.ts";
import { LoginError, TelegramLogin } from "../login/login-service.ts";
import type { GramJsLogin } from "../session/gramjs-session.ts";
import { storedSessionOf } from "../session/session-import.ts";
import type { StoredSession } from "../session/session-store.ts";
import { recordFloodWait } from "../telegram/flood-waits.ts";
import { DEFAULT_GATEWAY_START_TIMEOUT_MS, installSession } from "./session.ts";

declare module "fastify" {
  interface FastifyInstance {
    /** The pending Telegram login (one at a time). */
    telegramLogin: TelegramLogin;
  }
}

/** Bodies of the login routes are a phone, a code or a password: a few hundred bytes at most. */
export const LOGIN_BODY_LIMIT = 4 * 1024;

export interface TelegramLoginPluginOptions {
  config: SentinelConfig;
  /** How long a finished login waits for the worker's first connection (default 10 s). */
  gatewayStartTimeoutMs?: number;
  /** Test seams: a shorter LOGIN_TTL_MS, a shorter Telegram timeout (60 s), another clock. */
  ttlMs?: number;
  telegramTimeoutMs?: number;
  now?: () => Date;
}

const LOGIN_ROUTE = "/api/session/login";

const telegramLogin: FastifyPluginAsync<TelegramLoginPluginOptions> = async (app, opts) => {
  const { config } = opts;
  const log = app.log.child({ component: "telegram-login" });
  const timeoutMs = opts.gatewayStartTimeoutMs ?? DEFAULT_GATEWAY_START_TIMEOUT_MS;

  const testDc = config.loginTestDc;
  let release = () => {};
  let createClient: (() => GramjsLoginClient) | null = null;
  let unavailable: string | undefined;
  if (config.telegramSource.kind === "export")
    unavailable = "TG_SOURCE replays a Telegram export; logging in to Telegram is off";
  else if (config.telegram === null)
    unavailable = "TG_API_ID and TG_API_HASH are not set; set them (from my.telegram.org) to log in";
  else {
    const { apiId, apiHash } = config.telegram;
    if (testDc) {
      release = trustTestDcKey(testDc.publicKey);
      log.warn(
        { test_dc: `${testDc.host}:${testDc.port}`, key_fingerprint: testDc.publicKey.fingerprint },
        "TG_TEST_DC is set: logins from the UI go to a local test DC whose RSA key is trusted like Telegram's",
      );
    }
    createClient = () =>
      new GramjsLoginClient({
        apiId,
        apiHash: apiHash.reveal(),
        testDc: testDc && { dcId: testDc.dcId, host: testDc.host, port: testDc.port },
        log,
        ...(opts.telegramTimeoutMs === undefined ? {} : { timeoutMs: opts.telegramTimeoutMs }),
      });
  }

  const service = new TelegramLogin({
    createClient,
    ...(unavailable === undefined ? {} : { unavailable }),
    complete: (login, user) => storeLogin(app, login, user, { timeoutMs, log }),
    sessionStored: () => app.sessionStore.presence().present,
    onFloodWait: (method, seconds) => {
      recordFloodWait(app.ttl, method, seconds).catch((err: unknown) =>
        log.warn({ error: (err as Error).message }, "cannot record the flood wait in the state store"),
      );
    },
    log,
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.ttlMs === undefined ? {} : { ttlMs: opts.ttlMs }),
  });
  app.decorate("telegramLogin", service);
  app.addHook("onClose", async () => {
    await service.close();
    release();
  });

  const routeOptions = { bodyLimit: LOGIN_BODY_LIMIT };

  app.get(LOGIN_ROUTE, async (_request, reply) => answer(reply, async () => ok(service.view())));

  app.post(LOGIN_ROUTE, routeOptions, async (request, reply) =>
    answer(reply, async () => ok(await service.start(field(request.body, "phone")), "Login code sent")),
  );

  app.post(`${LOGIN_ROUTE}/code`, routeOptions, async (request, reply) =>
    answer(reply, async () => {
      const view = await service.submitCode(field(request.body, "code"));
      return ok(
        view,
        view.step === "done" ? "Logged in to Telegram" : "The account's 2FA password is needed",
      );
    }),
  );

  app.post(`${LOGIN_ROUTE}/password`, routeOptions, async (request, reply) =>
    answer(reply, async () =>
      ok(await service.submitPassword(field(request.body, "password")), "Logged in to Telegram"),
    ),
  );

  app.delete(LOGIN_ROUTE, async (_request, reply) =>
    answer(reply, async () => ok(await service.cancel(), "Login cancelled")),
  );
};

/** The login state must never be cached; a flood wait's pause goes into Retry-After. */
async function answer<T>(reply: FastifyReply, work: () => Promise<T>): Promise<T> {
  reply.header("cache-control", "no-store");
  try {
    return await work();
  } catch (err) {
    if (err instanceof LoginError && err.retryAfterSeconds !== null)
      reply.header("retry-after", String(err.retryAfterSeconds));
    throw err;
  }
}

/** `body[name]`, or a VALIDATION_FAILED when the body is not a JSON object. */
function field(body: unknown, name: string): unknown {
  if (body === null || typeof body !== "object" || Array.isArray(body))
    throw new SentinelError("VALIDATION_FAILED", `Send a JSON object such as {"${name}": "…"}`);
  return (body as Record<string, unknown>)[name];
}

/** Builds the stored document of a finished login and installs it as an import would. */
async function storeLogin(
  app: FastifyInstance,
  login: GramJsLogin,
  user: WorkerUser,
  options: { timeoutMs: number; log: FastifyBaseLogger },
): Promise<void> {
  let document: StoredSession;
  try {
    document = await storedSessionOf(login, "login");
  } catch (err) {
    throw new SentinelError(
      "STORAGE_ERROR",
      "The new session could not be converted for storage; log in again",
      {
        cause: err instanceof Error ? new Error(err.message) : undefined,
      },
    );
  }
  const size = Buffer.byteLength(`${JSON.stringify(document, null, 2)}\n`);
  await app.sessionStore.exclusive(async () => {
    await installSession(app, document, { size, timeoutMs: options.timeoutMs, log: options.log });
    options.log.info(
      { key: document.key_fingerprint, dc_id: document.dc_id, user_id: user.user_id },
      "session stored from a login",
    );
  });
}

export default fp(telegramLogin, {
  name: "telegram-login",
  dependencies: ["telegram", "session", "events", "auth"],
  fastify: "5.x",
});
