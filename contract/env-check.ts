/**
 * Shared pieces of the two services' environment modules: collect every problem first, then
 * fail once with all of them. Values of secret variables never appear in messages.
 */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(service: string, problems: string[]) {
    super(`${service}: invalid configuration\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

export type Env = Record<string, string | undefined>;

/** Collects problems while reading variables; each reader returns a usable fallback on error. */
export class EnvReader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === "" ? undefined : value.trim();
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  optional(name: string): string | undefined {
    return this.raw(name);
  }

  required(name: string, why: string): string {
    const value = this.raw(name);
    if (value === undefined) {
      this.problems.push(`${name} is required (${why})`);
      return "";
    }
    return value;
  }

  port(name: string, fallback: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < 0 || n > 65535) {
      this.problems.push(`${name} must be a port number 0-65535, got ${JSON.stringify(value)}`);
      return fallback;
    }
    return n;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      this.problems.push(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
      return fallback;
    }
    return n;
  }

  bool(name: string, fallback: boolean): boolean {
    const value = this.raw(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (["1", "true", "yes", "on"].includes(value)) return true;
    if (["0", "false", "no", "off"].includes(value)) return false;
    this.problems.push(`${name} must be true or false, got ${JSON.stringify(value)}`);
    return fallback;
  }

  /** Runs a parser and records its error message against the variable. */
  parse<T>(name: string, value: string, parser: (v: string) => T, fallback: T): T {
    try {
      return parser(value);
    } catch (err) {
      this.problems.push(`${name} ${(err as Error).message}`);
      return fallback;
    }
  }

  problem(message: string): void {
    this.problems.push(message);
  }

  throwIfProblems(service: string): void {
    if (this.problems.length > 0) throw new ConfigError(service, this.problems);
  }
}

/** Redis is configured when REDIS_URL or REDIS_HOST is set; otherwise the in-memory adapters serve. */
export function readRedisTarget(
  reader: EnvReader,
): { url?: string; host?: string; port?: number; prefix: string } | null {
  const url = reader.optional("REDIS_URL");
  const host = reader.optional("REDIS_HOST");
  const port = reader.port("REDIS_PORT", 6379);
  const prefix = reader.string("REDIS_KEY_PREFIX", "tgsentinel:");
  if (url) {
    if (!/^rediss?:\/\//.test(url)) reader.problem("REDIS_URL must start with redis:// or rediss://");
    return { url, prefix };
  }
  if (host) return { host, port, prefix };
  return null;
}

/** Loopback addresses a sentinel may bind without an API token. */
export function isLoopbackHost(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}
