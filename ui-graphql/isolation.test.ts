import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gql, login, uploadGql } from "./testing/graphql-client.ts";
import { telethonSession } from "./testing/session-files.ts";
import {
  ADMIN,
  redisUrl,
  SENTINEL_TOKEN,
  startSentinel,
  type TestSentinel,
  tempDir,
  testPrefix,
} from "./testing/system.ts";

/**
 * The UI never opens a path inside the sentinel's data directory. The UI runs as its own
 * process (`npm run ui`'s server.ts) with two independent observers:
 * - every path handed to node:fs is recorded by a preload (testing/fs-trace.ts);
 * - /proc/<pid>/fd is sampled every few ms, which also sees files opened by native code (SQLite).
 * Both are shown to work (they see ui.db) before their silence about the sentinel's directory counts.
 */
const here = path.dirname(new URL(import.meta.url).pathname);

let sentinel: TestSentinel;
let child: ChildProcess;
let url: string;
let uiDir: string;
let traceFile: string;
const fdTargets = new Set<string>();
let sampler: NodeJS.Timeout;

function sampleFds(pid: number) {
  try {
    for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
      try {
        fdTargets.add(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
      } catch {
        // closed between readdir and readlink
      }
    }
  } catch {
    // process gone
  }
}

beforeAll(async () => {
  const prefix = testPrefix();
  sentinel = await startSentinel({ prefix });
  uiDir = tempDir("ui-isolation-");
  traceFile = path.join(tempDir("ui-trace-"), "fs.log");
  child = spawn(
    process.execPath,
    ["--import", "tsx", "--import", path.join(here, "testing/fs-trace.ts"), path.join(here, "server.ts")],
    {
      cwd: path.resolve(here, ".."),
      env: {
        PATH: process.env.PATH,
        DATA_DIR: uiDir,
        SENTINEL_API_BASE_URL: sentinel.baseUrl,
        SENTINEL_API_TOKEN: SENTINEL_TOKEN,
        UI_SECRET_KEY: "isolation-test-secret-0123456789abcdef",
        UI_ADMIN_PASSWORD: ADMIN.password,
        UI_PORT: "0",
        UI_SESSION_AUTH_WAIT_MS: "3000",
        REDIS_URL: redisUrl(),
        REDIS_KEY_PREFIX: prefix,
        UI_FS_TRACE_FILE: traceFile,
        LOG_LEVEL: "info",
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  sampler = setInterval(() => sampleFds(child.pid!), 3);
  url = await new Promise<string>((resolve, reject) => {
    let buffered = "";
    const timer = setTimeout(() => reject(new Error(`UI did not start: ${buffered}`)), 25_000);
    child.stdout!.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const match = buffered.match(/"url":"(http:\/\/[^"]+)"/);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.stderr!.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
    });
    child.once("exit", (code) => reject(new Error(`UI exited with ${code}: ${buffered}`)));
  });
}, 40_000);

afterAll(async () => {
  clearInterval(sampler);
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await exited;
  }
  await sentinel?.close();
  fs.rmSync(uiDir, { recursive: true, force: true });
  fs.rmSync(path.dirname(traceFile), { recursive: true, force: true });
});

describe("the UI process", () => {
  it("opens nothing in the sentinel's data directory during login, upload and queries", async () => {
    const cookie = await login(url, ADMIN.username, ADMIN.password);
    const upload = await uploadGql(
      url,
      "mutation($file: Upload!) { uploadSession(file: $file) { imported } }",
      { bytes: telethonSession().bytes, name: "isolation.session" },
      cookie,
    );
    expect(upload.data).toEqual({ uploadSession: { imported: true } });
    // The sentinel did write its session into its own directory meanwhile.
    expect(fs.readdirSync(sentinel.dataDir)).toContain("tgsentinel.session");
    for (const query of [
      "{ workerStatus { authorized } }",
      "{ alerts { totalCount } }",
      "{ profiles { name } }",
      "{ stats { cachedAlerts } }",
    ]) {
      expect((await gql(url, query, {}, cookie)).errors).toBeUndefined();
    }
    const logout = await gql(url, "mutation { logoutTelegram { authorized } }", {}, cookie);
    expect(logout.errors).toBeUndefined();
    await new Promise((r) => setTimeout(r, 50));
    clearInterval(sampler);

    const sentinelDir = fs.realpathSync(sentinel.dir);
    const traced = fs
      .readFileSync(traceFile, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((p) => path.resolve(p));
    // Both observers work: they saw ui.db.
    const uiDb = path.join(fs.realpathSync(uiDir), "ui.db");
    expect(traced.some((p) => p.startsWith(fs.realpathSync(uiDir)) || p.startsWith(uiDir))).toBe(true);
    expect([...fdTargets]).toContain(uiDb);
    // Neither saw the sentinel's directory.
    expect(traced.filter((p) => p.startsWith(sentinelDir) || p.startsWith(sentinel.dir))).toEqual([]);
    expect([...fdTargets].filter((p) => p.startsWith(sentinelDir) || p.startsWith(sentinel.dir))).toEqual([]);
  });
});
