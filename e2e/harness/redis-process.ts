/**
 * A private redis-server for one fault test (contract/redis-server.ts spawnRedis on a free
 * port), which the test can stop and start again on the same port to cut Redis out from under
 * the services. No persistence: what Redis held is gone after a stop, as after a real crash of
 * a Redis without AOF.
 */
import { freePort, type SpawnedRedis, spawnRedis } from "../../contract/redis-server.ts";

export class RedisProcess {
  private server: SpawnedRedis | null = null;

  private constructor(readonly port: number) {}

  /** Starts redis-server on a free port. */
  static async start(): Promise<RedisProcess> {
    const redis = new RedisProcess(await freePort());
    await redis.resume();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.server !== null;
  }

  /** Kills redis-server (SIGKILL); clients see their connections drop. */
  async kill(): Promise<void> {
    const server = this.server;
    this.server = null;
    await server?.stop();
  }

  /** Starts redis-server again on the same port (empty). */
  async resume(): Promise<void> {
    if (this.server) return;
    this.server = await spawnRedis(this.port);
  }
}
