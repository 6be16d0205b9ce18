/**
 * Runs a command (the test runner) with REDIS_URL pointing at a real Redis:
 * REDIS_URL if set, else the Redis on 127.0.0.1:6379, else a redis-server started from PATH on a
 * free port (stopped afterwards), else it fails saying how to install one. Never a silent skip.
 */
import { spawn } from "node:child_process";
import { pingRedis, redisServerAvailable, type SpawnedRedis, spawnRedis } from "../contract/redis-server.ts";

async function findRedis(): Promise<{ url: string; spawned?: SpawnedRedis }> {
  const fromEnv = process.env.REDIS_URL;
  if (fromEnv) return { url: fromEnv };
  if (await pingRedis("127.0.0.1", 6379)) return { url: "redis://127.0.0.1:6379" };
  if (!redisServerAvailable()) {
    console.error(
      "Tests need Redis, and none answers on 127.0.0.1:6379 and redis-server is not on PATH.\n" +
        "Install it (Debian/Ubuntu: sudo apt-get install -y redis-server), start it, or set REDIS_URL.",
    );
    process.exit(1);
  }
  const spawned = await spawnRedis();
  console.error(`Started a private redis-server at ${spawned.url}`);
  return { url: spawned.url, spawned };
}

const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error("usage: tsx scripts/with-redis.ts <command> [args…]");
  process.exit(2);
}
const redis = await findRedis();
const child = spawn(command, args, {
  stdio: "inherit",
  shell: process.platform === "win32",
  env: { ...process.env, REDIS_URL: redis.url },
});
const forward = (signal: NodeJS.Signals) => child.kill(signal);
process.on("SIGINT", forward);
process.on("SIGTERM", forward);
child.on("exit", async (code, signal) => {
  await redis.spawned?.stop();
  process.exit(code ?? (signal ? 1 : 0));
});
