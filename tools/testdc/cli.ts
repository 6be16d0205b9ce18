import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { startTestDc, type TestDcAccount, TestDcInputError, type TestDcUser } from "./server.ts";

const USAGE = `Usage: npm run testdc -- --port <P> --control-port <C> --session-out <file> [--user username:FirstName:userId[:phone]]
         [--account +15550001:username:FirstName[:password[:hint]]]... [--public-key-out <file>] [--rsa-private-key <file>]

Starts a local MTProto test DC on 127.0.0.1 for the real GramJS client (test and demo tool only).
  --port             MTProto TCP port (default: a free port below 32768; GramJS StringSession cannot store higher ones)
  --control-port     control HTTP API port (default: a free port)
  --session-out      where to write the Telethon session file of the default account (default: ./testdc.session)
  --user             the default account: username:FirstName:userId[:phone] (default: demo_user:Demo:100000001:+15550000)
  --account          another account to log in to by phone (repeatable); with a password it has 2FA.
                     Username may be empty; password and hint cannot contain ":".
  --public-key-out   write the DC's RSA public key there (PEM): clients must trust it to create auth keys
  --rsa-private-key  use this RSA private key (PEM, 2048-bit) instead of a fresh one`;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}\n`);
  process.exit(2);
}

function port(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) fail(`${name} must be a port number`);
  return n;
}

function user(value: string | undefined): { user?: TestDcUser; phone?: string } {
  if (value === undefined) return {};
  const match = /^([A-Za-z0-9_]{0,32}):([^:]+):(\d+)(?::([^:]+))?$/.exec(value);
  if (!match) fail("--user must look like username:FirstName:userId[:phone]");
  const id = Number(match[3]);
  if (!Number.isSafeInteger(id) || id <= 0) fail("--user id must be a positive integer");
  return { user: { username: match[1] || undefined, firstName: match[2]!, id }, phone: match[4] };
}

function account(value: string): TestDcAccount {
  const [phone, username, firstName, password, hint, ...rest] = value.split(":");
  if (!phone || username === undefined || !firstName || rest.length > 0)
    fail(`--account ${value} must look like +15550001:username:FirstName[:password[:hint]]`);
  return {
    phone,
    user: { ...(username ? { username } : {}), firstName },
    ...(password ? { password } : {}),
    ...(hint ? { hint } : {}),
  };
}

function readKey(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    fail(`--rsa-private-key: cannot read ${file}: ${(error as Error).message}`);
  }
}

let parsed: ReturnType<typeof parseArgs>;
try {
  parsed = parseArgs({
    options: {
      port: { type: "string" },
      "control-port": { type: "string" },
      "session-out": { type: "string" },
      user: { type: "string" },
      account: { type: "string", multiple: true },
      "public-key-out": { type: "string" },
      "rsa-private-key": { type: "string" },
      help: { type: "boolean" },
    },
  });
} catch (error) {
  fail((error as Error).message);
}
const values = parsed.values as Record<string, string | string[] | boolean | undefined>;
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const mtprotoPort = port(values.port as string | undefined, "--port");
if (mtprotoPort !== undefined && mtprotoPort > 32767) {
  process.stderr.write(
    "warning: GramJS StringSession stores ports as signed 16-bit numbers; ports above 32767 break it\n",
  );
}
const sessionOut = resolve((values["session-out"] as string | undefined) ?? "testdc.session");

const defaultAccount = user(values.user as string | undefined);
const publicKeyOut = values["public-key-out"] as string | undefined;
let dc: Awaited<ReturnType<typeof startTestDc>>;
try {
  dc = await startTestDc({
    port: mtprotoPort ?? 0,
    controlPort: port(values["control-port"] as string | undefined, "--control-port") ?? 0,
    sessionOut,
    user: defaultAccount.user,
    userPhone: defaultAccount.phone,
    accounts: ((values.account as string[] | undefined) ?? []).map(account),
    rsaPrivateKey: readKey(values["rsa-private-key"] as string | undefined),
    onError: (error) =>
      process.stderr.write(`testdc: ${error instanceof Error ? error.message : String(error)}\n`),
  });
} catch (error) {
  if (error instanceof TestDcInputError) fail(`${error.code}: ${error.message}`);
  throw error;
}
if (publicKeyOut) writeFileSync(resolve(publicKeyOut), dc.publicKeyPem);

const control = `http://127.0.0.1:${dc.controlPort}`;
process.stdout.write(
  [
    `test DC ${dc.dcId} listening on ${dc.host}:${dc.port} (MTProto over TCP: full, intermediate, abridged, obfuscated)`,
    ...dc
      .accounts()
      .map(
        (a) =>
          `account: ${a.firstName}${a.username ? ` @${a.username}` : ""} (id ${a.id}, phone ${a.phone}${a.hasPassword ? ", 2FA password" : ""})`,
      ),
    `Telethon session of ${dc.user.firstName} written to ${sessionOut}`,
    `RSA public key fingerprint ${dc.publicKeyFingerprint}${publicKeyOut ? ` written to ${resolve(publicKeyOut)}` : " (use --public-key-out to save it)"}`,
    `control API on ${control}: POST /messages /edit /disconnect /flood-wait /revoke /delay /accounts, GET /state /login-codes?phone=`,
    `try: curl -s ${control}/messages -H 'content-type: application/json' -d '{"chat":{"id":1001,"title":"News","type":"channel"},"text":"hello"}'`,
    "",
  ].join("\n"),
);

const shutdown = () => {
  dc.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once("SIGINT", shutdown);
process.once("SIGTERM", shutdown);
