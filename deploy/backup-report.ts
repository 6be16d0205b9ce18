/** What the backup and restore commands print. Plain text for a person; the CLIs also offer --json. */
import path from "node:path";
import type { BackupReport } from "./create-backup.ts";
import type { RestoreReport } from "./restore-backup.ts";

export const SESSION_WARNING = [
  "",
  "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
  "!! WARNING: this backup contains the Telegram session (tgsentinel.session).",
  "!! It is a full key to the Telegram account: whoever has the file can read and send messages",
  "!! as you, with no password and no login code. The backup directory is mode 0700 and the",
  "!! file 0600. Keep it on encrypted storage, never commit, mail or upload it, and delete it",
  "!! when you no longer need it. If it leaks: Telegram > Settings > Devices > terminate it.",
  "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
  "",
].join("\n");

function kib(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KiB`;
}

export function describeBackup(report: BackupReport, sessionRequested: boolean): string {
  const { manifest } = report;
  const lines = [`Backup written to ${report.outDir} (directory 0700, files 0600)`];
  for (const db of manifest.databases) {
    const rows = Object.entries(db.tables)
      .filter(([table]) => !table.startsWith("_"))
      .map(([table, n]) => `${table} ${n}`)
      .join(", ");
    lines.push(
      `  ${db.file}: ${kib(db.size)}, integrity ok, migrations ${db.migrations.join(", ") || "none"}`,
    );
    lines.push(`    from ${db.source}; rows: ${rows}`);
  }
  if (manifest.session)
    lines.push(`  ${manifest.session.file}: ${kib(manifest.session.size)} from ${manifest.session.source}`);
  for (const missing of manifest.absent) {
    lines.push(`  ${missing.item}: ${missing.reason} (${missing.path})`);
  }
  if (!sessionRequested)
    lines.push("  session: not included (--include-session adds it; read the warning it prints)");
  lines.push(`  manifest: ${path.join(report.outDir, "manifest.json")}`);
  return lines.join("\n");
}

export function describeRestore(report: RestoreReport): string {
  const lines = [`Restored from a backup made ${report.manifest.created_at}:`];
  for (const file of report.restored) {
    lines.push(`  ${file.item} -> ${file.target}`);
    if (file.previous) lines.push(`    the file it replaced is kept as ${file.previous}`);
    if (file.pendingMigrations && file.pendingMigrations.length > 0) {
      lines.push(`    migrations applied on the next start: ${file.pendingMigrations.join(", ")}`);
    }
  }
  for (const skip of report.skipped) lines.push(`  ${skip.item}: skipped, ${skip.reason}`);
  for (const forced of report.forced) {
    lines.push(
      `  WARNING: the ${forced.service} was running (${forced.evidence.join("; ")}); it still uses the old files.`,
      `  Restart it now (docker compose restart ${forced.service}); what it writes until then is lost.`,
    );
  }
  if (report.restored.some((f) => f.item === "session")) {
    lines.push(
      "  The session is restored. Run one sentinel per session: the same key used from two places at once",
      "  makes Telegram answer AUTH_KEY_DUPLICATED and may end the session.",
    );
  }
  return lines.join("\n");
}
