/**
 * Takes a backup of what this host holds: sentinel.db and/or ui.db through SQLite's online backup
 * API (safe while the services write), and the Telegram session only when asked. The directory
 * appears complete or not at all: everything is written into a hidden sibling that is renamed
 * into place once manifest.json is durable.
 */
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Env } from "@tgsentinel/contract/env-check.ts";
import { parseStoredSession } from "../sentinel/session/session-store.ts";
import { BackupError } from "./backup-error.ts";
import {
  type AbsentEntry,
  BACKUP_DIR_MODE,
  BACKUP_FILE_MODE,
  BACKUP_FILES,
  type BackupManifest,
  type DatabaseEntry,
  MANIFEST_FILE,
  MANIFEST_FORMAT,
  MANIFEST_VERSION,
  type SessionEntry,
} from "./backup-manifest.ts";
import {
  DATABASE_VARIABLE,
  DataPathError,
  type DataPaths,
  resolveDataPaths,
  SERVICES,
  servicesOnThisHost,
} from "./data-paths.ts";
import { createPrivateFile, fsyncDirectory, fsyncFile, writePrivateFile } from "./durable-file.ts";
import { fileDigest, inspectDatabase, integrityOk, snapshotDatabase } from "./sqlite-snapshot.ts";

export interface BackupOptions {
  /** The directory to create. It must not exist, or be empty. */
  outDir: string;
  /** Also copy the Telegram session (a full key to the account). Off unless asked for. */
  includeSession: boolean;
  /** Variables that locate the data (DB_URI, UI_DB_URI, TG_SESSION_PATH, DATA_DIR). */
  env: Env;
  /** Base for relative paths; process.cwd() by default. */
  cwd?: string;
  now?: () => Date;
}

export interface BackupReport {
  outDir: string;
  manifest: BackupManifest;
}

export async function createBackup(options: BackupOptions): Promise<BackupReport> {
  const cwd = options.cwd ?? process.cwd();
  const paths = resolvePaths(options.env, cwd);
  const outDir = path.resolve(cwd, options.outDir);
  if (fs.existsSync(outDir) && (!fs.statSync(outDir).isDirectory() || fs.readdirSync(outDir).length > 0)) {
    throw new BackupError(
      "OUTPUT_EXISTS",
      `${outDir} already exists and is not empty; choose a new directory`,
    );
  }
  const parent = path.dirname(outDir);
  fs.mkdirSync(parent, { recursive: true });
  const work = path.join(parent, `.${path.basename(outDir)}.partial-${randomUUID()}`);
  fs.mkdirSync(work, { mode: BACKUP_DIR_MODE });
  fs.chmodSync(work, BACKUP_DIR_MODE);

  try {
    const databases: DatabaseEntry[] = [];
    const absent: AbsentEntry[] = [];
    const onThisHost = servicesOnThisHost(paths);
    for (const service of SERVICES) {
      const source = paths.databases[service];
      if (!onThisHost.includes(service)) {
        absent.push({
          item: service,
          path: source,
          reason: `not on this host (${DATABASE_VARIABLE[service]} is not set here)`,
        });
        continue;
      }
      if (!fs.existsSync(source)) {
        absent.push({ item: service, path: source, reason: "not present on this host" });
        continue;
      }
      if (fs.statSync(source).size === 0) {
        // SQLite treats an empty file as an empty database: the service has not migrated it yet.
        absent.push({
          item: service,
          path: source,
          reason: "empty file (the service has not started on it yet)",
        });
        continue;
      }
      databases.push(await backUpDatabase(service, source, path.join(work, BACKUP_FILES[service])));
    }

    let session: SessionEntry | null = null;
    if (options.includeSession) {
      if (!onThisHost.includes("sentinel")) {
        absent.push({ item: "session", path: paths.session, reason: "not on this host (the sentinel's)" });
      } else if (fs.existsSync(paths.session)) {
        session = await backUpSession(paths.session, path.join(work, BACKUP_FILES.session));
      } else {
        absent.push({ item: "session", path: paths.session, reason: "no stored session on this host" });
      }
    }

    if (databases.length === 0 && session === null) {
      throw new BackupError(
        "NOTHING_TO_BACK_UP",
        `nothing to back up: ${absent.map((a) => a.path).join(", ")} not found (set DB_URI, UI_DB_URI, TG_SESSION_PATH or DATA_DIR)`,
      );
    }

    const manifest: BackupManifest = {
      format: MANIFEST_FORMAT,
      version: MANIFEST_VERSION,
      created_at: (options.now?.() ?? new Date()).toISOString(),
      databases,
      session,
      absent,
    };
    writePrivateFile(path.join(work, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    fsyncDirectory(work);
    if (fs.existsSync(outDir)) fs.rmdirSync(outDir);
    fs.renameSync(work, outDir);
    fsyncDirectory(parent);
    return { outDir, manifest };
  } catch (err) {
    fs.rmSync(work, { recursive: true, force: true });
    throw err;
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

async function backUpDatabase(
  service: DatabaseEntry["service"],
  source: string,
  dest: string,
): Promise<DatabaseEntry> {
  createPrivateFile(dest);
  try {
    await snapshotDatabase(source, dest);
  } catch (err) {
    throw new BackupError("SOURCE_INVALID", `cannot read ${source}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  fs.chmodSync(dest, BACKUP_FILE_MODE);
  const facts = inspectDatabase(dest);
  if (!integrityOk(facts)) {
    throw new BackupError(
      "SOURCE_INVALID",
      `${source} fails PRAGMA integrity_check (${facts.integrity.slice(0, 3).join("; ")}); it is not backed up`,
    );
  }
  if (facts.migrations === null) {
    throw new BackupError(
      "SOURCE_INVALID",
      `${source} has no migration table: it is not a TG Sentinel database`,
    );
  }
  fsyncFile(dest);
  const { sha256, size } = await fileDigest(dest);
  return {
    service,
    file: BACKUP_FILES[service],
    source,
    size,
    sha256,
    integrity: "ok",
    tables: facts.tables,
    migrations: facts.migrations.map((m) => m.name),
  };
}

async function backUpSession(source: string, dest: string): Promise<SessionEntry> {
  // The sentinel replaces the file by rename, so one read sees one whole version.
  const bytes = fs.readFileSync(source);
  let fingerprint: string | null;
  try {
    fingerprint = parseStoredSession(bytes.toString("utf8")).key_fingerprint ?? null;
  } catch (err) {
    throw new BackupError("SOURCE_INVALID", `${source}: ${(err as Error).message}; it is not backed up`, {
      cause: err,
    });
  }
  writePrivateFile(dest, bytes);
  const { sha256, size } = await fileDigest(dest);
  return { file: BACKUP_FILES.session, source, size, sha256, key_fingerprint: fingerprint };
}
