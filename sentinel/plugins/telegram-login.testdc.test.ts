/**
 * Logging in from the UI end to end: the real sentinel app (real SQLite, the real GramJS gateway
 * and login client) against the local MTProto test DC (tools/testdc), which runs the DH key
 * exchange with its own RSA key (trusted through TG_TEST_DC_PUBLIC_KEY), auth.sendCode/signIn and
 * the 2FA SRP check. The login code comes from the DC, as it would come from the user's phone.
 */
import fs from "node:fs";
import path from "node:path";
import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { startTestDc, type TestDc, type TestDcAccount } from "../../tools/testdc/server.ts";
import { HANDSHAKE_ATTEMPTS } from "../login/gramjs-login.ts";
import { type LoginView, MAX_CODE_ATTEMPTS } from "../login/login-flow.ts";
import { parseGramJsSession } from "../session/gramjs-session.ts";
import { SESSION_FILE_MODE } from "../session/session-store.ts";
import { authHeaders, buildTestApp, makeTempDir, type TestApp } from "../testing/sentinel-fixture.ts";
import type { StatusData } from "./status.ts";

const API_HASH = "0123456789abcdef0123456789abcdef";
const OLGA: TestDcAccount = {
  phone: "+15550001",
  user: { id: 7000001, username: "olga", firstName: "Olga" },
};
const BORIS_PASSWORD = "correct horse battery staple";
const BORIS: TestDcAccount = {
  phone: "+15550002",
  user: { id: 7000002, username: "boris", firstName: "Boris" },
  password: BORIS_PASSWORD,
  hint: "horse",
};
const NEWS = { id: 1_700_000_001, title: "Market News", type: "channel" } as const;

interface Env {
  dc: TestDc;
  t: TestApp;
  logs: string[];
  /** Every answer body the test received, for the secrets check. */
  answers: string[];
}

const running: Env[] = [];
afterEach(async () => {
  for (const { t, dc } of running.splice(0)) {
    await t.close();
    await dc.stop();
  }
});

async function setUp(
  options: { codeTtlMs?: number; ttlMs?: number; accounts?: TestDcAccount[] } = {},
): Promise<Env> {
  const dc = await startTestDc({
    controlPort: false,
    accounts: options.accounts ?? [OLGA, BORIS],
    ...(options.codeTtlMs === undefined ? {} : { codeTtlMs: options.codeTtlMs }),
  });
  const dir = makeTempDir("login-e2e-");
  const keyFile = path.join(dir, "testdc.pub.pem");
  fs.writeFileSync(keyFile, dc.publicKeyPem);
  const logs: string[] = [];
  const logDestination = new Writable({
    write(chunk, _encoding, callback) {
      logs.push(String(chunk));
      callback();
    },
  });
  const t = await buildTestApp({
    // The production gateway (from TG_API_ID/TG_API_HASH), as `npm start` builds it.
    gateway: undefined,
    logDestination,
    env: {
      LOG_LEVEL: "trace",
      TG_API_ID: "12345",
      TG_API_HASH: API_HASH,
      TG_TEST_DC: `127.0.0.1:${dc.port}`,
      TG_TEST_DC_PUBLIC_KEY: keyFile,
    },
    ...(options.ttlMs === undefined ? {} : { login: { ttlMs: options.ttlMs } }),
  });
  await t.app.ready();
  const env = { dc, t, logs, answers: [] };
  running.push(env);
  return env;
}

interface Answer<T> {
  status: number;
  headers: Record<string, unknown>;
  body: {
    status: "ok" | "error";
    code?: string;
    message?: string;
    data: T;
    error: { code: string; message: string; details?: Record<string, unknown> } | null;
  };
}

async function call<T = LoginView>(
  env: Env,
  method: "GET" | "POST" | "DELETE",
  url: string,
  payload?: Record<string, unknown>,
): Promise<Answer<T>> {
  const answer = await env.t.app.inject({
    method,
    url,
    headers: authHeaders(),
    ...(payload === undefined ? {} : { payload }),
  });
  env.answers.push(answer.body);
  return { status: answer.statusCode, body: answer.json() as Answer<T>["body"], headers: answer.headers };
}

const start = (env: Env, phone: string) => call(env, "POST", "/api/session/login", { phone });
const submitCode = (env: Env, code: string) => call(env, "POST", "/api/session/login/code", { code });
const submitPassword = (env: Env, password: string) =>
  call(env, "POST", "/api/session/login/password", { password });
const loginState = async (env: Env) => (await call(env, "GET", "/api/session/login")).body.data;

function codeFor(env: Env, phone: string): string {
  const sent = env.dc.lastLoginCode(phone);
  if (!sent) throw new Error(`the DC sent no code to ${phone}`);
  return sent.code;
}

/** A code of the right length that is not the one sent. */
function wrongCode(code: string): string {
  return code.replace(/^./, (d) => String((Number(d) + 1) % 10));
}

async function waitFor<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function authorizedStatus(env: Env, username: string) {
  return waitFor(async () => {
    const data = (await call<StatusData>(env, "GET", "/api/status")).body.data;
    return data.authorized && data.user_info?.username === username ? data : false;
  }, `the worker authorised as ${username}`);
}

/**
 * Nothing secret in any log line or answer: codes, passwords, the full phone, the auth key, the
 * stored session string, the API hash. Digit secrets are matched as whole numbers (a 5-digit code
 * is bound to occur inside some timestamp).
 */
function expectNoSecrets(env: Env, secrets: string[]): void {
  const stored = JSON.parse(fs.readFileSync(env.t.config.sessionPath, "utf8"));
  const everything = [...env.logs, ...env.answers].join("\n");
  for (const secret of [...secrets, API_HASH, stored.session]) {
    const found = /^\d+$/.test(secret)
      ? new RegExp(`(?<![0-9])${secret}(?![0-9])`).test(everything)
      : everything.includes(secret);
    expect(found, `a secret (${secret.slice(0, 3)}…) leaked`).toBe(false);
  }
  // The check means something only if the login was logged at all (trace level).
  expect(env.logs.some((line) => line.includes("telegram login: code sent"))).toBe(true);
}

describe("logging in from the UI against the local test DC", () => {
  it("without 2FA: code → session stored (0660) → worker authorised as the account → a pushed message is ingested", async () => {
    const env = await setUp();
    const started = await start(env, "+1 (555) 000-1");
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ status: "ok", message: "Login code sent" });
    expect(started.body.data).toMatchObject({
      step: "code",
      phone_masked: "+15****01",
      code_type: "app",
      code_length: 5,
      password_hint: null,
      attempts_left: MAX_CODE_ATTEMPTS,
      user_info: null,
      replaces_session: false,
    });
    expect(Date.parse(String(started.body.data.expires_at)) - Date.now()).toBeGreaterThan(9 * 60_000);
    expect(env.dc.state().handshakes_completed).toBe(1);

    const code = codeFor(env, OLGA.phone);
    const done = await submitCode(env, code);
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ message: "Logged in to Telegram" });
    expect(done.body.data).toMatchObject({
      step: "done",
      phone_masked: "+15****01",
      user_info: { user_id: 7000001, username: "olga", first_name: "Olga" },
      replaces_session: false,
    });

    const file = env.t.config.sessionPath;
    expect(fs.statSync(file).mode & 0o777).toBe(SESSION_FILE_MODE);
    expect(fs.existsSync(`${file}.bak`)).toBe(false);
    const stored = JSON.parse(fs.readFileSync(file, "utf8"));
    expect(stored).toMatchObject({
      format: "tgsentinel-session",
      dc_id: 2,
      server_address: "127.0.0.1",
      port: env.dc.port,
      source_format: "login",
    });
    const login = await parseGramJsSession(stored.session);
    expect(login).toMatchObject({ dcId: 2, serverAddress: "127.0.0.1", port: env.dc.port });
    expect(login.authKey.length).toBe(256);

    const status = await authorizedStatus(env, "olga");
    expect(status).toMatchObject({
      connected: true,
      user_info: { user_id: 7000001, username: "olga", first_name: "Olga" },
      session_present: true,
      session: { source_format: "login", dc_id: 2, key_fingerprint: stored.key_fingerprint },
    });
    expect((await loginState(env)).step).toBe("done");
    // Only the worker's connection is left: the login's own client is gone.
    await waitFor(() => env.dc.state().connections === 1, "one connection (the worker's)");

    env.dc.pushMessage({ chat: NEWS, text: "Rates are up 2%" });
    const row = await waitFor(
      async () => (await env.t.app.prisma.message.findFirst({ where: { text: "Rates are up 2%" } })) ?? false,
      "the pushed message in sentinel.db",
    );
    expect(row.chatId).toBe("-1001700000001");
    expectNoSecrets(env, [code, "15550001", login.authKey.toString("hex"), login.authKey.toString("base64")]);
  });

  it("with 2FA: the password step shows the hint; a wrong password spends an attempt, the right one logs in and replaces the stored session", async () => {
    const env = await setUp();
    // A first login (olga) so that the 2FA login replaces a stored, authorised session.
    await start(env, OLGA.phone);
    await submitCode(env, codeFor(env, OLGA.phone));
    await authorizedStatus(env, "olga");
    const olgaKey = JSON.parse(fs.readFileSync(env.t.config.sessionPath, "utf8")).key_fingerprint;

    const started = await start(env, BORIS.phone);
    expect(started.body.data).toMatchObject({
      step: "code",
      phone_masked: "+15****02",
      replaces_session: true,
    });
    const code = codeFor(env, BORIS.phone);
    const password = await submitCode(env, code);
    expect(password.status).toBe(200);
    expect(password.body).toMatchObject({ message: "The account's 2FA password is needed" });
    expect(password.body.data).toMatchObject({
      step: "password",
      phone_masked: "+15****02",
      password_hint: "horse",
      attempts_left: 5,
      code_type: null,
      replaces_session: true,
    });

    const wrong = await submitPassword(env, "correct horse battery stable");
    expect(wrong.status).toBe(400);
    expect(wrong.body).toMatchObject({
      code: "LOGIN_PASSWORD_INVALID",
      message: "The 2FA password is wrong",
      error: { details: { step: "password", attempts_left: 4 } },
    });
    expect(await loginState(env)).toMatchObject({
      step: "password",
      attempts_left: 4,
      password_hint: "horse",
    });

    const done = await submitPassword(env, BORIS_PASSWORD);
    expect(done.status).toBe(200);
    expect(done.body.data).toMatchObject({
      step: "done",
      user_info: { user_id: 7000002, username: "boris", first_name: "Boris" },
      replaces_session: false,
    });
    const stored = JSON.parse(fs.readFileSync(env.t.config.sessionPath, "utf8"));
    expect(stored.key_fingerprint).not.toBe(olgaKey);
    expect(fs.existsSync(`${env.t.config.sessionPath}.bak`)).toBe(false);
    await authorizedStatus(env, "boris");
    expectNoSecrets(env, [code, BORIS_PASSWORD, "correct horse battery stable", "15550002"]);
  });

  it(`a wrong code keeps the step with one attempt less; ${MAX_CODE_ATTEMPTS} wrong codes end the login; a mistyped length costs nothing`, async () => {
    const env = await setUp();
    await start(env, OLGA.phone);
    const code = codeFor(env, OLGA.phone);
    const signIns = () => env.dc.state().calls["auth.SignIn"] ?? 0;

    const short = await submitCode(env, code.slice(0, 4));
    expect(short.status).toBe(400);
    expect(short.body).toMatchObject({
      code: "LOGIN_CODE_INVALID",
      message: "The login code has 5 digits",
      error: { details: { step: "code", attempts_left: 5 } },
    });
    expect(signIns()).toBe(0);

    for (let left = MAX_CODE_ATTEMPTS - 1; left >= 1; left -= 1) {
      const wrong = await submitCode(env, wrongCode(code));
      expect(wrong.status).toBe(400);
      expect(wrong.body).toMatchObject({
        code: "LOGIN_CODE_INVALID",
        message: "The login code is wrong",
        error: { details: { step: "code", attempts_left: left } },
      });
    }
    expect(await loginState(env)).toMatchObject({ step: "code", attempts_left: 1 });
    const last = await submitCode(env, wrongCode(code));
    expect(last.status).toBe(429);
    expect(last.body).toMatchObject({
      code: "TOO_MANY_ATTEMPTS",
      error: { details: { step: "idle", attempts_left: 0 } },
    });
    expect(signIns()).toBe(MAX_CODE_ATTEMPTS);
    expect((await loginState(env)).step).toBe("idle");
    expect((await submitCode(env, code)).body.code).toBe("LOGIN_STEP_MISMATCH");
    await waitFor(() => env.dc.state().connections === 0, "the login's connection to close");
    expect(fs.existsSync(env.t.config.sessionPath)).toBe(false);
  });

  it("the right code after a wrong one still logs in", async () => {
    const env = await setUp();
    await start(env, OLGA.phone);
    const code = codeFor(env, OLGA.phone);
    expect((await submitCode(env, wrongCode(code))).body.error?.details?.attempts_left).toBe(4);
    const done = await submitCode(env, code);
    expect(done.body.data.step).toBe("done");
    await authorizedStatus(env, "olga");
  });

  it("an expired code answers LOGIN_CODE_EXPIRED and ends the login", async () => {
    const env = await setUp({ codeTtlMs: 300 });
    await start(env, OLGA.phone);
    const code = codeFor(env, OLGA.phone);
    await new Promise((resolve) => setTimeout(resolve, 400));
    const expired = await submitCode(env, code);
    expect(expired.status).toBe(400);
    expect(expired.body).toMatchObject({
      code: "LOGIN_CODE_EXPIRED",
      message: expect.stringContaining("start the login again"),
      error: { details: { step: "idle" } },
    });
    expect((await loginState(env)).step).toBe("idle");
    await waitFor(() => env.dc.state().connections === 0, "the login's connection to close");
  });

  it("a number without an account answers 404 LOGIN_ACCOUNT_NOT_FOUND after the code (no sign-up)", async () => {
    const env = await setUp();
    const started = await start(env, "+15559999");
    expect(started.body.data.step).toBe("code");
    const answer = await submitCode(env, codeFor(env, "+15559999"));
    expect(answer.status).toBe(404);
    expect(answer.body).toMatchObject({
      code: "LOGIN_ACCOUNT_NOT_FOUND",
      error: { details: { step: "idle" } },
    });
    expect((await loginState(env)).step).toBe("idle");
    expect(env.dc.state().calls["auth.SignUp"]).toBeUndefined();
    expect(fs.existsSync(env.t.config.sessionPath)).toBe(false);
  });

  it("a flood wait answers 429 TELEGRAM_FLOOD_WAIT with Retry-After, keeps the step and shows in /api/status", async () => {
    const env = await setUp();
    await start(env, OLGA.phone);
    const code = codeFor(env, OLGA.phone);
    env.dc.floodWait(42);
    const flooded = await submitCode(env, code);
    expect(flooded.status).toBe(429);
    expect(flooded.headers["retry-after"]).toBe("42");
    expect(flooded.body).toMatchObject({
      code: "TELEGRAM_FLOOD_WAIT",
      error: { details: { retry_after_s: 42, step: "code", attempts_left: 5 } },
    });
    const status = (await call<StatusData>(env, "GET", "/api/status")).body.data;
    expect(status.rate_limit.flood_waits).toEqual([
      expect.objectContaining({ method: "auth.SignIn", seconds_left: expect.any(Number) }),
    ]);
    expect(await loginState(env)).toMatchObject({ step: "code", attempts_left: 5 });
    // The DC lifted it (a real one would want the wait sat out first): the same code now works.
    expect((await submitCode(env, code)).body.data.step).toBe("done");
  });

  it("a flood wait on the phone step answers 429 and leaves no login", async () => {
    const env = await setUp();
    env.dc.floodWait(7);
    const flooded = await start(env, OLGA.phone);
    expect(flooded.status).toBe(429);
    expect(flooded.headers["retry-after"]).toBe("7");
    expect(flooded.body).toMatchObject({ code: "TELEGRAM_FLOOD_WAIT", error: { details: { step: "idle" } } });
    expect((await loginState(env)).step).toBe("idle");
    await waitFor(() => env.dc.state().connections === 0, "the failed login's connection to close");
  });

  it("step mismatches answer 409 and change nothing", async () => {
    const env = await setUp();
    await start(env, OLGA.phone);
    const early = await submitPassword(env, "anything");
    expect(early.status).toBe(409);
    expect(early.body).toMatchObject({
      code: "LOGIN_STEP_MISMATCH",
      message: expect.stringContaining("waiting for the login code"),
      error: { details: { step: "code" } },
    });
    expect(await loginState(env)).toMatchObject({ step: "code", attempts_left: 5 });
    await submitCode(env, codeFor(env, OLGA.phone));
    const late = await submitCode(env, codeFor(env, OLGA.phone));
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({
      code: "LOGIN_STEP_MISMATCH",
      message: "This login is already finished",
    });
  });

  it("the same code sent twice at once reaches Telegram once: one request logs in, the other finds the step changed", async () => {
    const env = await setUp();
    await start(env, OLGA.phone);
    const code = codeFor(env, OLGA.phone);
    const answers = await Promise.all([submitCode(env, code), submitCode(env, code)]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    expect(answers.find((a) => a.status === 409)?.body.code).toBe("LOGIN_STEP_MISMATCH");
    expect(env.dc.state().calls["auth.SignIn"]).toBe(1);
  });

  it("cancel forgets the login and closes its connection; a new start replaces a pending one", async () => {
    const env = await setUp();
    await start(env, OLGA.phone);
    await waitFor(() => env.dc.state().connections === 1, "the login's connection");
    const cancelled = await call(env, "DELETE", "/api/session/login");
    expect(cancelled.body.data.step).toBe("idle");
    await waitFor(() => env.dc.state().connections === 0, "the cancelled login's connection to close");
    expect((await submitCode(env, codeFor(env, OLGA.phone))).body.code).toBe("LOGIN_STEP_MISMATCH");

    await start(env, OLGA.phone);
    const first = codeFor(env, OLGA.phone);
    await start(env, BORIS.phone);
    await waitFor(() => env.dc.state().connections === 1, "only the newer login's connection");
    expect((await loginState(env)).phone_masked).toBe("+15****02");
    // The replaced login's code is of no use to the new one (another phone, another hash).
    expect((await submitCode(env, first)).body.code).toBe("LOGIN_CODE_INVALID");
  });

  it("a pending login expires after LOGIN_TTL and its client is destroyed", async () => {
    const env = await setUp({ ttlMs: 500 });
    await start(env, OLGA.phone);
    expect(env.dc.state().connections).toBe(1);
    await waitFor(() => env.dc.state().connections === 0, "the expired login's connection to close");
    expect((await loginState(env)).step).toBe("idle");
    const late = await submitCode(env, codeFor(env, OLGA.phone));
    expect(late.body).toMatchObject({
      code: "LOGIN_STEP_MISMATCH",
      message: expect.stringContaining("expired"),
    });
  });

  it("starts the key exchange again when one fails (GramJS loses about one in 256), up to HANDSHAKE_ATTEMPTS", async () => {
    const env = await setUp();
    env.dc.failHandshakes(HANDSHAKE_ATTEMPTS - 1);
    const started = await start(env, OLGA.phone);
    expect(started.status).toBe(200);
    expect(started.body.data).toMatchObject({ step: "code" });
    expect(env.dc.state()).toMatchObject({ handshakes_completed: 1, handshake_failures_armed: 0 });
    expect((await call(env, "DELETE", "/api/session/login")).status).toBe(200);

    env.dc.failHandshakes(HANDSHAKE_ATTEMPTS);
    const refused = await start(env, OLGA.phone);
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ code: "TELEGRAM_UNAVAILABLE" });
    expect(env.dc.state()).toMatchObject({ handshakes_completed: 1, handshake_failures_armed: 0 });
  });
});
