/**
 * Reads docker-compose.yml the way Compose does for what the tests need: YAML merge keys, and
 * `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?message}`, `${VAR?message}`, `$$`
 * interpolation against a .env-like map. Lets a test start the services as plain processes with
 * exactly the environment the containers get.
 */
import fs from "node:fs";
import { parse } from "yaml";

export interface ComposeHealthcheck {
  test: string[] | string;
  interval?: string;
  timeout?: string;
  retries?: number;
  start_period?: string;
}

export interface ComposeService {
  image?: string;
  build?: { context: string; target?: string; dockerfile?: string } | string;
  command?: string[] | string;
  user?: string;
  restart?: string;
  ports?: (string | { target: number; published?: string | number; host_ip?: string })[];
  volumes?: string[];
  environment?: string[] | Record<string, string | number | boolean | null>;
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: ComposeHealthcheck;
  networks?: string[] | Record<string, unknown>;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, { name?: string; driver?: string } | null>;
  networks?: Record<string, { name?: string; driver?: string } | null>;
  [key: string]: unknown;
}

export class ComposeInterpolationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ComposeInterpolationError";
  }
}

export function loadCompose(file: string): ComposeFile {
  return parse(fs.readFileSync(file, "utf8"), { merge: true }) as ComposeFile;
}

/** Interpolates one value as Compose does; unset and empty differ only for the `:` forms. */
export function interpolate(value: string, vars: Record<string, string | undefined>): string {
  return value.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])((?:[^}])*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (
      match,
      braced: string | undefined,
      colon: string | undefined,
      op: string | undefined,
      arg: string | undefined,
      bare: string | undefined,
    ) => {
      if (match === "$$") return "$";
      const name = braced ?? bare!;
      const current = vars[name];
      const missing = colon === ":" ? current === undefined || current === "" : current === undefined;
      if (op === "-") return missing ? interpolate(arg ?? "", vars) : current!;
      if (op === "?") {
        if (missing) throw new ComposeInterpolationError(`${name}: ${arg || "required variable is missing"}`);
        return current!;
      }
      return current ?? "";
    },
  );
}

/** A service's `environment`, interpolated, as a plain map. */
export function serviceEnvironment(
  service: ComposeService,
  vars: Record<string, string | undefined>,
): Record<string, string> {
  const result: Record<string, string> = {};
  const env = service.environment ?? [];
  const entries: [string, string][] = Array.isArray(env)
    ? env.map((line) => {
        const i = line.indexOf("=");
        return i === -1 ? [line, vars[line] ?? ""] : [line.slice(0, i), line.slice(i + 1)];
      })
    : Object.entries(env).map(([k, v]) => [k, v === null ? (vars[k] ?? "") : String(v)]);
  for (const [key, raw] of entries) result[key] = interpolate(raw, vars);
  return result;
}

/** The raw (uninterpolated) value expressions of a service's environment. */
export function rawEnvironment(service: ComposeService): Record<string, string> {
  const env = service.environment ?? [];
  if (!Array.isArray(env))
    return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v ?? "")]));
  return Object.fromEntries(
    env.map((line) => {
      const i = line.indexOf("=");
      return i === -1 ? [line, ""] : [line.slice(0, i), line.slice(i + 1)];
    }),
  );
}

export interface VolumeMount {
  source: string;
  target: string;
  readOnly: boolean;
  /** A named volume (declared under top-level `volumes`) rather than a host path. */
  named: boolean;
}

export function volumeMounts(service: ComposeService): VolumeMount[] {
  return (service.volumes ?? []).map((spec) => {
    const [source = "", target = "", mode = ""] = spec.split(":");
    const named = !source.startsWith(".") && !source.startsWith("/") && !source.startsWith("~");
    return { source, target, readOnly: mode.split(",").includes("ro"), named };
  });
}

export function dependsOn(service: ComposeService): Record<string, string | undefined> {
  const deps = service.depends_on ?? [];
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((d) => [d, undefined]));
  return Object.fromEntries(Object.entries(deps).map(([name, spec]) => [name, spec?.condition]));
}
