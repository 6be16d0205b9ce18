/**
 * npm run restore -- --from <dir> [--include-session] [--force] [--only sentinel|ui] [--json]
 *
 * Checks the whole backup (checksums, integrity, row counts, migrations, session format) before
 * replacing anything, then replaces each file atomically and keeps the old one as
 * `<name>.pre-restore-<time>`. Refuses while a service is running unless --force.
 * Exit status: 0 restored, 1 refused (invalid backup) or failed, 2 usage, 3 a service is running.
 */
import { BackupError } from "../deploy/backup-error.ts";
import { describeRestore } from "../deploy/backup-report.ts";
import { parseCommandArgs } from "../deploy/cli-args.ts";
import { SERVICES, type ServiceName } from "../deploy/data-paths.ts";
import { restoreBackup } from "../deploy/restore-backup.ts";

const USAGE =
  "usage: npm run restore -- --from <dir> [--include-session] [--force] [--only sentinel|ui] [--json]";

const args = parseCommandArgs(
  {
    from: { type: "string" },
    "include-session": { type: "boolean", default: false },
    force: { type: "boolean", default: false },
    only: { type: "string", multiple: true },
    json: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
  USAGE,
  "from",
);
const only = args.only?.flatMap((v) => v.split(",")).map((v) => v.trim());
if (only?.some((v) => !(SERVICES as readonly string[]).includes(v))) {
  console.error(`--only takes ${SERVICES.join(" or ")}\n${USAGE}`);
  process.exit(2);
}

try {
  const report = await restoreBackup({
    fromDir: args.from,
    includeSession: args["include-session"],
    force: args.force,
    only: only as ServiceName[] | undefined,
    env: process.env,
  });
  if (args.json) console.log(JSON.stringify(report, null, 2));
  else console.log(describeRestore(report));
} catch (err) {
  if (err instanceof BackupError) {
    console.error(`restore refused [${err.code}]: ${err.message}`);
    console.error("Nothing was replaced.");
    process.exit(err.code === "SERVICE_RUNNING" ? 3 : 1);
  }
  throw err;
}
