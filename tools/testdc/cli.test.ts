import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Api, TelegramClient } from "telegram";
import { Logger, LogLevel } from "telegram/extensions/Logger.js";
import { computeCheck } from "telegram/Password.js";
import { StringSession } from "telegram/sessions/index.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { connectionOnPort } from "./client-connection.ts";
import { rsaFingerprint, rsaPublicNumbers } from "./rsa-key.ts";
import { trustTestDcKey } from "./trust-key.ts";

const here = fileURLToPath(new URL(".", import.meta.url));
const TSX = join(here, "../../node_modules/tsx/dist/cli.mjs");

let dir: string;
let child: ChildProcess | undefined;
let client: TelegramClient | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "testdc-cli-"));
});

afterEach(async () => {
  await client?.destroy();
  client = undefined;
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child!.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  }
  child = undefined;
  rmSync(dir, { recursive: true, force: true });
});

/** Starts the CLI and resolves with its stdout once the banner is complete. */
function startCli(args: string[]): Promise<string> {
  child = spawn(process.execPath, [TSX, join(here, "cli.ts"), ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  return new Promise((resolve, reject) => {
    child!.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes("try: curl")) resolve(out);
    });
    child!.stderr!.on("data", (chunk: Buffer) => {
      err += chunk.toString();
    });
    child!.once("exit", (code) => reject(new Error(`cli exited with ${code}: ${err}`)));
  });
}

describe("npm run testdc", () => {
  it("writes the public key, serves --account accounts, and a trusting client logs in by phone", async () => {
    const keyFile = join(dir, "dc.pem");
    const out = await startCli([
      "--session-out",
      join(dir, "demo.session"),
      "--public-key-out",
      keyFile,
      "--account",
      "+15550001:olga:Olga",
      "--account",
      "+15550002::Pavel:pass word:a hint",
    ]);
    const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(out)![1]);
    const control = /control API on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)![1]!;
    const pem = readFileSync(keyFile, "utf8");
    expect(pem).toMatch(/^-----BEGIN RSA PUBLIC KEY-----/);
    const { n, e } = rsaPublicNumbers(pem);
    expect(out).toContain(`RSA public key fingerprint ${rsaFingerprint(n, e)}`);
    expect(out).toContain("phone +15550002, 2FA password");
    expect(out).not.toContain("pass word");
    const state = (await (await fetch(`${control}/state`)).json()) as { accounts: unknown[] };
    expect(state.accounts).toEqual([
      { phone: "+15550000", id: 100000001, username: "demo_user", first_name: "Demo", has_password: false },
      {
        phone: "+15550001",
        id: expect.any(Number),
        username: "olga",
        first_name: "Olga",
        has_password: false,
      },
      { phone: "+15550002", id: expect.any(Number), first_name: "Pavel", has_password: true },
    ]);

    trustTestDcKey(pem);
    const session = new StringSession("");
    session.setDC(2, "127.0.0.1", port);
    client = new TelegramClient(session, 1, "x", {
      connection: connectionOnPort(port),
      baseLogger: new Logger(LogLevel.NONE),
    });
    await client.connect();
    const { phoneCodeHash } = await client.sendCode({ apiId: 1, apiHash: "x" }, "+15550002");
    const { code } = (await (await fetch(`${control}/login-codes?phone=%2B15550002`)).json()) as {
      code: string;
    };
    await expect(
      client.invoke(new Api.auth.SignIn({ phoneNumber: "+15550002", phoneCodeHash, phoneCode: code })),
    ).rejects.toThrow(/SESSION_PASSWORD_NEEDED/);
    const password = await client.invoke(new Api.account.GetPassword());
    expect(password.hint).toBe("a hint");
    await client.invoke(new Api.auth.CheckPassword({ password: await computeCheck(password, "pass word") }));
    expect((await client.getMe()).firstName).toBe("Pavel");
  });

  it.each([
    [["--account", "+15550001"], /--account \+15550001 must look like/],
    [["--account", "+1:x:X"], /PHONE_NUMBER_INVALID/],
    [["--user", "olga:Olga:5550001:+15550001", "--account", "+15550001:o:O"], /PHONE_NUMBER_OCCUPIED/],
    [["--rsa-private-key", "/nonexistent/key.pem"], /cannot read/],
  ])("exits with status 2 and a clear message for %j", async (args, message) => {
    const started = startCli(["--session-out", join(dir, "x.session"), ...args]);
    await expect(started).rejects.toThrow(message);
    expect(child!.exitCode).toBe(2);
  });
});
