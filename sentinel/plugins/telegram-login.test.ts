/**
 * The login routes without a test DC: validation, configuration, steps without a pending login,
 * and what happens when the DC cannot be reached, never answers, or a login is replaced or
 * cancelled while its request is still out. The whole flow against the local test DC is in
 * telegram-login.testdc.test.ts.
 */
import { spawnSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { ConfigError } from "@tgsentinel/contract/env-check.ts";
import { _serverKeys } from "telegram/crypto/RSA.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadEnvironment } from "../environment.ts";
import { LOGIN_CODE_MAX_INPUT_LENGTH } from "../login/login-input.ts";
import { authHeaders, buildTestApp, makeTempDir, type TestApp } from "../testing/sentinel-fixture.ts";
import { LOGIN_BODY_LIMIT } from "./telegram-login.ts";

const API = { TG_API_ID: "12345", TG_API_HASH: "0123456789abcdef0123456789abcdef" };
const IDLE_VIEW = {
  step: "idle",
  phone_masked: null,
  code_type: null,
  code_length: null,
  next_type: null,
  password_hint: null,
  expires_at: null,
  attempts_left: null,
  user_info: null,
  replaces_session: false,
};

let files: string;
let keyFile: string;
const apps: TestApp[] = [];
const servers: Array<{ server: net.Server; sockets: Set<net.Socket> }> = [];

beforeAll(() => {
  files = makeTempDir("login-files-");
  keyFile = path.join(files, "testdc.pub.pem");
  const { publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  fs.writeFileSync(keyFile, publicKey.export({ type: "pkcs1", format: "pem" }));
});

afterEach(async () => {
  for (const t of apps.splice(0)) await t.close();
  for (const { server, sockets } of servers.splice(0)) {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
});

afterAll(() => {
  fs.rmSync(files, { recursive: true, force: true });
});

async function loginApp(
  env: Record<string, string> = {},
  extra: Parameters<typeof buildTestApp>[0] = {},
): Promise<TestApp & { logs: string[] }> {
  const logs: string[] = [];
  const logDestination = new Writable({
    write(chunk, _encoding, callback) {
      logs.push(String(chunk));
      callback();
    },
  });
  const t = await buildTestApp({ env: { LOG_LEVEL: "debug", ...env }, logDestination, ...extra });
  apps.push(t);
  await t.app.ready();
  return Object.assign(t, { logs });
}

function call(t: TestApp, method: "GET" | "POST" | "DELETE", url: string, payload?: unknown) {
  return t.app.inject({
    method,
    url,
    headers: authHeaders(),
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
}

/** A TCP server that accepts connections and never says a word (a DC that hangs). */
async function silentServer(): Promise<{ port: number; open: () => number; accepted: () => number }> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    // Read (and ignore) what the client sends, so its FIN is seen and the socket closes.
    socket.resume();
  });
  servers.push({ server, sockets });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    open: () => sockets.size,
    accepted: () => accepted,
  };
}

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitFor(probe: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("GET/DELETE /api/session/login without a login", () => {
  it("reads idle, cancels nothing, and needs the API token", async () => {
    const t = await loginApp();
    const state = await call(t, "GET", "/api/session/login");
    expect(state.statusCode).toBe(200);
    expect(state.headers["cache-control"]).toBe("no-store");
    expect(state.json()).toEqual({ status: "ok", data: IDLE_VIEW, error: null });
    const cancelled = await call(t, "DELETE", "/api/session/login");
    expect(cancelled.json()).toMatchObject({ status: "ok", message: "Login cancelled", data: IDLE_VIEW });
    const stranger = await t.app.inject({ method: "GET", url: "/api/session/login" });
    expect(stranger.statusCode).toBe(401);
    expect(stranger.json().code).toBe("UNAUTHORIZED");
  });
});

describe("POST /api/session/login input and configuration", () => {
  it("answers 503 TELEGRAM_NOT_CONFIGURED without TG_API_ID/TG_API_HASH", async () => {
    const t = await loginApp();
    const answer = await call(t, "POST", "/api/session/login", { phone: "+15550001" });
    expect(answer.statusCode).toBe(503);
    expect(answer.json()).toMatchObject({
      status: "error",
      code: "TELEGRAM_NOT_CONFIGURED",
      message: expect.stringContaining("TG_API_ID and TG_API_HASH are not set"),
      data: null,
    });
  });

  it("refuses login while TG_SOURCE replays an export", async () => {
    const exportFile = path.join(files, "result.json");
    fs.writeFileSync(exportFile, JSON.stringify({ chats: { list: [] } }));
    const t = await loginApp({ ...API, TG_SOURCE: `export:${exportFile}` });
    const answer = await call(t, "POST", "/api/session/login", { phone: "+15550001" });
    expect(answer.statusCode).toBe(503);
    expect(answer.json()).toMatchObject({
      code: "TELEGRAM_NOT_CONFIGURED",
      message: expect.stringContaining("TG_SOURCE"),
    });
  });

  it("checks the body and the phone before anything reaches Telegram", async () => {
    const t = await loginApp(API);
    const cases: Array<[unknown, number, string]> = [
      [["+15550001"], 400, "VALIDATION_FAILED"],
      [{}, 400, "VALIDATION_FAILED"],
      [{ phone: 15550001 }, 400, "VALIDATION_FAILED"],
      [{ phone: "call me" }, 400, "LOGIN_PHONE_INVALID"],
      [{ phone: "+1234" }, 400, "LOGIN_PHONE_INVALID"],
      [{ phone: "+1234567890123456" }, 400, "LOGIN_PHONE_INVALID"],
    ];
    for (const [payload, status, code] of cases) {
      const answer = await call(t, "POST", "/api/session/login", payload);
      expect([answer.statusCode, answer.json().code], JSON.stringify(payload)).toEqual([status, code]);
    }
    const text = await t.app.inject({
      method: "POST",
      url: "/api/session/login",
      headers: { ...authHeaders(), "content-type": "text/plain" },
      payload: "+15550001",
    });
    expect(text.statusCode).toBe(415);
    const malformed = await t.app.inject({
      method: "POST",
      url: "/api/session/login",
      headers: { ...authHeaders(), "content-type": "application/json" },
      payload: '{"phone":',
    });
    expect(malformed.json().code).toBe("INVALID_JSON");
  });

  it(`refuses bodies over LOGIN_BODY_LIMIT (${LOGIN_BODY_LIMIT} bytes) with 413`, async () => {
    const t = await loginApp(API);
    const big = await call(t, "POST", "/api/session/login/password", {
      password: "x".repeat(LOGIN_BODY_LIMIT),
    });
    expect(big.statusCode).toBe(413);
    expect(big.json().code).toBe("PAYLOAD_TOO_LARGE");
  });
});

describe("code and password without a pending login", () => {
  it("answer 409 LOGIN_STEP_MISMATCH (after checking the body's shape)", async () => {
    const t = await loginApp(API);
    const code = await call(t, "POST", "/api/session/login/code", { code: "12345" });
    expect(code.statusCode).toBe(409);
    expect(code.json()).toMatchObject({
      code: "LOGIN_STEP_MISMATCH",
      message: expect.stringContaining("No login is in progress"),
      error: { details: { step: "idle", attempts_left: null } },
    });
    const password = await call(t, "POST", "/api/session/login/password", { password: "hunter2" });
    expect(password.statusCode).toBe(409);
    expect(password.json().code).toBe("LOGIN_STEP_MISMATCH");
    expect((await call(t, "POST", "/api/session/login/code", { code: 12345 })).json().code).toBe(
      "VALIDATION_FAILED",
    );
    expect(
      (
        await call(t, "POST", "/api/session/login/code", {
          code: "1".repeat(LOGIN_CODE_MAX_INPUT_LENGTH + 1),
        })
      ).json().code,
    ).toBe("LOGIN_STEP_MISMATCH");
    expect((await call(t, "POST", "/api/session/login/password", { password: "" })).json().code).toBe(
      "VALIDATION_FAILED",
    );
  });
});

describe("a test DC that cannot be reached or never answers", () => {
  it("answers 503 TELEGRAM_UNAVAILABLE when nothing listens, and stays idle", async () => {
    const port = await closedPort();
    const t = await loginApp({ ...API, TG_TEST_DC: `127.0.0.1:${port}`, TG_TEST_DC_PUBLIC_KEY: keyFile });
    const answer = await call(t, "POST", "/api/session/login", { phone: "+15550001" });
    expect(answer.statusCode).toBe(503);
    expect(answer.json()).toMatchObject({
      code: "TELEGRAM_UNAVAILABLE",
      message: "Telegram cannot be reached: the connection was refused",
      error: { details: { step: "idle" } },
    });
    expect((await call(t, "GET", "/api/session/login")).json().data.step).toBe("idle");
    expect(t.logs.join("")).not.toContain("15550001");
  });

  it("answers 504 TELEGRAM_TIMEOUT when the DC never answers, and closes the connection", async () => {
    const dc = await silentServer();
    const t = await loginApp(
      { ...API, TG_TEST_DC: `127.0.0.1:${dc.port}`, TG_TEST_DC_PUBLIC_KEY: keyFile },
      { login: { telegramTimeoutMs: 400 } },
    );
    const started = Date.now();
    const answer = await call(t, "POST", "/api/session/login", { phone: "+15550001" });
    expect(answer.statusCode).toBe(504);
    expect(answer.json()).toMatchObject({ code: "TELEGRAM_TIMEOUT", error: { details: { step: "idle" } } });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(dc.accepted()).toBe(1);
    await waitFor(() => dc.open() === 0, "the login's connection to close");
  });

  it("a new start replaces a login whose start is still out: the old request answers 409, its socket closes", async () => {
    const dc = await silentServer();
    const t = await loginApp(
      { ...API, TG_TEST_DC: `127.0.0.1:${dc.port}`, TG_TEST_DC_PUBLIC_KEY: keyFile },
      { login: { telegramTimeoutMs: 3_000 } },
    );
    const first = call(t, "POST", "/api/session/login", { phone: "+15550001" });
    await waitFor(() => dc.accepted() === 1, "the first login to connect");
    const second = call(t, "POST", "/api/session/login", { phone: "+15550002" });
    const firstAnswer = await first;
    expect(firstAnswer.statusCode).toBe(409);
    expect(firstAnswer.json()).toMatchObject({
      code: "LOGIN_STEP_MISMATCH",
      message: expect.stringContaining("replaced by a newer one"),
    });
    await waitFor(() => dc.accepted() === 2, "the second login to connect");
    await waitFor(() => dc.open() === 1, "the first login's socket to close");
    expect((await second).statusCode).toBe(504);
    await waitFor(() => dc.open() === 0, "the second login's socket to close");
  });

  it("DELETE cancels a start that is still out and closes its connection at once", async () => {
    const dc = await silentServer();
    const t = await loginApp(
      { ...API, TG_TEST_DC: `127.0.0.1:${dc.port}`, TG_TEST_DC_PUBLIC_KEY: keyFile },
      { login: { telegramTimeoutMs: 10_000 } },
    );
    const start = call(t, "POST", "/api/session/login", { phone: "+15550001" });
    await waitFor(() => dc.open() === 1, "the login to connect");
    const cancelled = await call(t, "DELETE", "/api/session/login");
    expect(cancelled.json().data).toEqual(IDLE_VIEW);
    const answer = await start;
    expect(answer.statusCode).toBe(409);
    await waitFor(() => dc.open() === 0, "the cancelled login's socket to close");
  });

  it("closing the app destroys a pending login's client", async () => {
    const dc = await silentServer();
    const t = await loginApp(
      { ...API, TG_TEST_DC: `127.0.0.1:${dc.port}`, TG_TEST_DC_PUBLIC_KEY: keyFile },
      { login: { telegramTimeoutMs: 10_000 } },
    );
    const start = t.app.telegramLogin.start("+15550001").catch((err: Error) => err);
    await waitFor(() => dc.open() === 1, "the login to connect");
    await t.app.close();
    await waitFor(() => dc.open() === 0, "the login's socket to close");
    expect(await start).toMatchObject({ code: "LOGIN_STEP_MISMATCH" });
  });
});

describe("TG_TEST_DC configuration", () => {
  function problemsOf(env: Record<string, string>): string[] {
    try {
      loadEnvironment(env, { cwd: files });
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as ConfigError).problems;
    }
    throw new Error("the environment was accepted");
  }

  it("accepts a loopback DC with its PEM key and registers the key with GramJS only while the app runs", async () => {
    const config = loadEnvironment(
      { TG_TEST_DC: "127.0.0.1:23456", TG_TEST_DC_PUBLIC_KEY: keyFile },
      { cwd: files },
    );
    expect(config.loginTestDc).toMatchObject({ dcId: 2, host: "127.0.0.1", port: 23456, keyPath: keyFile });
    const fingerprint = config.loginTestDc!.publicKey.fingerprint;
    expect(_serverKeys.has(fingerprint)).toBe(false);
    const t = await loginApp({ ...API, TG_TEST_DC: "127.0.0.1:23456", TG_TEST_DC_PUBLIC_KEY: keyFile });
    expect(_serverKeys.has(fingerprint)).toBe(true);
    expect(t.logs.join("")).toContain("TG_TEST_DC is set");
    await t.app.close();
    expect(_serverKeys.has(fingerprint)).toBe(false);
  });

  it("refuses a DC on another machine, a missing key, an unreadable key and a non-key", () => {
    expect(problemsOf({ TG_TEST_DC: "10.1.2.3:23456", TG_TEST_DC_PUBLIC_KEY: keyFile })).toEqual([
      expect.stringMatching(/^TG_TEST_DC names 10\.1\.2\.3, which is not a loopback address/),
    ]);
    expect(problemsOf({ TG_TEST_DC: "127.0.0.1:23456" })).toEqual([
      expect.stringMatching(/^TG_TEST_DC is set but TG_TEST_DC_PUBLIC_KEY is not/),
    ]);
    expect(problemsOf({ TG_TEST_DC_PUBLIC_KEY: keyFile })).toEqual([
      expect.stringMatching(/^TG_TEST_DC_PUBLIC_KEY is set but TG_TEST_DC is not/),
    ]);
    expect(problemsOf({ TG_TEST_DC: "127.0.0.1:23456", TG_TEST_DC_PUBLIC_KEY: "missing.pem" })).toEqual([
      expect.stringMatching(/^TG_TEST_DC_PUBLIC_KEY \(.*missing\.pem\) cannot be read \(ENOENT\)/),
    ]);
    const notKey = path.join(files, "not-a-key.pem");
    fs.writeFileSync(notKey, "hello\n");
    expect(problemsOf({ TG_TEST_DC: "127.0.0.1:23456", TG_TEST_DC_PUBLIC_KEY: notKey })).toEqual([
      expect.stringMatching(/not a PEM public key/),
    ]);
  });

  it("makes server.ts exit 1 at start-up for a non-loopback DC, naming the variable", () => {
    const root = fileURLToPath(new URL("../..", import.meta.url));
    const child = spawnSync(process.execPath, ["--import", "tsx", path.join(root, "sentinel/server.ts")], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        DATA_DIR: path.join(files, "server-data"),
        TG_TEST_DC: "192.168.1.20:23456",
        TG_TEST_DC_PUBLIC_KEY: keyFile,
      },
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(child.status).toBe(1);
    expect(child.stderr).toContain("TG_TEST_DC names 192.168.1.20, which is not a loopback address");
  });
});
