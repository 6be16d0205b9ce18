/**
 * Logging in to Telegram through GraphQL end to end: the real UI app, the real sentinel with
 * TG_TEST_DC pointing at the local test DC (tools/testdc: real MTProto, key exchange with its RSA
 * key, auth.sendCode/signIn, 2FA with SRP), the real GramJS login client in between.
 */
import fs from "node:fs";
import path from "node:path";
import { loggerRedaction } from "@tgsentinel/contract/logging.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestDc, type TestDc } from "../tools/testdc/server.ts";
import { collect, gql, login, wsClient } from "./testing/graphql-client.ts";
import {
  ADMIN,
  startSentinel,
  startUi,
  type TestSentinel,
  type TestUi,
  tempDir,
  testPrefix,
} from "./testing/system.ts";

const PHONE = "+15550001";
const OLGA = { id: 4_200_001, username: "olga", firstName: "Olga" };
const PASSWORD_2FA = "correct horse 2fa";
const HINT = "the usual, with 2fa";
const NO_2FA_PHONE = "+15550002";
/** No account has this number: Telegram sends a code, then refuses the sign-in (sign-up is not offered). */
const UNKNOWN_PHONE = "+15559999";

const STATE =
  "{ step phoneMasked codeType codeLength passwordHint expiresAt attemptsLeft user { id username firstName } }";
const START = `mutation($phone: String!) { startTelegramLogin(phone: $phone) ${STATE} }`;
const CODE = `mutation($code: String!) { submitTelegramLoginCode(code: $code) ${STATE} }`;
const PASSWORD = `mutation($password: String!) { submitTelegramLoginPassword(password: $password) ${STATE} }`;

let dc: TestDc;
let dir: string;
let sentinel: TestSentinel;
let ui: TestUi;
let cookie: string;
/** Every GraphQL answer of this file and every log line of both services (debug level), searched for the secrets at the end. */
const answers: string[] = [];
const logLines: string[] = [];
const logStream = { write: (line: string) => void logLines.push(line) };
const secretsSent: string[] = [];

async function call(query: string, variables: Record<string, unknown> = {}) {
  const result = await gql<Record<string, Record<string, unknown>>>(ui.url, query, variables, cookie);
  answers.push(JSON.stringify(result));
  return result;
}

function codeFor(phone: string): string {
  const sent = dc.lastLoginCode(phone);
  if (!sent) throw new Error(`the DC sent no code to ${phone}`);
  return sent.code;
}

/** A code of the right length that is not the one sent. */
function wrongCode(phone: string): string {
  const right = codeFor(phone);
  const wrong = right.replace(/\d$/, (d) => String((Number(d) + 1) % 10));
  secretsSent.push(wrong);
  return wrong;
}

beforeAll(async () => {
  dc = await startTestDc({
    controlPort: false,
    accounts: [
      { phone: PHONE, user: OLGA, password: PASSWORD_2FA, hint: HINT },
      { phone: NO_2FA_PHONE, user: { id: 4_200_002, username: "pavel", firstName: "Pavel" } },
    ],
  });
  dir = tempDir("ui-test-login-");
  const keyFile = path.join(dir, "testdc.pem");
  fs.writeFileSync(keyFile, dc.publicKeyPem);
  const prefix = testPrefix();
  sentinel = await startSentinel({
    prefix,
    logDestination: logStream,
    env: {
      LOG_LEVEL: "debug",
      TG_API_ID: "12345",
      TG_API_HASH: "0123456789abcdef0123456789abcdef",
      TG_TEST_DC: `127.0.0.1:${dc.port}`,
      TG_TEST_DC_PUBLIC_KEY: keyFile,
    },
  });
  ui = await startUi({
    prefix,
    sentinelBaseUrl: sentinel.baseUrl,
    logger: { level: "debug", redact: loggerRedaction, stream: logStream },
  });
  cookie = await login(ui.url, ADMIN.username, ADMIN.password);
}, 60_000);

afterAll(async () => {
  await ui?.close();
  await sentinel?.close();
  await dc?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe("logging in to Telegram through GraphQL", () => {
  it("passes Telegram's flood wait through as TELEGRAM_FLOOD_WAIT with the seconds and minutes in words", async () => {
    // First, while no worker is connected: the DC fails the next API call of any client.
    dc.floodWait(150);
    const result = await call(START, { phone: PHONE });
    expect(result.errors?.[0]).toMatchObject({
      message: "Telegram asks to wait: try again in 3 min.",
      extensions: { code: "TELEGRAM_FLOOD_WAIT", retryAfterSeconds: 150 },
    });
  });

  it("goes phone → wrong code → code → wrong password → password → done, and the worker turns authorized as the account", async () => {
    const client = wsClient(ui.url, cookie);
    const statuses = collect<{
      workerStatus: { authorized: boolean; user: { username: string | null } | null };
    }>(client, "subscription { workerStatus { authorized user { username } } }");
    await new Promise<void>((resolve) => client.on("connected", () => resolve()));
    const auditBefore = (await ui.ui.services.db.auditEntry.aggregate({ _max: { id: true } }))._max.id ?? 0;

    const started = await call(START, { phone: PHONE });
    expect(started.errors).toBeUndefined();
    const code = started.data!.startTelegramLogin!;
    expect(code).toMatchObject({
      step: "CODE",
      phoneMasked: expect.stringMatching(/^\+15.*01$/),
      attemptsLeft: 5,
    });
    expect(code.phoneMasked).not.toContain("5550001");
    expect(code.codeLength).toBe(codeFor(PHONE).length);
    expect(Date.parse(String(code.expiresAt))).toBeGreaterThan(Date.now());
    expect(code.codeType).not.toBeNull();

    const wrong = await call(CODE, { code: wrongCode(PHONE) });
    expect(wrong.errors?.[0]).toMatchObject({
      message: "That code is not right.",
      extensions: { code: "LOGIN_CODE_INVALID", attemptsLeft: 4 },
    });

    const right = codeFor(PHONE);
    secretsSent.push(right);
    const password = await call(CODE, { code: right });
    expect(password.errors).toBeUndefined();
    expect(password.data!.submitTelegramLoginCode).toMatchObject({ step: "PASSWORD", passwordHint: HINT });

    secretsSent.push("not the password");
    const refused = await call(PASSWORD, { password: "not the password" });
    expect(refused.errors?.[0]).toMatchObject({
      message: "That password is not right.",
      extensions: { code: "LOGIN_PASSWORD_INVALID", attemptsLeft: 4 },
    });
    expect((await call(`{ telegramLogin ${STATE} }`)).data!.telegramLogin).toMatchObject({
      step: "PASSWORD",
      attemptsLeft: 4,
    });

    secretsSent.push(PASSWORD_2FA);
    const done = await call(PASSWORD, { password: PASSWORD_2FA });
    expect(done.errors).toBeUndefined();
    expect(done.data!.submitTelegramLoginPassword).toMatchObject({
      step: "DONE",
      user: { id: String(OLGA.id), username: "olga", firstName: "Olga" },
    });

    const seen = await statuses.waitFor((items) => items.some((s) => s.workerStatus.authorized), 20_000);
    expect(seen.find((s) => s.workerStatus.authorized)?.workerStatus.user?.username).toBe("olga");
    const status = await call("{ workerStatus { authorized user { id username } } }");
    expect(status.data).toEqual({
      workerStatus: { authorized: true, user: { id: String(OLGA.id), username: "olga" } },
    });
    statuses.dispose();
    await client.dispose();

    const audit = await ui.ui.services.db.auditEntry.findMany({
      where: {
        id: { gt: auditBefore },
        action: { in: ["startTelegramLogin", "submitTelegramLoginCode", "submitTelegramLoginPassword"] },
      },
      orderBy: { id: "asc" },
    });
    expect(audit.map((a) => [a.action, a.target, a.outcome, a.detail])).toEqual([
      ["startTelegramLogin", "phone:+15••••01", "ok", expect.stringMatching(/^step=code via=/)],
      ["submitTelegramLoginCode", "telegram-login", "error", "LOGIN_CODE_INVALID"],
      ["submitTelegramLoginCode", "telegram-login", "ok", "step=password"],
      ["submitTelegramLoginPassword", "telegram-login", "error", "LOGIN_PASSWORD_INVALID"],
      ["submitTelegramLoginPassword", "telegram-login", "ok", `step=done user=${OLGA.id}`],
    ]);
  });

  it("logs in without a password when the account has none, replacing the session", async () => {
    const started = await call(START, { phone: NO_2FA_PHONE });
    expect(started.data?.startTelegramLogin?.step).toBe("CODE");
    const code = codeFor(NO_2FA_PHONE);
    secretsSent.push(code);
    const done = await call(CODE, { code });
    expect(done.data?.submitTelegramLoginCode).toMatchObject({ step: "DONE", user: { username: "pavel" } });
    await expect
      .poll(async () => (await call("{ workerStatus { authorized user { username } } }")).data, {
        timeout: 20_000,
      })
      .toEqual({ workerStatus: { authorized: true, user: { username: "pavel" } } });
  });

  it("cancels the login after the last wrong code allowed (TOO_MANY_ATTEMPTS), then it is idle", async () => {
    expect((await call(START, { phone: PHONE })).data?.startTelegramLogin?.step).toBe("CODE");
    const left: unknown[] = [];
    let last: Awaited<ReturnType<typeof call>> | undefined;
    for (let i = 0; i < 5; i++) {
      last = await call(CODE, { code: wrongCode(PHONE) });
      left.push(last.errors?.[0]?.extensions?.attemptsLeft ?? last.errors?.[0]?.extensions?.code);
    }
    expect(left).toEqual([4, 3, 2, 1, "TOO_MANY_ATTEMPTS"]);
    expect(last?.errors?.[0]?.message).toBe("Too many wrong attempts: the login was cancelled. Start again.");
    expect((await call(`{ telegramLogin ${STATE} }`)).data?.telegramLogin?.step).toBe("IDLE");
  });

  it("passes LOGIN_ACCOUNT_NOT_FOUND at the code of a number without an account, and cancels a pending login", async () => {
    const started = await call(START, { phone: UNKNOWN_PHONE });
    expect(started.errors).toBeUndefined();
    expect(started.data?.startTelegramLogin?.step).toBe("CODE");
    const code = codeFor(UNKNOWN_PHONE);
    secretsSent.push(code);
    const unknown = await call(CODE, { code });
    expect(unknown.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/^There is no Telegram account for this phone number/),
      extensions: { code: "LOGIN_ACCOUNT_NOT_FOUND" },
    });
    expect((await call(START, { phone: PHONE })).data?.startTelegramLogin?.step).toBe("CODE");
    const cancelled = await call(`mutation { cancelTelegramLogin ${STATE} }`);
    expect(cancelled.data?.cancelTelegramLogin?.step).toBe("IDLE");
  });

  it("never put a code or password into an answer, the audit log or a log line of either service", async () => {
    const audit = JSON.stringify(await ui.ui.services.db.auditEntry.findMany());
    expect(logLines.length).toBeGreaterThan(20);
    const everything = `${answers.join("\n")}\n${audit}\n${logLines.join("")}`;
    expect(secretsSent.length).toBeGreaterThan(5);
    for (const secret of secretsSent) {
      // Codes are short digit runs: only a run of exactly those digits counts (not part of a time).
      const pattern = /^\d+$/.test(secret) ? new RegExp(`(?<!\\d)${secret}(?!\\d)`) : null;
      if (pattern) expect(everything).not.toMatch(pattern);
      else expect(everything).not.toContain(secret);
    }
    // The phone numbers appear only masked.
    for (const phone of [PHONE, NO_2FA_PHONE, UNKNOWN_PHONE])
      expect(everything).not.toContain(phone.slice(1));
  });
});
