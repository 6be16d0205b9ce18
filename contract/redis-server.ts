import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import net from "node:net";

/** How long a spawned redis-server may take to answer PING. */
export const REDIS_START_TIMEOUT_MS = 10_000;

export interface SpawnedRedis {
  port: number;
  url: string;
  stop(): Promise<void>;
}

export function redisServerAvailable(): boolean {
  return spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status === 0;
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Sends PING over a raw socket; true when Redis answers +PONG (or -NOAUTH: it is there). */
export function pingRedis(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on("error", () => done(false));
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk) => done(/^(\+PONG|-NOAUTH)/.test(chunk.toString())));
  });
}

/**
 * Starts a throw-away redis-server (no persistence) on `port` or a free one, for tests and for
 * `npm test` on a machine without a running Redis.
 */
export async function spawnRedis(port?: number): Promise<SpawnedRedis> {
  const p = port ?? (await freePort());
  const child: ChildProcess = spawn(
    "redis-server",
    ["--port", String(p), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--loglevel", "warning"],
    { stdio: "ignore" },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const deadline = Date.now() + REDIS_START_TIMEOUT_MS;
  while (!(await pingRedis("127.0.0.1", p, 300))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`redis-server did not start on port ${p}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port: p,
    url: `redis://127.0.0.1:${p}`,
    async stop() {
      if (child.exitCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}
