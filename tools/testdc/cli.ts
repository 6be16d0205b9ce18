import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { startTestDc, type TestDcUser } from "./server.ts";

const USAGE = `Usage: npm run testdc -- --port <P> --control-port <C> --session-out <file> [--user username:FirstName:userId]

Starts a local MTProto test DC on 127.0.0.1 for the real GramJS client (test and demo tool only).
  --port          MTProto TCP port (default: a free port below 32768; GramJS StringSession cannot store higher ones)
  --control-port  control HTTP API port (default: a free port)
  --session-out   where to write the Telethon session file for this DC (default: ./testdc.session)
  --user          the account: username:FirstName:userId (default: demo_user:Demo:100000001)`;

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

function user(value: string | undefined): TestDcUser | undefined {
  if (value === undefined) return undefined;
  const match = /^([A-Za-z0-9_]{0,32}):([^:]+):(\d+)$/.exec(value);
  if (!match) fail("--user must look like username:FirstName:userId");
  const id = Number(match[3]);
  if (!Number.isSafeInteger(id) || id <= 0) fail("--user id must be a positive integer");
  return { username: match[1] || undefined, firstName: match[2]!, id };
}

let parsed: ReturnType<typeof parseArgs>;
try {
  parsed = parseArgs({
    options: {
      port: { type: "string" },
      "control-port": { type: "string" },
      "session-out": { type: "string" },
      user: { type: "string" },
      help: { type: "boolean" },
    },
  });
} catch (error) {
  fail((error as Error).message);
}
const values = parsed.values as Record<string, string | boolean | undefined>;
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

const dc = await startTestDc({
  port: mtprotoPort ?? 0,
  controlPort: port(values["control-port"] as string | undefined, "--control-port") ?? 0,
  sessionOut,
  user: user(values.user as string | undefined),
  onError: (error) =>
    process.stderr.write(`testdc: ${error instanceof Error ? error.message : String(error)}\n`),
});

const control = `http://127.0.0.1:${dc.controlPort}`;
process.stdout.write(
  [
    `test DC ${dc.dcId} listening on ${dc.host}:${dc.port} (MTProto over TCP: full, intermediate, abridged, obfuscated)`,
    `account: ${dc.user.firstName}${dc.user.username ? ` @${dc.user.username}` : ""} (id ${dc.user.id})`,
    `Telethon session written to ${sessionOut}`,
    `control API on ${control}: POST /messages /edit /disconnect /flood-wait /revoke /delay, GET /state`,
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
