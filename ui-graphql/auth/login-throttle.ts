import { createHmac } from "node:crypto";
import { MemoryTtlStore, type TtlStore } from "@tgsentinel/contract/ttl-store.ts";

export interface LoginThrottleOptions {
  /** Failures allowed per username + client address within the window (default 5). */
  maxFailures?: number;
  /** Window length in ms (default 15 minutes). */
  windowMs?: number;
}

/**
 * Counts failed logins per (username, client address) in the TtlStore. Keys are an HMAC of the
 * pair under UI_SECRET_KEY, so Redis never holds usernames or addresses in clear.
 * A store error falls back to an in-process store rather than locking everyone out.
 */
export class LoginThrottle {
  readonly maxFailures: number;
  readonly windowMs: number;
  private readonly fallback = new MemoryTtlStore();

  constructor(
    private readonly store: TtlStore,
    private readonly secret: string,
    options: LoginThrottleOptions = {},
  ) {
    this.maxFailures = options.maxFailures ?? 5;
    this.windowMs = options.windowMs ?? 15 * 60_000;
  }

  private key(username: string, address: string | null): string {
    const mac = createHmac("sha256", this.secret)
      .update(`${username.trim().toLowerCase()}\u0000${address ?? "-"}`)
      .digest("base64url")
      .slice(0, 32);
    return `ui:login-failures:${mac}`;
  }

  private async run<T>(op: (store: TtlStore) => Promise<T>): Promise<T> {
    try {
      return await op(this.store);
    } catch {
      return op(this.fallback);
    }
  }

  /** Milliseconds until another attempt is allowed, or 0 when attempts are allowed now. */
  async blockedForMs(username: string, address: string | null): Promise<number> {
    const key = this.key(username, address);
    return this.run(async (store) => {
      const count = Number((await store.get(key)) ?? 0);
      if (count < this.maxFailures) return 0;
      return (await store.ttl(key)) ?? 0;
    });
  }

  async recordFailure(username: string, address: string | null): Promise<number> {
    const key = this.key(username, address);
    return this.run((store) => store.incr(key, this.windowMs));
  }

  async reset(username: string, address: string | null): Promise<void> {
    const key = this.key(username, address);
    await this.run((store) => store.delete(key));
  }
}
