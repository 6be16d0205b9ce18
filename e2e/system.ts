import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";

/** The repository root. */
export const ROOT = path.resolve(import.meta.dirname, "..");

/** What the tests use to log in (the first-run admin account). */
export const ADMIN = { username: "admin", password: "e2e-correct-horse" };

/** A free TCP port on loopback (asked of the OS, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Builds the web UI so the run sees the current code (skipped with E2E_SKIP_BUILD=1). */
export function buildWebUi(): void {
  if (process.env.E2E_SKIP_BUILD === "1") return;
  const result = spawnSync("npm", ["run", "build", "-w", "ui-web"], { cwd: ROOT, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`the web UI did not build:\n${result.stdout}\n${result.stderr}`);
}

export interface SystemOptions {
  dataDir?: string;
  uiPort?: number;
  sentinelPort?: number;
}

/** One running `npm start` system. */
export interface RunningSystem {
  baseUrl: string;
  dataDir: string;
  uiPort: number;
  sentinelPort: number;
  /** Everything the process printed (for failure messages). */
  output(): string;
  /** SIGTERM, then SIGKILL after a grace period; resolves when the process is gone. */
  stop(): Promise<void>;
}

/**
 * Starts the system exactly as `npm start` does (scripts/start.ts), in embedded mode (no Redis:
 * the child gets neither REDIS_URL nor REDIS_HOST, so parallel runs never share channels), with
 * its own data directory and ports, and waits until the UI answers.
 */
export async function startSystem(options: SystemOptions = {}): Promise<RunningSystem> {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), "tgsentinel-e2e-"));
  const uiPort = options.uiPort ?? (await freePort());
  const sentinelPort = options.sentinelPort ?? (await freePort());
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.REDIS_URL;
  delete env.REDIS_HOST;
  delete env.REDIS_PORT;
  Object.assign(env, {
    DATA_DIR: dataDir,
    UI_PORT: String(uiPort),
    SENTINEL_API_PORT: String(sentinelPort),
    UI_ADMIN_USERNAME: ADMIN.username,
    UI_ADMIN_PASSWORD: ADMIN.password,
    // The test DC accepts any credentials; the hash only has to look like one.
    TG_API_ID: "12345",
    TG_API_HASH: "0123456789abcdef0123456789abcdef",
    LOG_LEVEL: "warn",
  });
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const baseUrl = `http://127.0.0.1:${uiPort}`;

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the system exited during start-up:\n${output}`);
    try {
      const res = await fetch(`${baseUrl}/`, { signal: AbortSignal.timeout(2_000) });
      if (res.ok && (await res.text()).includes('<div id="app">')) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`the system did not answer within 60 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }

  return {
    baseUrl,
    dataDir,
    uiPort,
    sentinelPort,
    output: () => output,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 12_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
