/**
 * Backtest CLI: scores a Telegram Desktop export against a profile file, touching no database.
 *
 *   npm run backtest -- --export <result.json> --profiles <profiles.yml> [--json] [--owner @username]
 *                       [--model <dir>]
 *
 * Semantic rules ("similar in meaning") are scored with the local embedding model in `--model`
 * (default TG_EMBEDDING_MODEL_DIR), as the sentinel scores them; without one they are skipped and
 * the CLI says so. Messages are embedded in batches while the export is read.
 *
 * Exit codes: 0 done (alerts or not), 2 bad arguments, invalid profiles, unreadable export or
 * model.
 */
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { SentinelError } from "@tgsentinel/contract/envelope.ts";
import type { Embedder } from "./embedding/embedder.ts";
import { loadOnnxEmbedder } from "./embedding/onnx-embedder.ts";
import { type ExportOwner, forEachExportMessage } from "./export/telegram-export.ts";
import type { NormalizedMessage } from "./ingestion/message.ts";
import { Backtest } from "./scoring/backtest-report.ts";
import { buildScorer, type Scorer } from "./scoring/engine.ts";
import { type Profile, parseProfilesYaml } from "./scoring/profile.ts";
import { semanticTexts } from "./scoring/semantic.ts";

const USAGE = `usage: npm run backtest -- --export <result.json> --profiles <profiles.yml> [--json] [--owner @username|id] [--model <dir>]

  --export    Telegram Desktop export (machine-readable JSON, result.json)
  --profiles  scoring profiles (YAML or JSON, { profiles: [...] })
  --json      print {"results":[...]} instead of a table
  --owner     the account owner (@username or numeric id), for mentions;
              defaults to the export's personal_information
  --model     local embedding model directory (model.onnx + tokenizer) for semantic rules;
              defaults to TG_EMBEDDING_MODEL_DIR; without one, semantic rules are skipped`;

/** Messages embedded per model call while the export is read. */
export const BACKTEST_EMBED_BATCH = 64;

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

  const profiles = parsed.profiles;
  const wantsModel = semanticTexts(profiles).length > 0;
  const modelDir = args.model ?? process.env.TG_EMBEDDING_MODEL_DIR?.trim() ?? "";
  let embedder: Embedder | null = null;
  if (wantsModel && modelDir !== "") {
    try {
      embedder = await loadOnnxEmbedder(modelDir);
    } catch (error) {
      process.stderr.write(
        `backtest: cannot load the embedding model in ${modelDir}: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      return 2;
    }
  } else if (wantsModel) {
    process.stderr.write(
      "backtest: semantic rules are skipped: no embedding model (--model <dir> or TG_EMBEDDING_MODEL_DIR)\n",
    );
  }

  try {
    const scorer = await semanticScorer(profiles, embedder);
    const backtest = new Backtest(scorer);
    const feed = new EmbeddingFeed(backtest, scorer.semanticActive ? embedder : null);
    await forEachExportMessage(args.export, (message) => feed.add(message), {
      owner: args.owner,
      afterChunk: () => feed.flush(BACKTEST_EMBED_BATCH),
    });
    await feed.flush(1);
    process.stdout.write(args.json ? `${JSON.stringify(backtest.toJson())}\n` : backtest.formatText());
    return 0;
  } catch (error) {
    if (error instanceof SentinelError) {
      process.stderr.write(`backtest: ${error.message} (${error.code})\n`);
      return 2;
    }
    throw error;
  } finally {
    await embedder?.close();
  }
}

/** The scorer with the semantic texts embedded by `embedder` (none without one). */
async function semanticScorer(profiles: readonly Profile[], embedder: Embedder | null): Promise<Scorer> {
  const texts = semanticTexts(profiles);
  if (embedder === null || texts.length === 0) return buildScorer(profiles);
  const vectors = await embedder.embed(texts);
  return buildScorer(profiles, { textEmbeddings: new Map(texts.map((text, i) => [text, vectors[i]!])) });
}

/**
 * Hands messages to the backtest in order; with an embedder, they wait until a batch of their
 * texts has been embedded (empty texts get no embedding, as in the sentinel).
 */
class EmbeddingFeed {
  private pending: NormalizedMessage[] = [];

  constructor(
    private readonly backtest: Backtest,
    private readonly embedder: Embedder | null,
  ) {}

  add(message: NormalizedMessage): void {
    if (this.embedder === null) this.backtest.add(message);
    else this.pending.push(message);
  }

  /** Scores the waiting messages once at least `atLeast` of them wait. */
  async flush(atLeast: number): Promise<void> {
    if (this.embedder === null || this.pending.length < atLeast) return;
    const batch = this.pending;
    this.pending = [];
    const withText = batch.filter((m) => m.text.trim() !== "");
    const vectors = withText.length > 0 ? await this.embedder.embed(withText.map((m) => m.text)) : [];
    const embeddings = new Map(withText.map((m, i) => [m, vectors[i]!]));
    for (const message of batch) this.backtest.add(message, { embedding: embeddings.get(message) ?? null });
  }
}

function parseCli(argv: string[]): {
  export: string;
  profiles: string;
  json: boolean;
  owner: ExportOwner | undefined;
  model: string | undefined;
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
      model: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help)
    return { export: "", profiles: "", json: false, owner: undefined, model: undefined, help: true };
  if (values.model === "") throw new UsageError("--model needs a directory");
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
    model: values.model,
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
