import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const SERVER = fileURLToPath(new URL("./server.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("..", import.meta.url));

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "server-"));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
  return { ...env, DATA_DIR: path.join(dir, "data"), ...extra };
}

describe("sentinel/server.ts", () => {
  it("exits 1 listing every configuration problem, without printing secrets", () => {
    const secretHash = "not-a-hash-but-still-secret";
    const child = spawnSync(process.execPath, ["--import", "tsx", SERVER], {
      cwd: ROOT,
      env: cleanEnv({
        SENTINEL_API_PORT: "port",
        TG_API_ID: "1",
        TG_API_HASH: secretHash,
        TG_CONFIG_PATH: dir,
      }),
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(child.status).toBe(1);
    expect(child.stderr).toContain("tgsentinel sentinel: invalid configuration");
    expect(child.stderr).toContain("SENTINEL_API_PORT must be a port number");
    expect(child.stderr).toContain("TG_API_HASH must be 32 hexadecimal characters");
    expect(child.stderr).toContain("cannot be read (EISDIR)");
    expect(child.stdout + child.stderr).not.toContain(secretHash);
  });

  it("listens, says where, answers health, and exits 0 on SIGTERM", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", SERVER], {
      cwd: ROOT,
      env: cleanEnv({
        SENTINEL_API_PORT: "0",
        LOG_LEVEL: "warn",
        TG_CONFIG_PATH: path.join(ROOT, "config/tgsentinel.yml"),
      }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk) => {
      output += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const deadline = Date.now() + 20_000;
    let url: string | undefined;
    while (!url && Date.now() < deadline) {
      url = /listening on (http:\/\/\S+)\/api/.exec(output)?.[1];
      if (!url) await new Promise((r) => setTimeout(r, 50));
    }
    try {
      expect(url, output).toBeDefined();
      const health = await fetch(`${url}/api/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: "ok", service: "tgsentinel" });
      expect(fs.existsSync(path.join(dir, "data/sentinel.db"))).toBe(true);
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
  }, 30_000);
});
