/**
 * The compose deployment without Docker: redis, the sentinel and the ui run as real processes with
 * exactly the environment docker-compose.yml gives their containers (plus the image's ENV), with
 * only what Docker itself provides mapped onto this machine: each named volume's /app/data onto a
 * temp directory of its own, /app/config onto ./config, the service hostnames onto 127.0.0.1 and
 * the container ports onto free ports. Then the seed's session-upload flow goes through them.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort, type SpawnedRedis, spawnRedis } from "@tgsentinel/contract/redis-server.ts";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseStoredSession } from "../sentinel/session/session-store.ts";
import { type ComposeService, loadCompose, serviceEnvironment, volumeMounts } from "./compose-model.ts";

const root = path.resolve(import.meta.dirname, "..");
const compose = loadCompose(path.join(root, "docker-compose.yml"));
const APPS = ["sentinel", "ui"] as const;
type App = (typeof APPS)[number];

/** What a user puts in .env (docs/deployment.md). */
const dotEnv = {
  SENTINEL_API_TOKEN: randomBytes(24).toString("hex"),
  UI_SECRET_KEY: randomBytes(32).toString("hex"),
  UI_ADMIN_PASSWORD: "deploy-Test-password-2026!",
};

/** The runtime image's ENV for a target stage, read from the Dockerfile (compose overrides it). */
function imageEnvironment(target: App): Record<string, string> {
  const lines = fs.readFileSync(path.join(root, "Dockerfile"), "utf8").replace(/\\\n/g, " ").split("\n");
  const stages = new Map<string, Record<string, string>>();
  let current: Record<string, string> | undefined;
  for (const line of lines.map((l) => l.trim())) {
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) {
      current = { ...(stages.get(from[1]!) ?? {}) };
      stages.set(from[2] ?? `#${stages.size}`, current);
    } else if (/^ENV\s/i.test(line) && current) {
      for (const m of line.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=(\S+)/g)) current[m[1]!] = m[2]!;
    }
  }
  return Object.fromEntries(
    Object.entries(stages.get(target) ?? {}).filter(([k]) => !k.startsWith("npm_config")),
  );
}

interface HostMapping {
  dataDir: string;
  configDir: string;
  /** container port → port on this machine */
  ports: Record<string, number>;
}

/** Maps container paths, service hostnames and container ports onto this machine. */
function mapOntoHost(env: Record<string, string>, mapping: HostMapping): Record<string, string> {
  const hosts = new Set(Object.keys(compose.services));
  const out: Record<string, string> = {};
  for (const [key, raw] of Object.entries(env)) {
    let value = raw.replaceAll("/app/data", mapping.dataDir).replaceAll("/app/config", mapping.configDir);
    if (key.endsWith("_PORT") && value in mapping.ports) value = String(mapping.ports[value]);
    if (key.endsWith("_HOST") && hosts.has(value)) value = "127.0.0.1";
    if (/^https?:\/\//.test(value)) {
      const url = new URL(value);
      if (hosts.has(url.hostname)) {
        url.hostname = "127.0.0.1";
        if (url.port in mapping.ports) url.port = String(mapping.ports[url.port]);
        value = url.toString().replace(/\/$/, value.endsWith("/") ? "/" : "");
      }
    }
    out[key] = value;
  }
  return out;
}

/** The service's own compose healthcheck, pointed at the mapped port, run as Docker would. */
function runHealthcheck(service: ComposeService, ports: Record<string, number>): Promise<number | null> {
  const test = service.healthcheck!.test as string[];
  expect(test[0]).toBe("CMD");
  const args = test
    .slice(2)
    .map((a) => a.replace(/127\.0\.0\.1:(\d+)/, (_m, p: string) => `127.0.0.1:${ports[p] ?? p}`));
  const child = spawn(test[1]!, args, { stdio: "ignore" });
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

async function waitHealthy(
  app: App,
  ports: Record<string, number>,
  process: ChildProcess,
  log: () => string,
) {
  const deadline = Date.now() + 45_000;
  for (;;) {
    if (process.exitCode !== null) throw new Error(`${app} exited with ${process.exitCode}:\n${log()}`);
    if ((await runHealthcheck(compose.services[app]!, ports)) === 0) return;
    if (Date.now() > deadline) throw new Error(`${app} never became healthy:\n${log()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A Telethon v1 session file, as Telethon writes it (version 7), with a 256-byte auth key. */
function telethonSession(file: string): Buffer {
  const db = new Database(file);
  db.exec(`
    CREATE TABLE version (version integer primary key);
    CREATE TABLE sessions (dc_id integer primary key, server_address text, port integer, auth_key blob, takeout_id integer);
    CREATE TABLE entities (id integer primary key, hash integer not null, username text, phone integer, name text, date integer);
    CREATE TABLE sent_files (md5_digest blob, file_size integer, type integer, id integer, hash integer, primary key(md5_digest, file_size, type));
    CREATE TABLE update_state (id integer primary key, pts integer, qts integer, date integer, seq integer);
  `);
  db.prepare("INSERT INTO version VALUES (7)").run();
  db.prepare("INSERT INTO sessions VALUES (?, ?, ?, ?, NULL)").run(
    2,
    "149.154.167.51",
    443,
    randomBytes(256),
  );
  db.close();
  return fs.readFileSync(file);
}

describe("the compose stack as processes", () => {
  let tmp: string;
  let redis: SpawnedRedis;
  const dataDirs = {} as Record<App, string>;
  const envs = {} as Record<App, Record<string, string>>;
  const children = {} as Record<App, ChildProcess>;
  const logs = { sentinel: "", ui: "" } as Record<App, string>;
  const ports: Record<string, number> = {};

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tgs-stack-"));
    redis = await spawnRedis();
    ports["6379"] = redis.port;
    ports["8080"] = await freePort();
    ports["5000"] = await freePort();
    for (const app of APPS) {
      const service = compose.services[app]!;
      const volume = volumeMounts(service).find((m) => m.named && m.target === "/app/data")!;
      dataDirs[app] = path.join(tmp, volume.source);
      fs.mkdirSync(dataDirs[app], { mode: 0o777 });
      const config = volumeMounts(service).find((m) => m.target === "/app/config")!;
      const containerEnv = { ...imageEnvironment(app), ...serviceEnvironment(service, dotEnv) };
      envs[app] = mapOntoHost(containerEnv, {
        dataDir: dataDirs[app],
        configDir: path.resolve(root, config.source),
        ports,
      });
    }
    // depends_on: sentinel after redis, ui after the sentinel is healthy; the Dockerfile's CMD.
    const entry: Record<App, string> = { sentinel: "sentinel/server.ts", ui: "ui-graphql/server.ts" };
    for (const app of APPS) {
      const child = spawn(process.execPath, ["--import", "tsx", entry[app]], {
        cwd: root,
        env: { PATH: process.env.PATH ?? "", HOME: tmp, ...envs[app] },
        stdio: ["ignore", "pipe", "pipe"],
      });
      children[app] = child;
      child.stdout!.on("data", (c) => {
        logs[app] += c;
      });
      child.stderr!.on("data", (c) => {
        logs[app] += c;
      });
      await waitHealthy(app, ports, child, () => logs[app]);
    }
  }, 120_000);

  afterAll(async () => {
    for (const app of [...APPS].reverse()) {
      const child = children[app];
      if (child && child.exitCode === null && child.signalCode === null) {
        child.kill("SIGKILL");
        await new Promise((r) => child.once("exit", r));
      }
    }
    await redis?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("starts both services from compose's environment and passes compose's health checks", async () => {
    expect(envs.sentinel.DB_URI).toBe(`sqlite:///${dataDirs.sentinel}/sentinel.db`);
    expect(envs.ui.SENTINEL_API_BASE_URL).toBe(`http://127.0.0.1:${ports["8080"]}/api`);
    for (const app of APPS) expect(await runHealthcheck(compose.services[app]!, ports)).toBe(0);
    const health = await fetch(`http://127.0.0.1:${ports["8080"]}/api/health`).then((r) => r.json());
    expect(health).toMatchObject({ status: "ok", service: "tgsentinel" });
    // Every route but health needs the shared token.
    expect((await fetch(`http://127.0.0.1:${ports["8080"]}/api/status`)).status).toBe(401);
    // Secrets from .env never reach the logs.
    for (const app of APPS) {
      for (const secret of Object.values(dotEnv)) expect(logs[app]).not.toContain(secret);
    }
  });

  it("runs the seed's session upload: UI login, POST /api/session/upload, the session lands only in the sentinel's volume", async () => {
    const ui = `http://127.0.0.1:${ports["5000"]}`;
    const login = await fetch(`${ui}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        query: "mutation Login($u: String!, $p: String!) { login(username: $u, password: $p) { username } }",
        variables: { u: "admin", p: dotEnv.UI_ADMIN_PASSWORD },
      }),
    });
    const loginBody = (await login.json()) as { data?: { login: { username: string } }; errors?: unknown };
    expect(loginBody.errors, JSON.stringify(loginBody.errors)).toBeUndefined();
    expect(loginBody.data?.login.username).toBe("admin");
    const cookie = login.headers.getSetCookie().find((c) => c.startsWith("tgs_session="));
    expect(cookie).toBeDefined();

    const sessionBytes = telethonSession(path.join(tmp, "my_dutch.session"));
    const form = new FormData();
    form.append("session_file", new Blob([sessionBytes]), "my_dutch.session");
    const upload = await fetch(`${ui}/api/session/upload`, {
      method: "POST",
      headers: { cookie: cookie!.split(";")[0]! },
      body: form,
    });
    const uploadBody = (await upload.json()) as { status: string; data: Record<string, unknown> | null };
    expect(upload.status, JSON.stringify(uploadBody)).toBe(200);
    expect(uploadBody.status).toBe("ok");
    expect(uploadBody.data?.imported).toBe(true);

    const sessionFile = path.join(dataDirs.sentinel, "tgsentinel.session");
    expect(envs.sentinel.TG_SESSION_PATH).toBe(sessionFile);
    expect(fs.statSync(sessionFile).mode & 0o777).toBe(0o660);
    const stored = parseStoredSession(fs.readFileSync(sessionFile, "utf8"));
    expect(stored).toMatchObject({
      format: "tgsentinel-session",
      dc_id: 2,
      server_address: "149.154.167.51",
    });
    expect(fs.readdirSync(dataDirs.sentinel)).toEqual(
      expect.arrayContaining(["sentinel.db", "tgsentinel.session"]),
    );
    // The seed's checklist: the UI's volume holds ui.db and nothing else.
    const uiFiles = fs.readdirSync(dataDirs.ui);
    expect(uiFiles).toContain("ui.db");
    expect(uiFiles.filter((name) => !/^ui\.db(-wal|-shm|-journal)?$/.test(name))).toEqual([]);
  });

  it("backs up each container's own data while it runs, and restore refuses while the service runs", async () => {
    const run = (app: App, script: string, args: string[]) => {
      const child = spawn(process.execPath, ["--import", "tsx", `scripts/${script}.ts`, ...args], {
        cwd: root,
        env: { PATH: process.env.PATH ?? "", HOME: tmp, ...envs[app] },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      child.stdout!.on("data", (c) => {
        out += c;
      });
      child.stderr!.on("data", (c) => {
        out += c;
      });
      return new Promise<{ code: number | null; out: string }>((resolve) =>
        child.once("exit", (code) => resolve({ code, out })),
      );
    };
    // `docker compose exec sentinel npm run backup -- --out /app/data/backups/…`
    const sentinelOut = path.join(dataDirs.sentinel, "backups", "one");
    const sentinelBackup = await run("sentinel", "backup", [
      "--out",
      sentinelOut,
      "--include-session",
      "--json",
    ]);
    expect(sentinelBackup.code, sentinelBackup.out).toBe(0);
    const sentinelManifest = JSON.parse(fs.readFileSync(path.join(sentinelOut, "manifest.json"), "utf8"));
    expect(sentinelManifest.databases.map((d: { service: string }) => d.service)).toEqual(["sentinel"]);
    expect(sentinelManifest.session.file).toBe("tgsentinel.session");
    expect(sentinelManifest.absent.map((a: { item: string }) => a.item)).toEqual(["ui"]);

    const uiOut = path.join(dataDirs.ui, "backups", "one");
    const uiBackup = await run("ui", "backup", ["--out", uiOut]);
    expect(uiBackup.code, uiBackup.out).toBe(0);
    const uiManifest = JSON.parse(fs.readFileSync(path.join(uiOut, "manifest.json"), "utf8"));
    expect(uiManifest.databases.map((d: { service: string }) => d.service)).toEqual(["ui"]);
    expect(uiManifest.databases[0].tables.users).toBe(1);

    for (const [app, dir] of [
      ["sentinel", sentinelOut],
      ["ui", uiOut],
    ] as const) {
      const refused = await run(app, "restore", ["--from", dir]);
      expect(refused.code, refused.out).toBe(3);
      expect(refused.out).toContain(`the ${app} is running`);
      expect(refused.out).toContain(`docker compose stop ${app}`);
    }
  });

  it("stops cleanly on SIGTERM, as docker compose stop sends it", async () => {
    for (const app of [...APPS].reverse()) {
      const child = children[app];
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      child.kill("SIGTERM");
      expect(await exited, logs[app]).toBe(0);
    }
  });
});
