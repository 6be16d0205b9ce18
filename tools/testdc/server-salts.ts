import { randomBytes } from "node:crypto";

/** One server salt and the unix-time window in which the server accepts it. */
export interface SaltWindow {
  salt: bigint;
  validSince: number;
  validUntil: number;
}

/**
 * Server salts as Telegram rotates them: a new random salt per period, each accepted for a while
 * after its successor starts, so clients that just fetched future salts keep working.
 */
export class ServerSalts {
  private readonly salts = new Map<number, bigint>();

  constructor(
    private readonly periodSeconds = 3600,
    private readonly graceSeconds = 1800,
    private readonly now = () => Date.now(),
  ) {}

  private window(index: number): SaltWindow {
    let salt = this.salts.get(index);
    if (salt === undefined) {
      salt = randomBytes(8).readBigInt64LE(0);
      this.salts.set(index, salt);
    }
    const validSince = index * this.periodSeconds;
    return { salt, validSince, validUntil: validSince + this.periodSeconds + this.graceSeconds };
  }

  private currentIndex(): number {
    return Math.floor(this.now() / 1000 / this.periodSeconds);
  }

  /** The salt a client should use now. */
  current(): bigint {
    return this.window(this.currentIndex()).salt;
  }

  /** True when the salt is the current one or an earlier one still in its grace time. */
  accepts(salt: bigint): boolean {
    const seconds = this.now() / 1000;
    const index = this.currentIndex();
    for (const candidate of [index, index - 1]) {
      const w = this.window(candidate);
      if (w.salt === salt && seconds >= w.validSince && seconds < w.validUntil) return true;
    }
    return false;
  }

  /** get_future_salts: the current salt and those that follow it (1..64 of them). */
  future(count: number): SaltWindow[] {
    const n = Math.max(1, Math.min(64, Math.floor(count) || 1));
    const index = this.currentIndex();
    return Array.from({ length: n }, (_, i) => this.window(index + i));
  }
}
