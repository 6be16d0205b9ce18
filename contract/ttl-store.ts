import type { Redis } from "ioredis";
import { connectRedis, type RedisTarget, whenReady } from "./redis-connection.ts";

export interface TtlEntry {
  key: string;
  value: string;
  ttlMs: number;
}

/**
 * Small state that expires by itself: flood waits, alert caps per hour, login attempt counters.
 * Keys are given without the service prefix; the adapter adds it. Redis errors reject: callers
 * decide whether to fail open (rate limits) or report.
 */
export interface TtlStore {
  readonly kind: "redis" | "memory";
  set(key: string, value: string, ttlMs: number): Promise<void>;
  get(key: string): Promise<string | null>;
  /** Remaining time to live in ms, or null when the key does not exist. */
  ttl(key: string): Promise<number | null>;
  /** Fixed-window counter: increments and starts the window on the first increment. */
  incr(key: string, windowMs: number): Promise<number>;
  /** The values of several keys in one round trip (null where a key does not exist). */
  getMany(keys: readonly string[]): Promise<Array<string | null>>;
  /**
   * Adds `amount` to each key's fixed-window counter in one round trip (each as `incr` would,
   * amount times): a key's window starts with its first increment. New counts, in map order.
   */
  incrMany(amounts: ReadonlyMap<string, number>, windowMs: number): Promise<number[]>;
  delete(key: string): Promise<void>;
  /** Every live entry whose key starts with `prefix`. */
  list(prefix: string): Promise<TtlEntry[]>;
  close(): Promise<void>;
}

export class MemoryTtlStore implements TtlStore {
  readonly kind = "memory" as const;
  private readonly entries = new Map<string, { value: string; expiresAt: number }>();
  constructor(private readonly now: () => number = Date.now) {}

  private live(key: string) {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.entries.set(key, { value, expiresAt: this.now() + Math.max(1, ttlMs) });
  }

  async get(key: string): Promise<string | null> {
    return this.live(key)?.value ?? null;
  }

  async ttl(key: string): Promise<number | null> {
    const entry = this.live(key);
    return entry ? entry.expiresAt - this.now() : null;
  }

  async incr(key: string, windowMs: number): Promise<number> {
    return this.add(key, 1, windowMs);
  }

  async getMany(keys: readonly string[]): Promise<Array<string | null>> {
    return Promise.all(keys.map((key) => this.get(key)));
  }

  async incrMany(amounts: ReadonlyMap<string, number>, windowMs: number): Promise<number[]> {
    return [...amounts].map(([key, amount]) => this.add(key, amount, windowMs));
  }

  private add(key: string, amount: number, windowMs: number): number {
    const entry = this.live(key);
    if (!entry) {
      this.entries.set(key, { value: String(amount), expiresAt: this.now() + Math.max(1, windowMs) });
      return amount;
    }
    const next = Number(entry.value) + amount;
    entry.value = String(next);
    return next;
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async list(prefix: string): Promise<TtlEntry[]> {
    const out: TtlEntry[] = [];
    for (const key of [...this.entries.keys()]) {
      if (!key.startsWith(prefix)) continue;
      const entry = this.live(key);
      if (entry) out.push({ key, value: entry.value, ttlMs: entry.expiresAt - this.now() });
    }
    return out.sort((a, b) => a.key.localeCompare(b.key));
  }

  async close(): Promise<void> {
    this.entries.clear();
  }
}

export class RedisTtlStore implements TtlStore {
  readonly kind = "redis" as const;
  readonly redis: Redis;
  private readonly prefix: string;
  private readonly owned: boolean;

  /** Pass an existing connection to share it (it is then not closed here). */
  constructor(target: RedisTarget, redis?: Redis) {
    this.prefix = target.prefix;
    this.owned = redis === undefined;
    this.redis = redis ?? connectRedis(target, { connectionName: "tgsentinel-state" });
  }

  private k(key: string): string {
    return this.prefix + key;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await whenReady(this.redis);
    await this.redis.set(this.k(key), value, "PX", Math.max(1, Math.ceil(ttlMs)));
  }

  async get(key: string): Promise<string | null> {
    await whenReady(this.redis);
    return this.redis.get(this.k(key));
  }

  async ttl(key: string): Promise<number | null> {
    await whenReady(this.redis);
    const ms = await this.redis.pttl(this.k(key));
    return ms < 0 ? null : ms;
  }

  async incr(key: string, windowMs: number): Promise<number> {
    await whenReady(this.redis);
    const k = this.k(key);
    const results = await this.redis
      .multi()
      .incr(k)
      .call("PEXPIRE", k, String(Math.max(1, Math.ceil(windowMs))), "NX")
      .exec();
    const [err, count] = results?.[0] ?? [new Error("no reply"), 0];
    if (err) throw err;
    return Number(count);
  }

  async getMany(keys: readonly string[]): Promise<Array<string | null>> {
    if (keys.length === 0) return [];
    await whenReady(this.redis);
    return this.redis.mget(keys.map((key) => this.k(key)));
  }

  async incrMany(amounts: ReadonlyMap<string, number>, windowMs: number): Promise<number[]> {
    if (amounts.size === 0) return [];
    await whenReady(this.redis);
    const window = String(Math.max(1, Math.ceil(windowMs)));
    const multi = this.redis.multi();
    for (const [key, amount] of amounts)
      multi.incrby(this.k(key), amount).call("PEXPIRE", this.k(key), window, "NX");
    const results = (await multi.exec()) ?? [];
    if (results.length !== amounts.size * 2) throw new Error("no reply");
    const counts: number[] = [];
    for (let i = 0; i < results.length; i += 2) {
      const [err, count] = results[i]!;
      if (err) throw err;
      counts.push(Number(count));
    }
    return counts;
  }

  async delete(key: string): Promise<void> {
    await whenReady(this.redis);
    await this.redis.del(this.k(key));
  }

  async list(prefix: string): Promise<TtlEntry[]> {
    await whenReady(this.redis);
    const pattern = `${escapeGlob(this.k(prefix))}*`;
    const keys: string[] = [];
    let cursor = "0";
    do {
      const [next, batch] = await this.redis.scan(cursor, "MATCH", pattern, "COUNT", 200);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== "0");
    if (keys.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const key of keys) pipeline.get(key).pttl(key);
    const replies = (await pipeline.exec()) ?? [];
    const out: TtlEntry[] = [];
    keys.forEach((key, i) => {
      const value = replies[i * 2]?.[1] as string | null;
      const ttl = replies[i * 2 + 1]?.[1] as number;
      if (value !== null && value !== undefined && ttl > 0)
        out.push({ key: key.slice(this.prefix.length), value, ttlMs: ttl });
    });
    return out.sort((a, b) => a.key.localeCompare(b.key));
  }

  async close(): Promise<void> {
    if (!this.owned) return;
    await this.redis.quit().catch(() => {});
    this.redis.disconnect();
  }
}

function escapeGlob(value: string): string {
  return value.replace(/[*?[\]\\]/g, "\\$&");
}
