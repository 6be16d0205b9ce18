/**
 * Backtest CLI: scores a Telegram Desktop export against a profile file, touching no database.
 *
 *   npm run backtest -- --export <result.json> --profiles <profiles.yml> [--json] [--owner @username]
 *
 * Exit codes: 0 done (alerts or not), 2 bad arguments, invalid profiles or unreadable export.
 */
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { SentinelError } from "@tgsentinel/contract/envelope.ts";
import { type ExportOwner, forEachExportMessage } from "./export/telegram-export.ts";
import { Backtest } from "./scoring/backtest-report.ts";
import { buildScorer } from "./scoring/engine.ts";
import { parseProfilesYaml } from "./scoring/profile.ts";

const USAGE = `usage: npm run backtest -- --export <result.json> --profiles <profiles.yml> [--json] [--owner @username|id]

  --export    Telegram Desktop export (machine-readable JSON, result.json)
  --profiles  scoring profiles (YAML or JSON, { profiles: [...] })
  --json      print {"results":[...]} instead of a table
  --owner     the account owner (@username or numeric id), for mentions;
              defaults to the export's personal_information`;

class UsageError extends Error {
  override name = "UsageError";
}

function parseOwner(value: string | undefined): ExportOwner | undefined {
  if (value === undefined) return undefined;
  if (/^-?\d+$/.test(value)) return { id: value };
  if (/^@?[A-Za-z0-9_]{1,64}$/.test(value)) return { username: value };
  throw new UsageError(`--owner must be @username or a numeric id, got "${value}"`);
}

async function main(argv: string[]): Promise<number> {
  let args: ReturnType<typeof parseCli>;
  try {
    args = parseCli(argv);
  } catch (error) {
    process.stderr.write(`backtest: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }

  let profileText: string;
  try {
    profileText = await readFile(args.profiles, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    process.stderr.write(`backtest: cannot read the profiles file ${args.profiles} (${code})\n`);
    return 2;
  }
  const parsed = parseProfilesYaml(profileText);
  if (!parsed.ok) {
    const lines = parsed.errors.map((e) => `  ${e.path === "" ? "(file)" : e.path}: ${e.message}`);
    process.stderr.write(`backtest: invalid profiles in ${args.profiles}:\n${lines.join("\n")}\n`);
    return 2;
  }

  const backtest = new Backtest(buildScorer(parsed.profiles));
  try {
    await forEachExportMessage(args.export, (message) => backtest.add(message), { owner: args.owner });
  } catch (error) {
    if (error instanceof SentinelError) {
      process.stderr.write(`backtest: ${error.message} (${error.code})\n`);
      return 2;
    }
    throw error;
  }

  process.stdout.write(args.json ? `${JSON.stringify(backtest.toJson())}\n` : backtest.formatText());
  return 0;
}

function parseCli(argv: string[]): {
  export: string;
  profiles: string;
  json: boolean;
  owner: ExportOwner | undefined;
  help: boolean;
} {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      export: { type: "string" },
      profiles: { type: "string" },
      json: { type: "boolean", default: false },
      owner: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) return { export: "", profiles: "", json: false, owner: undefined, help: true };
  if (values.export === undefined || values.export === "")
    throw new UsageError("--export <result.json> is required");
  if (values.profiles === undefined || values.profiles === "") {
    throw new UsageError("--profiles <profiles.yml> is required");
  }
  return {
    export: values.export,
    profiles: values.profiles,
    json: values.json,
    owner: parseOwner(values.owner),
    help: false,
  };
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // Unexpected: still no stack trace for the user, but say what it was.
    process.stderr.write(
      `backtest: unexpected failure: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
