/**
 * A full run of the system (session upload through the UI, messages, alerts, digests, logins,
 * a refused import, a revoked key) with both services at LOG_LEVEL=debug, then a search of
 * everything it left behind (both services' stdout/stderr, every HTTP answer the test received,
 * ui.db and sentinel.db with their WAL files, every Redis key and value) for the secrets: the auth
 * key (raw, hex, base64 and base64url at every byte alignment, so a GramJS string session is
 * found too), the API hash, the API token, the admin password, the UI secret key and the UI
 * session cookie. None may appear anywhere (the cookie only in its own Set-Cookie header).
 */
import fs from "node:fs";
import path from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collect, wsClient } from "../../ui-graphql/testing/graphql-client.ts";
import type { HttpAnswer } from "../harness/http.ts";
import { RedisProcess } from "../harness/redis-process.ts";
import { FAULTS_CONFIG_YAML, SentinelProcess } from "../harness/sentinel-process.ts";
import { TEST_API, TelegramAccount } from "../harness/telegram-account.ts";
import { UiProcess } from "../harness/ui-process.ts";
import { waitFor } from "../harness/wait.ts";
import { makeWorkDir, type WorkDir } from "../harness/work-dir.ts";

const PROFILE_YAML = FAULTS_CONFIG_YAML.replace(
  "profiles: []",
  "profiles:\n  - name: urgent\n    threshold: 1\n    keywords: [{term: urgent, weight: 2}, {term: outage, weight: 2}]",
);

let work: WorkDir;
let redis: RedisProcess;
let account: TelegramAccount;
let sentinel: SentinelProcess;
let ui: UiProcess;
/** Every answer the test received, headers and body, for the scan. */
const transcripts: string[] = [];

function record(answer: { status: number; headers?: Headers; text: string }, cookieToken?: string): void {
  const headers: string[] = [];
  answer.headers?.forEach((value, key) => {
    // The session cookie is where the cookie token belongs; everything else is scanned.
    if (key === "set-cookie" && cookieToken)
      headers.push(`${key}: ${value.replaceAll(cookieToken, "<cookie>")}`);
    else headers.push(`${key}: ${value}`);
  });
  transcripts.push(`${answer.status}\n${headers.join("\n")}\n${answer.text}`);
}

beforeAll(async () => {
  work = makeWorkDir("secrets");
  redis = await RedisProcess.start();
  account = await TelegramAccount.start(work.path);
  sentinel = await SentinelProcess.start({
    workDir: work.path,
    redisUrl: redis.url,
    telegram: TEST_API,
    configYaml: PROFILE_YAML,
    env: { LOG_LEVEL: "debug" },
  });
  ui = await UiProcess.start({
    workDir: work.path,
    sentinel,
    redisUrl: redis.url,
    env: { LOG_LEVEL: "debug" },
  });
});

afterAll(async () => {
  await ui?.kill9();
  await sentinel?.kill9();
  await account?.stop();
  await redis?.kill();
  work?.remove();
});

/** Ways a secret can be written down: as is, and for bytes hex and base64 at every alignment. */
function needles(label: string, secret: string | Buffer): Array<{ label: string; needle: Buffer }> {
  if (typeof secret === "string") return [{ label, needle: Buffer.from(secret) }];
  const out = [
    { label: `${label} (raw bytes)`, needle: secret.subarray(0, 32) },
    { label: `${label} (hex)`, needle: Buffer.from(secret.subarray(0, 32).toString("hex")) },
    { label: `${label} (HEX)`, needle: Buffer.from(secret.subarray(0, 32).toString("hex").toUpperCase()) },
  ];
  for (let offset = 0; offset < 3; offset++) {
    const slice = secret.subarray(offset, offset + 30);
    out.push({ label: `${label} (base64 @${offset})`, needle: Buffer.from(slice.toString("base64")) });
    out.push({ label: `${label} (base64url @${offset})`, needle: Buffer.from(slice.toString("base64url")) });
  }
  return out;
}

function filesOf(file: string): string[] {
  return [file, `${file}-wal`, `${file}-shm`, `${file}-journal`].filter((f) => fs.existsSync(f));
}

async function redisDump(): Promise<string> {
  const client = new Redis(redis.url, { lazyConnect: false, maxRetriesPerRequest: 1 });
  try {
    const parts: string[] = [];
    for (const key of await client.keys("*")) {
      const type = await client.type(key);
      const value =
        type === "string"
          ? await client.get(key)
          : type === "hash"
            ? JSON.stringify(await client.hgetall(key))
            : type === "list"
              ? JSON.stringify(await client.lrange(key, 0, -1))
              : type === "zset"
                ? JSON.stringify(await client.zrange(key, 0, -1))
                : type === "set"
                  ? JSON.stringify(await client.smembers(key))
                  : "";
      parts.push(`${key} = ${value}`);
    }
    return parts.join("\n");
  } finally {
    client.disconnect();
  }
}

describe("secrets in logs, answers and databases", () => {
  it("finds no secret anywhere after a full run", async () => {
    // Log in (once wrongly), upload the session through the UI (REST and GraphQL), wait for authorization.
    record(await ui.request("/api/health"));
    const wrong = await ui.gql('mutation { login(username: "admin", password: "not-the-password") { id } }');
    record({ status: wrong.status, text: wrong.text });
    const login = await ui.request("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        query: "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { id username } }",
        variables: { u: ui.admin.username, p: ui.admin.password },
      }),
    });
    const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
    const cookieToken = cookie.split("=")[1]!;
    record(login, cookieToken);
    const gql = async (query: string, variables: Record<string, unknown> = {}) => {
      const answer = await ui.gql(query, variables, cookie);
      record({ status: answer.status, text: answer.text });
      return answer;
    };
    const ws = wsClient(ui.url, cookie);
    const statuses = collect<{ workerStatus: unknown }>(
      ws,
      "subscription { workerStatus { authorized connected lastError user { id username } } }",
    );
    const alertsLive = collect<{ alertAdded: unknown }>(
      ws,
      "subscription { alertAdded { id text reasons { raw } } }",
    );

    const sessionBytes = fs.readFileSync(account.sessionFile);
    const restForm = new FormData();
    restForm.append("session_file", new Blob([new Uint8Array(sessionBytes)]), "testdc.session");
    const restUpload = await ui.request("/api/session/upload", {
      method: "POST",
      body: restForm,
      headers: { cookie },
      timeoutMs: 30_000,
    });
    record(restUpload);
    expect(restUpload.status, restUpload.text).toBe(200);
    const gqlForm = new FormData();
    gqlForm.append(
      "operations",
      JSON.stringify({
        query:
          "mutation($f: Upload!) { uploadSession(file: $f) { imported authorized sessionSize status { authorized } user { id username firstName } error { code message } } }",
        variables: { f: null },
      }),
    );
    gqlForm.append("map", JSON.stringify({ 0: ["variables.f"] }));
    gqlForm.append("0", new Blob([new Uint8Array(sessionBytes)]), "testdc.session");
    const gqlUpload = await ui.request("/graphql", {
      method: "POST",
      body: gqlForm,
      headers: { cookie, "x-graphql-yoga-csrf": "1" },
      timeoutMs: 30_000,
    });
    record(gqlUpload);
    expect(
      (gqlUpload.json as { data: { uploadSession: { authorized: boolean } } }).data.uploadSession.authorized,
    ).toBe(true);
    // A refused import (a damaged copy of the same file) goes through the error paths.
    const damaged = Buffer.from(sessionBytes);
    damaged.fill(0, 100, 4096);
    record(await sentinel.importJson(damaged));

    // Messages, alerts, digests, every query the UI offers, the sentinel's own routes.
    for (let i = 0; i < 12; i++) account.push(i, i % 3 === 0 ? `urgent: outage ${i}` : `hello ${i}`);
    await alertsLive.waitFor((items) => items.length >= 4, 30_000);
    record(
      await sentinel.api("/digests/run", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      }),
    );
    for (const query of [
      "{ me { id username } uiSessions { id current clientAddress userAgent } }",
      "{ workerStatus { authorized connected lastError lastSync user { id username firstName } rateLimit { active details } } }",
      "{ alerts(first: 50) { edges { node { id text chatTitle senderName reasons { raw kind term text } } } } }",
      "{ stats { raw messagesIngested alertsCreated } chats { id title } profiles { name definition } }",
      "{ digestRuns { id content alertCount error } auditLog(first: 100) { edges { node { action actor target detail outcome } } } settings { key value } health { status } }",
    ]) {
      const answer = await gql(query);
      expect(answer.errors, answer.text).toBeUndefined();
    }
    for (const route of [
      "/status",
      "/stats",
      "/alerts?limit=500",
      "/chats",
      "/profiles",
      "/digests",
      "/health",
    ]) {
      const answer: HttpAnswer = await sentinel.api(route);
      record(answer);
      expect(answer.status, route).toBe(200);
    }
    // A revoked key: the failure path logs and reports the error.
    account.dc.revoke();
    account.dc.disconnectAll();
    await waitFor(async () => !(await sentinel.status()).authorized, "the revocation to show");
    record(await sentinel.api("/status"));
    record({ status: 0, text: JSON.stringify(statuses.items) + JSON.stringify(alertsLive.items) });
    statuses.dispose();
    alertsLive.dispose();
    await ws.dispose();
    await gql("mutation { logout }");

    // Stop cleanly so every log line is flushed, then collect the haystacks.
    await ui.stop();
    await sentinel.stop();
    const haystacks: Array<{ where: string; bytes: Buffer; cookieAllowed?: boolean }> = [
      { where: "sentinel stdout/stderr", bytes: Buffer.from(sentinel.service.output()) },
      { where: "ui stdout/stderr", bytes: Buffer.from(ui.service.output()) },
      { where: "HTTP answers", bytes: Buffer.from(transcripts.join("\n\n")) },
      { where: "redis", bytes: Buffer.from(await redisDump()) },
      ...filesOf(sentinel.databaseFile).map((file) => ({
        where: path.basename(file),
        bytes: fs.readFileSync(file),
      })),
      ...filesOf(ui.dbFile).map((file) => ({ where: path.basename(file), bytes: fs.readFileSync(file) })),
    ];
    expect(haystacks.find((h) => h.where === "sentinel.db")!.bytes.length).toBeGreaterThan(0);
    expect(haystacks.find((h) => h.where === "ui.db")!.bytes.length).toBeGreaterThan(0);
    // The run did what it should: the logs and answers are about the real activity.
    expect(sentinel.service.output()).toContain("session imported");
    expect(transcripts.join("\n")).toContain("urgent: outage");

    const secrets = [
      ...needles("auth key", account.dc.authKey),
      ...needles("API hash", TEST_API.apiHash),
      ...needles("API token", sentinel.token),
      ...needles("admin password", ui.admin.password),
      ...needles("UI secret key", ui.secretKey),
      ...needles("UI session cookie", cookieToken),
    ];
    // Positive control: the scan does find the key where it is meant to be (the stored session).
    const stored = fs.readFileSync(sentinel.sessionPath);
    expect(secrets.some((s) => s.label.startsWith("auth key") && stored.includes(s.needle))).toBe(true);
    const found: string[] = [];
    for (const haystack of haystacks) {
      for (const secret of secrets) {
        if (haystack.bytes.includes(secret.needle)) found.push(`${secret.label} in ${haystack.where}`);
      }
    }
    expect(found).toEqual([]);
  });
});
