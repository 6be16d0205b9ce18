/**
 * npm run backup -- --out <dir> [--include-session] [--json]
 *
 * Consistent copies of sentinel.db and ui.db (whichever this host has) taken with SQLite's online
 * backup API while the services run, plus manifest.json. The Telegram session only with
 * --include-session. Locations come from DB_URI, UI_DB_URI, TG_SESSION_PATH and DATA_DIR, as for
 * the services. Exit status: 0 written, 1 refused or failed, 2 usage.
 */
import { BackupError } from "../deploy/backup-error.ts";
import { describeBackup, SESSION_WARNING } from "../deploy/backup-report.ts";
import { parseCommandArgs } from "../deploy/cli-args.ts";
import { createBackup } from "../deploy/create-backup.ts";

const USAGE = "usage: npm run backup -- --out <dir> [--include-session] [--json]";

const args = parseCommandArgs(
  {
    out: { type: "string" },
    "include-session": { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
  USAGE,
  "out",
);

try {
  const report = await createBackup({
    outDir: args.out,
    includeSession: args["include-session"],
    env: process.env,
  });
  if (args.json) console.log(JSON.stringify({ out: report.outDir, manifest: report.manifest }, null, 2));
  else console.log(describeBackup(report, args["include-session"]));
  if (report.manifest.session !== null) console.error(SESSION_WARNING);
} catch (err) {
  if (err instanceof BackupError) {
    console.error(`backup failed [${err.code}]: ${err.message}`);
    process.exit(1);
  }
  throw err;
}
