/**
 * manifest.json of a backup directory: what was copied, from where, with which checksums, row
 * counts and migrations, and what was not there. Restore trusts nothing that disagrees with it.
 */
import { z } from "zod";
import type { ServiceName } from "./data-paths.ts";

export const MANIFEST_FILE = "manifest.json";
export const MANIFEST_FORMAT = "tgsentinel-backup";
export const MANIFEST_VERSION = 1;

/** File names inside a backup directory. */
export const BACKUP_FILES = {
  sentinel: "sentinel.db",
  ui: "ui.db",
  session: "tgsentinel.session",
} as const;

/** A backup holds account data (and maybe the session): only its owner may read it. */
export const BACKUP_DIR_MODE = 0o700;
export const BACKUP_FILE_MODE = 0o600;

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);

const databaseEntry = z.object({
  service: z.enum(["sentinel", "ui"]),
  file: z.enum([BACKUP_FILES.sentinel, BACKUP_FILES.ui]),
  /** Where it was copied from on the backed-up host. */
  source: z.string(),
  size: z.number().int().nonnegative(),
  sha256,
  integrity: z.literal("ok"),
  tables: z.record(z.string(), z.number().int().nonnegative()),
  /** Applied migration names, in order. */
  migrations: z.array(z.string()),
});

const sessionEntry = z.object({
  file: z.literal(BACKUP_FILES.session),
  source: z.string(),
  size: z.number().int().positive(),
  sha256,
  /** First 8 hex digits of sha256(auth key), as the sentinel records it: tells keys apart, reveals nothing. */
  key_fingerprint: z.string().nullable(),
});

const absentEntry = z.object({
  item: z.enum(["sentinel", "ui", "session"]),
  path: z.string(),
  reason: z.string(),
});

export const manifestSchema = z.object({
  format: z.literal(MANIFEST_FORMAT),
  version: z.literal(MANIFEST_VERSION),
  created_at: z.string().refine((v) => !Number.isNaN(Date.parse(v)), "must be an ISO date"),
  databases: z.array(databaseEntry),
  session: sessionEntry.nullable(),
  absent: z.array(absentEntry),
});

export type BackupManifest = z.infer<typeof manifestSchema>;
export type DatabaseEntry = z.infer<typeof databaseEntry>;
export type SessionEntry = z.infer<typeof sessionEntry>;
export type AbsentEntry = z.infer<typeof absentEntry>;

export function databaseEntryOf(manifest: BackupManifest, service: ServiceName): DatabaseEntry | undefined {
  return manifest.databases.find((entry) => entry.service === service);
}

/** Parses manifest.json text; the error lists every field that is wrong. */
export function parseManifest(text: string): BackupManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error("manifest.json is not valid JSON");
  }
  const result = manifestSchema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`,
    );
    throw new Error(`manifest.json is not a TG Sentinel backup manifest: ${problems.join("; ")}`);
  }
  const services = result.data.databases.map((d) => d.service);
  if (new Set(services).size !== services.length) throw new Error("manifest.json lists a database twice");
  for (const entry of result.data.databases) {
    if (entry.file !== BACKUP_FILES[entry.service]) {
      throw new Error(`manifest.json names ${entry.file} for the ${entry.service} database`);
    }
  }
  return result.data;
}
