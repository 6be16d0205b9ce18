/**
 * The Embedder adapter for a local ONNX sentence-embedding model, run by onnxruntime-web's
 * WebAssembly backend inside Node (single thread; the .wasm comes from the installed package, so
 * nothing is fetched: the same on an air-gapped host). onnxruntime-node is not used: its install
 * script downloads native binaries.
 *
 * Model contract (BERT- or XLM-RoBERTa-style exports such as sentence-transformers' MiniLM or
 * intfloat's multilingual-e5 in ONNX):
 * - inputs: `input_ids` (int64 or int32, [1, n]); optionally `attention_mask` (all ones) and
 *   `token_type_ids` (all zeros), each fed only when the model declares it; no other inputs;
 * - output: `sentence_embedding` [1, d] used as is, else `last_hidden_state` (or the only output)
 *   [1, n, d] pooled as `1_Pooling/config.json` says (mean, the default, or the first token);
 *   float32. Vectors are L2-normalised here.
 * - tokenizer: see tokenizer-files.ts (WordPiece or Unigram); `sentence_bert_config.json`'s
 *   `max_seq_length`, else tokenizer.json's truncation, caps the tokens per text;
 * - `config_sentence_transformers.json`'s `prompts[default_prompt_name]` (e.g. e5's "query: ") is
 *   put before every text, as sentence-transformers' encode() does.
 * One text per run: no padding, so a model that ignores the mask still sees only real tokens.
 */
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type * as Ort from "onnxruntime-web";
import { type Embedder, EmbeddingModelError } from "./embedder.ts";
import {
  MODEL_FILE,
  modelDirectoryProblems,
  POOLING_CONFIG_JSON,
  PROMPTS_CONFIG_JSON,
  SENTENCE_CONFIG_JSON,
  TOKENIZER_CONFIG_JSON,
  TOKENIZER_JSON,
  VOCAB_TXT,
} from "./model-directory.ts";
import { firstTokenPool, l2Normalize, meanPool } from "./pooling.ts";
import type { SentenceTokenizer } from "./tokenizer.ts";
import { tokenizerFromFiles } from "./tokenizer-files.ts";

/** Tokens per text at most (special tokens included) unless the model directory says fewer. */
export const DEFAULT_MAX_TOKENS = 256;
/** Characters of a text that are tokenised at most (a Telegram message holds 4,096). */
export const MAX_EMBEDDING_INPUT = 4_096;
/** Longest prompt (config_sentence_transformers.json) put before every text, in characters. */
export const MAX_PROMPT_CHARS = 200;
/** Longest excerpt of an ONNX Runtime error quoted in our messages. */
const MAX_RUNTIME_DETAIL = 300;

const SUPPORTED_INPUTS = new Set(["input_ids", "attention_mask", "token_type_ids"]);
const OUTPUT_NAMES = ["sentence_embedding", "last_hidden_state"];

export interface OnnxEmbedderOptions {
  /** Tokens per text at most, special tokens included (default DEFAULT_MAX_TOKENS). */
  maxTokens?: number;
}

type Runtime = typeof Ort;
let runtime: Promise<Runtime> | null = null;

/** onnxruntime-web, loaded on first use and pointed at its own bundled .wasm (never fetched). */
function loadRuntime(): Promise<Runtime> {
  runtime ??= import("onnxruntime-web").then((ort) => {
    const require = createRequire(import.meta.url);
    ort.env.wasm.numThreads = 1;
    ort.env.wasm.proxy = false;
    ort.env.wasm.wasmPaths = `${path.dirname(require.resolve("onnxruntime-web"))}${path.sep}`;
    ort.env.logLevel = "error";
    return ort;
  });
  return runtime;
}

function detail(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const line = text.split("\n").find((l) => l.trim() !== "") ?? text;
  return line.length > MAX_RUNTIME_DETAIL ? `${line.slice(0, MAX_RUNTIME_DETAIL - 1)}…` : line;
}

function readOptional(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** sentence-transformers' `max_seq_length`, when the directory has one. */
function sentenceMaxTokens(dir: string): number | undefined {
  const text = readOptional(path.join(dir, SENTENCE_CONFIG_JSON));
  if (text === undefined) return undefined;
  try {
    const value = (JSON.parse(text) as { max_seq_length?: unknown }).max_seq_length;
    return typeof value === "number" && Number.isInteger(value) && value >= 2 ? value : undefined;
  } catch {
    throw new EmbeddingModelError(`embedding model ${dir}: ${SENTENCE_CONFIG_JSON} is not valid JSON`);
  }
}

function readJsonConfig(dir: string, file: string): Record<string, unknown> | undefined {
  const text = readOptional(path.join(dir, file));
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new EmbeddingModelError(`embedding model ${dir}: ${file} is not valid JSON`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new EmbeddingModelError(`embedding model ${dir}: ${file} is not a JSON object`);
  return value as Record<string, unknown>;
}

/**
 * The prompt sentence-transformers puts before every text: `prompts[default_prompt_name]` of
 * config_sentence_transformers.json ("" when there is none).
 */
function defaultPrompt(dir: string): string {
  const config = readJsonConfig(dir, PROMPTS_CONFIG_JSON);
  const name = config?.default_prompt_name;
  if (name === undefined || name === null) return "";
  const prompts = config?.prompts;
  const prompt =
    typeof name === "string" && typeof prompts === "object" && prompts !== null
      ? (prompts as Record<string, unknown>)[name]
      : undefined;
  if (typeof prompt !== "string")
    throw new EmbeddingModelError(
      `embedding model ${dir}: ${PROMPTS_CONFIG_JSON} names default_prompt_name ${JSON.stringify(name)} but its prompts have no such text`,
    );
  if (prompt.length > MAX_PROMPT_CHARS)
    throw new EmbeddingModelError(
      `embedding model ${dir}: ${PROMPTS_CONFIG_JSON}'s default prompt is longer than ${MAX_PROMPT_CHARS} characters`,
    );
  return prompt;
}

export type Pooling = "mean" | "first";

const POOLING_MODES: Record<string, Pooling | undefined> = {
  pooling_mode_mean_tokens: "mean",
  pooling_mode_cls_token: "first",
  pooling_mode_max_tokens: undefined,
  pooling_mode_mean_sqrt_len_tokens: undefined,
  pooling_mode_weightedmean_tokens: undefined,
  pooling_mode_lasttoken: undefined,
};

/** How token vectors become one: sentence-transformers' 1_Pooling/config.json, mean without it. */
function poolingOf(dir: string): Pooling {
  const config = readJsonConfig(dir, POOLING_CONFIG_JSON);
  if (config === undefined) return "mean";
  const modes = Object.keys(POOLING_MODES).filter((key) => config[key] === true);
  const pooling = modes.length === 1 ? POOLING_MODES[modes[0]!] : undefined;
  if (pooling === undefined)
    throw new EmbeddingModelError(
      `embedding model ${dir}: ${POOLING_CONFIG_JSON} asks for ${modes.join(" + ") || "no pooling mode"}; supported: pooling_mode_mean_tokens or pooling_mode_cls_token alone`,
    );
  return pooling;
}

/** A text with nothing but whitespace and invisible characters has nothing to embed. */
const VISIBLE = /[^\p{White_Space}\p{Cc}\p{Cf}]/u;

type IdType = "int64" | "int32";

interface ModelShape {
  idType: IdType;
  feedsMask: boolean;
  feedsTypeIds: boolean;
  output: string;
}

function inspectModel(session: Ort.InferenceSession, dir: string): ModelShape {
  const fail = (problem: string) =>
    new EmbeddingModelError(`embedding model ${dir}: ${MODEL_FILE} ${problem}`);
  const unsupported = session.inputNames.filter((name) => !SUPPORTED_INPUTS.has(name));
  if (!session.inputNames.includes("input_ids"))
    throw fail(`has no input_ids input (its inputs: ${session.inputNames.join(", ") || "none"})`);
  if (unsupported.length > 0)
    throw fail(
      `needs inputs this sentinel does not provide: ${unsupported.join(", ")} (supported: input_ids, attention_mask, token_type_ids)`,
    );
  const meta = session.inputMetadata.find((m) => m.name === "input_ids");
  const idType = meta?.isTensor ? meta.type : "int64";
  if (idType !== "int64" && idType !== "int32")
    throw fail(`takes input_ids as ${idType}, not int64 or int32`);
  for (const name of ["attention_mask", "token_type_ids"]) {
    const m = session.inputMetadata.find((entry) => entry.name === name);
    if (m?.isTensor && m.type !== idType)
      throw fail(`takes ${name} as ${m.type} but input_ids as ${idType}; both must be the same`);
  }
  const output =
    OUTPUT_NAMES.find((name) => session.outputNames.includes(name)) ??
    (session.outputNames.length === 1 ? session.outputNames[0] : undefined);
  if (output === undefined)
    throw fail(
      `has no sentence_embedding or last_hidden_state output (its outputs: ${session.outputNames.join(", ")})`,
    );
  return {
    idType,
    feedsMask: session.inputNames.includes("attention_mask"),
    feedsTypeIds: session.inputNames.includes("token_type_ids"),
    output,
  };
}

class OnnxEmbedder implements Embedder {
  /** Set once by the load-time probe. */
  dimensions = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly ort: Runtime,
    private readonly session: Ort.InferenceSession,
    private readonly tokenizer: SentenceTokenizer,
    private readonly shape: ModelShape,
    private readonly dir: string,
    readonly maxTokens: number,
    private readonly pooling: Pooling,
    private readonly prompt: string,
  ) {}

  get description(): string {
    const output =
      this.shape.output === "sentence_embedding"
        ? this.shape.output
        : `${this.shape.output} ${this.pooling}-pooled`;
    const prompt = this.prompt === "" ? "" : `, prompt ${JSON.stringify(this.prompt)}`;
    return `${this.dir} (${this.tokenizer.kind} tokenizer, ${output}, ${this.dimensions} dimensions, up to ${this.maxTokens} tokens${prompt})`;
  }

  embed(texts: readonly string[]): Promise<Float32Array[]> {
    // One run at a time on the session: the WebAssembly backend is single-threaded anyway.
    const run = this.queue.then(async () => {
      if (this.closed) throw new EmbeddingModelError(`embedding model ${this.dir} is closed`);
      const out: Float32Array[] = [];
      for (const text of texts) out.push(await this.embedOne(text));
      return out;
    });
    this.queue = run.catch(() => {});
    return run;
  }

  /** Embeds token ids as they are (the load-time probe uses this to try the longest sequence). */
  async embedIds(ids: readonly number[]): Promise<Float32Array> {
    const { ort, shape } = this;
    const n = ids.length;
    const tensor = (fill: (i: number) => number) =>
      shape.idType === "int64"
        ? new ort.Tensor(
            "int64",
            BigInt64Array.from({ length: n }, (_, i) => BigInt(fill(i))),
            [1, n],
          )
        : new ort.Tensor(
            "int32",
            Int32Array.from({ length: n }, (_, i) => fill(i)),
            [1, n],
          );
    const feeds: Record<string, Ort.Tensor> = { input_ids: tensor((i) => ids[i]!) };
    if (shape.feedsMask) feeds.attention_mask = tensor(() => 1);
    if (shape.feedsTypeIds) feeds.token_type_ids = tensor(() => 0);
    const result = await this.session.run(feeds, [shape.output]);
    const output = result[shape.output]!;
    try {
      if (output.type !== "float32")
        throw new EmbeddingModelError(
          `embedding model ${this.dir}: output ${shape.output} is ${output.type}, not float32`,
        );
      const data = output.data as Float32Array;
      const dims = output.dims;
      let vector: Float32Array;
      if (dims.length === 2 && dims[0] === 1) vector = Float32Array.from(data);
      // One text, no padding: the attention mask is all ones.
      else if (dims.length === 3 && dims[0] === 1 && dims[1] === n)
        vector =
          this.pooling === "first"
            ? firstTokenPool(data, n, dims[2]!)
            : meanPool(data, new Uint8Array(n).fill(1), n, dims[2]!);
      else
        throw new EmbeddingModelError(
          `embedding model ${this.dir}: output ${shape.output} has shape [${dims.join(", ")}]; expected [1, d] or [1, ${n}, d]`,
        );
      return l2Normalize(vector);
    } finally {
      output.dispose();
    }
  }

  private async embedOne(text: string): Promise<Float32Array> {
    const input = text.slice(0, MAX_EMBEDDING_INPUT);
    // Nothing visible, or special tokens alone: nothing to compare, so no direction at all rather
    // than the model's bias (checked before the prompt, which every text shares).
    if (!VISIBLE.test(input)) return new Float32Array(this.dimensions);
    const ids = this.tokenizer.encode(this.prompt + input, this.maxTokens);
    if (ids.length <= this.tokenizer.specialTokenCount) return new Float32Array(this.dimensions);
    const vector = await this.embedIds(ids);
    if (vector.length !== this.dimensions)
      throw new EmbeddingModelError(
        `embedding model ${this.dir}: gave ${vector.length} dimensions, ${this.dimensions} at load`,
      );
    return vector;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    await this.session.release();
  }
}

/**
 * Loads the model in `dir` (see the module comment for the format), then embeds a probe of the
 * longest sequence it will be given, so an unusable model fails here, at start-up, and not on the
 * first message. Throws EmbeddingModelError naming the directory, the file and the problem.
 */
export async function loadOnnxEmbedder(dir: string, options: OnnxEmbedderOptions = {}): Promise<Embedder> {
  const problems = modelDirectoryProblems(dir);
  if (problems.length > 0) throw new EmbeddingModelError(`embedding model ${dir} ${problems.join(" and ")}`);

  let tokenizer: SentenceTokenizer;
  let tokenizerMaxLength: number | undefined;
  try {
    ({ tokenizer, maxLength: tokenizerMaxLength } = tokenizerFromFiles({
      tokenizerJson: readOptional(path.join(dir, TOKENIZER_JSON)),
      vocabTxt: readOptional(path.join(dir, VOCAB_TXT)),
      tokenizerConfigJson: readOptional(path.join(dir, TOKENIZER_CONFIG_JSON)),
    }));
  } catch (error) {
    throw new EmbeddingModelError(`embedding model ${dir}: ${detail(error)}`, { cause: error });
  }
  // sentence-transformers' max_seq_length wins over the tokenizer's own truncation, as there.
  const maxTokens = Math.min(
    options.maxTokens ?? DEFAULT_MAX_TOKENS,
    sentenceMaxTokens(dir) ?? tokenizerMaxLength ?? Infinity,
  );
  if (maxTokens <= tokenizer.specialTokenCount)
    throw new EmbeddingModelError(
      `embedding model ${dir}: ${maxTokens} tokens per text leave no room beside the ${tokenizer.specialTokenCount} special tokens`,
    );
  const pooling = poolingOf(dir);
  const prompt = defaultPrompt(dir);

  const ort = await loadRuntime();
  let session: Ort.InferenceSession;
  try {
    const bytes = fs.readFileSync(path.join(dir, MODEL_FILE));
    session = await ort.InferenceSession.create(bytes, { executionProviders: ["wasm"] });
  } catch (error) {
    throw new EmbeddingModelError(
      `embedding model ${dir}: ${MODEL_FILE} cannot be loaded by ONNX Runtime: ${detail(error)}`,
      { cause: error },
    );
  }

  try {
    const shape = inspectModel(session, dir);
    const embedder = new OnnxEmbedder(ort, session, tokenizer, shape, dir, maxTokens, pooling, prompt);
    const probe = tokenizer.probeIds(maxTokens);
    let vector: Float32Array;
    try {
      vector = await embedder.embedIds(probe);
    } catch (error) {
      if (error instanceof EmbeddingModelError) throw error;
      throw new EmbeddingModelError(
        `embedding model ${dir}: ${MODEL_FILE} failed on a test input of ${maxTokens} tokens: ${detail(error)}`,
        { cause: error },
      );
    }
    if (vector.length === 0)
      throw new EmbeddingModelError(`embedding model ${dir}: ${MODEL_FILE} gives empty vectors`);
    embedder.dimensions = vector.length;
    return embedder;
  } catch (error) {
    await session.release().catch(() => {});
    throw error;
  }
}
