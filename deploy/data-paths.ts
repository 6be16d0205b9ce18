/**
 * Where the files to back up or restore live, read from the same variables the services use
 * (DB_URI, UI_DB_URI, TG_SESSION_PATH) with the embedded runner's layout as the fallback
 * (DATA_DIR, default ./data, holding sentinel/ and ui/). Pure: no I/O.
 */
import path from "node:path";
import type { Env } from "@tgsentinel/contract/env-check.ts";
import { sqliteFilePath } from "@tgsentinel/contract/sqlite-uri.ts";

export type ServiceName = "sentinel" | "ui";
export const SERVICES: readonly ServiceName[] = ["sentinel", "ui"];

export interface DataPaths {
  /** DATA_DIR resolved (the embedded runner's data root). */
  dataRoot: string;
  databases: Record<ServiceName, string>;
  /** The sentinel's stored Telegram session. */
  session: string;
  /**
   * Services whose location this environment names explicitly. A compose container sets only its
   * own service's variables, which is how a restore there knows which database belongs to it.
   */
  configured: Record<ServiceName, boolean>;
}

export class DataPathError extends Error {
  readonly code = "INVALID_DATA_PATH";
  constructor(message: string) {
    super(message);
    this.name = "DataPathError";
  }
}

function value(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v === undefined || v === "" ? undefined : v;
}

function databasePath(env: Env, name: string, fallback: string, cwd: string): string {
  const uri = value(env, name);
  if (uri === undefined) return fallback;
  try {
    return sqliteFilePath(uri, cwd);
  } catch (err) {
    throw new DataPathError(`${name} ${(err as Error).message}`);
  }
}

export function resolveDataPaths(env: Env, cwd = process.cwd()): DataPaths {
  const dataRoot = path.resolve(cwd, value(env, "DATA_DIR") ?? "./data");
  const sentinelDir = path.join(dataRoot, "sentinel");
  const sessionValue = value(env, "TG_SESSION_PATH");
  return {
    dataRoot,
    databases: {
      sentinel: databasePath(env, "DB_URI", path.join(sentinelDir, "sentinel.db"), cwd),
      ui: databasePath(env, "UI_DB_URI", path.join(dataRoot, "ui", "ui.db"), cwd),
    },
    session: sessionValue ? path.resolve(cwd, sessionValue) : path.join(sentinelDir, "tgsentinel.session"),
    configured: {
      sentinel: value(env, "DB_URI") !== undefined || sessionValue !== undefined,
      ui: value(env, "UI_DB_URI") !== undefined,
    },
  };
}

/**
 * The services whose data this host holds: those the environment names (a compose container
 * names only its own), or both when it names none (`npm start`'s layout under DATA_DIR).
 */
export function servicesOnThisHost(paths: DataPaths): ServiceName[] {
  const named = SERVICES.filter((s) => paths.configured[s]);
  return named.length > 0 ? named : [...SERVICES];
}

/** The variable that names a service's database. */
export const DATABASE_VARIABLE: Record<ServiceName, string> = { sentinel: "DB_URI", ui: "UI_DB_URI" };

/** The health URL a service on this host would answer, from the same variables it listens on. */
export function healthUrl(env: Env, service: ServiceName): string {
  const [hostVar, portVar, defaultPort] =
    service === "sentinel" ? ["SENTINEL_API_HOST", "SENTINEL_API_PORT", 8080] : ["UI_HOST", "UI_PORT", 5000];
  let host = value(env, hostVar) ?? "127.0.0.1";
  // A wildcard bind is reachable on loopback.
  if (host === "0.0.0.0" || host === "::" || host === "[::]") host = "127.0.0.1";
  if (host.includes(":") && !host.startsWith("[")) host = `[${host}]`;
  const port = value(env, portVar) ?? String(defaultPort);
  return `http://${host}:${port}/api/health`;
}
