/**
 * Restores a backup made by createBackup. Everything is checked before anything is replaced:
 * the manifest, every file's size and sha256, PRAGMA integrity_check, row counts and migrations
 * against the manifest, migrations against the ones this version of the code ships, and the
 * session document's format. Then each file is staged next to its target (checked again) and
 * renamed over it; the file it replaces is kept beside it as `<name>.pre-restore-<time>`.
 *
 * A service that is running is detected two ways: its database is held open by another process
 * (an exclusive SQLite lock cannot be had), or its health URL answers. Restore refuses then,
 * unless `force` is set.
 */
import { createHash, randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Env } from "@tgsentinel/contract/env-check.ts";
import { DATA_DIR_MODE, DATABASE_FILE_MODE } from "@tgsentinel/contract/migrate.ts";
import { parseStoredSession, SESSION_FILE_MODE } from "../sentinel/session/session-store.ts";
import { BackupError } from "./backup-error.ts";
import { type BackupManifest, type DatabaseEntry, MANIFEST_FILE, parseManifest } from "./backup-manifest.ts";
import {
  DATABASE_VARIABLE,
  DataPathError,
  type DataPaths,
  healthUrl,
  resolveDataPaths,
  SERVICES,
  type ServiceName,
  servicesOnThisHost,
} from "./data-paths.ts";
import { fsyncDirectory, fsyncFile } from "./durable-file.ts";
import { databaseInUse, fileDigest, inspectDatabase, integrityOk } from "./sqlite-snapshot.ts";

const REPO_ROOT = path.resolve(import.meta.dirname, "..");

export interface RestoreOptions {
  /** A directory written by createBackup. */
  fromDir: string;
  /** Restore the Telegram session too (only when the backup has one). */
  includeSession: boolean;
  /** Replace files even though their service looks like it is running. */
  force: boolean;
  /**
   * Which databases to restore. Default: the services whose location the environment names
   * (a compose container names only its own), or every database in the backup when it names none.
   */
  only?: ServiceName[];
  env: Env;
  cwd?: string;
  /** Holds `<service>/migrations`; the repository's prisma/ by default. */
  migrationsRoot?: string;
  /** Answers whether a health URL responds; a real HTTP request by default. */
  probeHealth?: (url: string) => Promise<boolean>;
  now?: () => Date;
}

export type RestoreItem = ServiceName | "session";

export interface RestoredFile {
  item: RestoreItem;
  target: string;
  /** Where the replaced file was kept, or null when there was none. */
  previous: string | null;
  /** Migrations this code ships that the restored database lacks (applied on the service's next start). */
  pendingMigrations?: string[];
}

export interface RestoreReport {
  manifest: BackupManifest;
  restored: RestoredFile[];
  skipped: { item: RestoreItem; reason: string }[];
  /** Running services that `force` overrode, with what showed they run. */
  forced: { service: ServiceName; evidence: string[] }[];
}

interface Planned {
  item: RestoreItem;
  source: string;
  target: string;
  sha256: string;
  size: number;
  mode: number;
  pendingMigrations?: string[];
}

export async function restoreBackup(options: RestoreOptions): Promise<RestoreReport> {
  const cwd = options.cwd ?? process.cwd();
  const fromDir = path.resolve(cwd, options.fromDir);
  const manifest = readManifest(fromDir);
  const paths = resolvePaths(options.env, cwd);
  const migrationsRoot = options.migrationsRoot ?? path.join(REPO_ROOT, "prisma");

  const scope = options.only ?? servicesOnThisHost(paths);
  const skipped: RestoreReport["skipped"] = [];
  const plan: Planned[] = [];

  for (const service of SERVICES) {
    const entry = manifest.databases.find((d) => d.service === service);
    if (!scope.includes(service)) {
      if (entry) {
        skipped.push({
          item: service,
          reason: `this host does not hold the ${service} database (${DATABASE_VARIABLE[service]} is not set); use --only ${service} to restore it here`,
        });
      }
      continue;
    }
    if (!entry) {
      skipped.push({ item: service, reason: "not in this backup" });
      continue;
    }
    plan.push(await validateDatabase(entry, fromDir, paths.databases[service], migrationsRoot));
  }

  if (options.includeSession) {
    if (manifest.session === null) {
      throw new BackupError(
        "SESSION_NOT_IN_BACKUP",
        "--include-session was given but this backup holds no session",
      );
    }
    if (!scope.includes("sentinel")) {
      throw new BackupError(
        "INVALID_ARGUMENTS",
        "the session belongs to the sentinel, which this restore does not cover",
      );
    }
    plan.push(await validateSession(manifest, fromDir, paths.session));
  } else if (manifest.session !== null) {
    skipped.push({ item: "session", reason: "in the backup, but restored only with --include-session" });
  }

  if (plan.length === 0) {
    throw new BackupError(
      "NOTHING_TO_RESTORE",
      `nothing to restore from ${fromDir}: ${skipped.map((s) => `${s.item}: ${s.reason}`).join("; ") || "the backup is empty"}`,
    );
  }

  const forced = await checkServicesStopped(plan, paths, options);
  const staged = stageAll(plan);
  const restored = commitAll(plan, staged, options.now?.() ?? new Date());
  return { manifest, restored, skipped, forced };
}

function readManifest(fromDir: string): BackupManifest {
  const file = path.join(fromDir, MANIFEST_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new BackupError("MANIFEST_INVALID", `cannot read ${file} (${(err as NodeJS.ErrnoException).code})`);
  }
  try {
    return parseManifest(text);
  } catch (err) {
    throw new BackupError("MANIFEST_INVALID", (err as Error).message);
  }
}

function resolvePaths(env: Env, cwd: string): DataPaths {
  try {
    return resolveDataPaths(env, cwd);
  } catch (err) {
    if (err instanceof DataPathError) throw new BackupError("INVALID_DATA_PATH", err.message);
    throw err;
  }
}

async function checkDigest(
  file: string,
  expected: { sha256: string; size: number },
  what: string,
): Promise<void> {
  if (!fs.existsSync(file)) throw new BackupError("FILE_MISSING", `${what}: ${file} is missing`);
  const actual = await fileDigest(file);
  if (actual.size !== expected.size || actual.sha256 !== expected.sha256) {
    throw new BackupError(
      "CHECKSUM_MISMATCH",
      `${what}: ${path.basename(file)} does not match manifest.json (size ${actual.size} vs ${expected.size}, sha256 differs: ${actual.sha256 !== expected.sha256})`,
    );
  }
}

async function validateDatabase(
  entry: DatabaseEntry,
  fromDir: string,
  target: string,
  migrationsRoot: string,
): Promise<Planned> {
  const source = path.join(fromDir, entry.file);
  const what = `${entry.service} database`;
  await checkDigest(source, entry, what);
  let facts: ReturnType<typeof inspectDatabase>;
  try {
    facts = inspectDatabase(source);
  } catch (err) {
    throw new BackupError(
      "INTEGRITY_FAILED",
      `${what}: cannot open ${entry.file}: ${(err as Error).message}`,
    );
  }
  if (!integrityOk(facts)) {
    throw new BackupError(
      "INTEGRITY_FAILED",
      `${what}: integrity_check failed: ${facts.integrity.slice(0, 3).join("; ")}`,
    );
  }
  if (facts.migrations === null) {
    throw new BackupError("MIGRATIONS_MISMATCH", `${what}: ${entry.file} has no migration table`);
  }
  const applied = facts.migrations.map((m) => m.name);
  if (applied.join("\n") !== entry.migrations.join("\n")) {
    throw new BackupError(
      "MIGRATIONS_MISMATCH",
      `${what}: migrations in ${entry.file} (${applied.join(", ")}) differ from manifest.json (${entry.migrations.join(", ")})`,
    );
  }
  const differing = Object.keys({ ...facts.tables, ...entry.tables }).filter(
    (table) => facts.tables[table] !== entry.tables[table],
  );
  if (differing.length > 0) {
    throw new BackupError(
      "CONTENT_MISMATCH",
      `${what}: row counts differ from manifest.json in ${differing.map((t) => `${t} (${facts.tables[t] ?? "missing"} vs ${entry.tables[t] ?? "missing"})`).join(", ")}`,
    );
  }
  const shipped = shippedMigrations(path.join(migrationsRoot, entry.service, "migrations"));
  for (const migration of facts.migrations) {
    const local = shipped.get(migration.name);
    if (local === undefined) {
      throw new BackupError(
        "MIGRATIONS_MISMATCH",
        `${what}: the backup has migration ${migration.name}, which this version of TG Sentinel does not know (the backup comes from a newer version; upgrade first)`,
      );
    }
    if (local !== migration.checksum) {
      throw new BackupError(
        "MIGRATIONS_MISMATCH",
        `${what}: migration ${migration.name} in the backup differs from the one this version ships; the service would refuse to start`,
      );
    }
  }
  const pendingMigrations = [...shipped.keys()].filter((name) => !applied.includes(name));
  return {
    item: entry.service,
    source,
    target,
    sha256: entry.sha256,
    size: entry.size,
    mode: DATABASE_FILE_MODE,
    pendingMigrations,
  };
}

async function validateSession(manifest: BackupManifest, fromDir: string, target: string): Promise<Planned> {
  const entry = manifest.session!;
  const source = path.join(fromDir, entry.file);
  await checkDigest(source, entry, "session");
  try {
    parseStoredSession(fs.readFileSync(source, "utf8"));
  } catch (err) {
    throw new BackupError("SESSION_INVALID", `session: ${(err as Error).message}`);
  }
  return { item: "session", source, target, sha256: entry.sha256, size: entry.size, mode: SESSION_FILE_MODE };
}

/** name → sha256 of migration.sql, as contract/migrate.ts records it. */
function shippedMigrations(dir: string): Map<string, string> {
  const result = new Map<string, string>();
  if (!fs.existsSync(dir)) return result;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name, "migration.sql");
    if (!entry.isDirectory() || !fs.existsSync(file)) continue;
    result.set(entry.name, createHash("sha256").update(fs.readFileSync(file, "utf8")).digest("hex"));
  }
  return result;
}

async function defaultProbeHealth(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1_500) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

async function checkServicesStopped(
  plan: Planned[],
  paths: DataPaths,
  options: RestoreOptions,
): Promise<RestoreReport["forced"]> {
  const probe = options.probeHealth ?? defaultProbeHealth;
  const services = new Set<ServiceName>(plan.map((p) => (p.item === "session" ? "sentinel" : p.item)));
  const running: RestoreReport["forced"] = [];
  for (const service of services) {
    const evidence: string[] = [];
    if (databaseInUse(paths.databases[service])) {
      evidence.push(`${paths.databases[service]} is open in another process`);
    }
    const url = healthUrl(options.env, service);
    if (await probe(url)) evidence.push(`${url} answers`);
    if (evidence.length > 0) running.push({ service, evidence });
  }
  if (running.length > 0 && !options.force) {
    const names = running.map((r) => r.service);
    throw new BackupError(
      "SERVICE_RUNNING",
      `${running.map((r) => `the ${r.service} is running (${r.evidence.join("; ")})`).join("; ")}. ` +
        `Stop it first (docker compose stop ${names.join(" ")}), or pass --force and restart it right after the restore.`,
    );
  }
  return running;
}

/** Copies every file next to its target and checks the copy; on any failure removes them all. */
function stageAll(plan: Planned[]): string[] {
  const staged: string[] = [];
  try {
    for (const item of plan) {
      const dir = path.dirname(item.target);
      if (!fs.existsSync(dir)) {
        fs.mkdirSync(dir, { recursive: true, mode: DATA_DIR_MODE });
        fs.chmodSync(dir, DATA_DIR_MODE);
      }
      const temp = path.join(dir, `.${path.basename(item.target)}.restore-${randomUUID()}`);
      staged.push(temp);
      fs.copyFileSync(item.source, temp, fs.constants.COPYFILE_EXCL);
      fs.chmodSync(temp, item.mode);
      matchOwner(temp, dir);
      fsyncFile(temp);
      const bytes = fs.readFileSync(temp);
      const sha256 = createHash("sha256").update(bytes).digest("hex");
      if (bytes.length !== item.size || sha256 !== item.sha256) {
        throw new BackupError(
          "CHECKSUM_MISMATCH",
          `the staged copy of ${path.basename(item.source)} differs from the backup`,
        );
      }
    }
    return staged;
  } catch (err) {
    for (const file of staged) fs.rmSync(file, { force: true });
    throw err;
  }
}

/** Run as root (e.g. `docker compose run --user root`), files go to whoever owns the data directory. */
function matchOwner(file: string, dir: string): void {
  if (process.getuid?.() !== 0) return;
  const owner = fs.statSync(dir);
  fs.chownSync(file, owner.uid, owner.gid);
}

function commitAll(plan: Planned[], staged: string[], now: Date): RestoredFile[] {
  const stamp = now.toISOString().replace(/[:.]/g, "-");
  const done: RestoredFile[] = [];
  try {
    plan.forEach((item, i) => {
      done.push(commitOne(item, staged[i]!, stamp));
    });
    return done;
  } catch (err) {
    for (const file of staged.slice(done.length)) fs.rmSync(file, { force: true });
    const finished = done.map((d) => d.target).join(", ") || "nothing";
    throw new Error(`restore stopped part-way (${(err as Error).message}); already replaced: ${finished}`, {
      cause: err,
    });
  }
}

function commitOne(item: Planned, temp: string, stamp: string): RestoredFile {
  let previous: string | null = null;
  if (fs.existsSync(item.target)) {
    previous = `${item.target}.pre-restore-${stamp}`;
    // A hard link keeps the old file reachable while the target name never goes missing.
    try {
      fs.linkSync(item.target, previous);
    } catch {
      fs.copyFileSync(item.target, previous);
    }
  }
  if (item.item !== "session") {
    // A -wal left beside the target belongs to the old database; replayed onto the restored one it
    // would corrupt it. It moves with the old file (P, P-wal, P-shm stay a consistent set).
    for (const suffix of ["-wal", "-shm"]) {
      const companion = `${item.target}${suffix}`;
      if (!fs.existsSync(companion)) continue;
      if (previous !== null) fs.renameSync(companion, `${previous}${suffix}`);
      else fs.rmSync(companion, { force: true });
    }
  }
  fs.renameSync(temp, item.target);
  fsyncDirectory(path.dirname(item.target));
  const restored: RestoredFile = { item: item.item, target: item.target, previous };
  if (item.pendingMigrations !== undefined) restored.pendingMigrations = item.pendingMigrations;
  return restored;
}
