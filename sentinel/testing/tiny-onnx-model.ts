/**
 * Test support: a minimal ONNX ModelProto encoder (protobuf wire format written by hand: varints
 * and length-delimited fields, only the fields ONNX needs here) and tiny embedding models built
 * with it, plus a model directory (model.onnx + vocab.txt, or + a Unigram tokenizer.json shaped
 * like XLM-RoBERTa's) in a temp folder.
 *
 * Field numbers follow onnx/onnx.proto (IR version 7, opset 13). Nothing here is downloaded: the
 * tests build every model they load.
 */
import fs from "node:fs";
import path from "node:path";

// --- protobuf wire format ------------------------------------------------------------------------

const VARINT = 0;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;

/** Appends protobuf fields to a growing list of byte chunks. */
class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];

  private tag(field: number, wireType: number): void {
    this.varint(BigInt((field << 3) | wireType));
  }

  private varint(value: bigint): void {
    // Negative int64 values are written as their 64-bit two's complement (10 bytes).
    let v = BigInt.asUintN(64, value);
    const bytes: number[] = [];
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v !== 0n) byte |= 0x80;
      bytes.push(byte);
    } while (v !== 0n);
    this.chunks.push(Uint8Array.from(bytes));
  }

  int(field: number, value: number | bigint): this {
    this.tag(field, VARINT);
    this.varint(BigInt(value));
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, FIXED32);
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    this.chunks.push(bytes);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, LENGTH_DELIMITED);
    this.varint(BigInt(value.length));
    this.chunks.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, build: (writer: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    build(inner);
    return this.bytes(field, inner.finish());
  }

  /** A packed repeated int64 field. */
  packedInts(field: number, values: readonly number[]): this {
    const inner = new ProtoWriter();
    for (const value of values) inner.varint(BigInt(value));
    return this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    const total = this.chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    const out = new Uint8Array(total);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }
}

// --- ONNX messages (only what the tiny models use) -------------------------------------------------

/** TensorProto.DataType */
const FLOAT = 1;
const INT64 = 7;
/** AttributeProto.AttributeType */
const ATTRIBUTE_INT = 2;
const ATTRIBUTE_INTS = 7;

type Dim = number | string;

interface ValueInfo {
  name: string;
  elemType: number;
  dims: readonly Dim[];
}

type Attribute = { name: string; int: number } | { name: string; ints: readonly number[] };

interface NodeSpec {
  opType: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attributes?: readonly Attribute[];
}

interface FloatInitializer {
  name: string;
  dims: readonly number[];
  values: Float32Array;
}

function writeValueInfo(w: ProtoWriter, info: ValueInfo): void {
  w.string(1, info.name); // ValueInfoProto.name
  w.message(2, (type) =>
    // TypeProto.tensor_type
    type.message(1, (tensor) => {
      tensor.int(1, info.elemType); // TypeProto.Tensor.elem_type
      tensor.message(2, (shape) => {
        // TensorShapeProto.dim
        for (const dim of info.dims) {
          shape.message(1, (d) => (typeof dim === "number" ? d.int(1, dim) : d.string(2, dim)));
        }
      });
    }),
  );
}

function writeNode(w: ProtoWriter, node: NodeSpec, index: number): void {
  for (const input of node.inputs) w.string(1, input);
  for (const output of node.outputs) w.string(2, output);
  w.string(3, `${node.opType.toLowerCase()}_${index}`);
  w.string(4, node.opType);
  for (const attribute of node.attributes ?? []) {
    w.message(5, (a) => {
      a.string(1, attribute.name);
      if ("int" in attribute) a.int(3, attribute.int).int(20, ATTRIBUTE_INT);
      else {
        for (const value of attribute.ints) a.int(8, value);
        a.int(20, ATTRIBUTE_INTS);
      }
    });
  }
}

function writeInitializer(w: ProtoWriter, tensor: FloatInitializer): void {
  w.packedInts(1, tensor.dims); // TensorProto.dims
  w.int(2, FLOAT); // TensorProto.data_type
  w.string(8, tensor.name); // TensorProto.name
  // TensorProto.raw_data: little-endian float32s.
  const raw = new Uint8Array(tensor.values.length * 4);
  const view = new DataView(raw.buffer);
  tensor.values.forEach((value, i) => {
    view.setFloat32(i * 4, value, true);
  });
  w.bytes(9, raw);
}

/** Encodes a ModelProto with one graph (IR version 7, default-domain opset 13). */
export function encodeModel(graph: {
  nodes: readonly NodeSpec[];
  initializers: readonly FloatInitializer[];
  inputs: readonly ValueInfo[];
  outputs: readonly ValueInfo[];
}): Uint8Array {
  const model = new ProtoWriter();
  model.int(1, 7); // ir_version
  model.string(2, "tgsentinel-tests"); // producer_name
  model.message(7, (g) => {
    graph.nodes.forEach((node, index) => {
      g.message(1, (n) => writeNode(n, node, index));
    });
    g.string(2, "tiny_embedding");
    for (const initializer of graph.initializers) g.message(5, (t) => writeInitializer(t, initializer));
    for (const input of graph.inputs) g.message(11, (v) => writeValueInfo(v, input));
    for (const output of graph.outputs) g.message(12, (v) => writeValueInfo(v, output));
  });
  model.message(8, (opset) => opset.string(1, "").int(2, 13)); // opset_import
  return model.finish();
}

// --- tiny embedding models ------------------------------------------------------------------------

/** A token vocabulary (one entry per line of vocab.txt) and its embedding table, row per token. */
export interface TinyVocabulary {
  tokens: readonly string[];
  /** `tokens.length` rows of `dimensions` floats. */
  table: Float32Array;
  dimensions: number;
}

export type TinyModelOutput = "sentence_embedding" | "last_hidden_state";

/** Inputs a tiny model may declare besides input_ids (unused by its graph, as some exports do). */
export type TinyOptionalInput = "attention_mask" | "token_type_ids";

/**
 * Gather(embedding table, input_ids) → ReduceMean over the tokens → `sentence_embedding` [1, d];
 * or, for `last_hidden_state`, the gathered token vectors [1, n, d] themselves (the caller pools).
 * Inputs: input_ids int64 [1, n] and `inputs` (default: attention_mask for the
 * `last_hidden_state` model, as XLM-RoBERTa exports, none for the other), so the feed of optional
 * inputs is exercised: ONNX Runtime refuses a run that misses a declared input or feeds another.
 */
export function tinyEmbeddingModel(
  vocabulary: TinyVocabulary,
  output: TinyModelOutput,
  inputs: readonly TinyOptionalInput[] = output === "last_hidden_state" ? ["attention_mask"] : [],
): Uint8Array {
  const d = vocabulary.dimensions;
  const table: FloatInitializer = {
    name: "embeddings",
    dims: [vocabulary.tokens.length, d],
    values: vocabulary.table,
  };
  const gather: NodeSpec = {
    opType: "Gather",
    inputs: ["embeddings", "input_ids"],
    outputs: [output === "last_hidden_state" ? "last_hidden_state" : "token_vectors"],
    attributes: [{ name: "axis", int: 0 }],
  };
  const declared: ValueInfo[] = [
    { name: "input_ids", elemType: INT64, dims: [1, "sequence"] },
    ...inputs.map((name): ValueInfo => ({ name, elemType: INT64, dims: [1, "sequence"] })),
  ];
  if (output === "last_hidden_state") {
    return encodeModel({
      nodes: [gather],
      initializers: [table],
      inputs: declared,
      outputs: [{ name: "last_hidden_state", elemType: FLOAT, dims: [1, "sequence", d] }],
    });
  }
  return encodeModel({
    nodes: [
      gather,
      {
        opType: "ReduceMean",
        inputs: ["token_vectors"],
        outputs: ["sentence_embedding"],
        attributes: [
          { name: "axes", ints: [1] },
          { name: "keepdims", int: 0 },
        ],
      },
    ],
    initializers: [table],
    inputs: declared,
    outputs: [{ name: "sentence_embedding", elemType: FLOAT, dims: [1, d] }],
  });
}

const SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]"] as const;

/**
 * A vocabulary of special tokens plus the words of `topics`, where each word's vector is a one-hot
 * on its topic's axis (so texts sharing topic words point the same way, texts of different topics
 * are orthogonal) and special tokens are zero (they only dilute the mean). Word order in vocab.txt
 * follows the map.
 */
export function topicVocabulary(topics: Record<string, readonly string[]>): TinyVocabulary {
  const topicNames = Object.keys(topics);
  const dimensions = topicNames.length;
  const tokens: string[] = [...SPECIAL_TOKENS];
  const rows: number[][] = SPECIAL_TOKENS.map(() => new Array<number>(dimensions).fill(0));
  topicNames.forEach((topic, axis) => {
    for (const word of topics[topic]!) {
      tokens.push(word);
      const row = new Array<number>(dimensions).fill(0);
      row[axis] = 1;
      rows.push(row);
    }
  });
  return { tokens, table: Float32Array.from(rows.flat()), dimensions };
}

/** Writes model.onnx + vocab.txt into `dir` (created if needed); returns `dir`. */
export function writeTinyModelDir(
  dir: string,
  vocabulary: TinyVocabulary,
  output: TinyModelOutput = "sentence_embedding",
): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "model.onnx"), tinyEmbeddingModel(vocabulary, output));
  fs.writeFileSync(path.join(dir, "vocab.txt"), `${vocabulary.tokens.join("\n")}\n`);
  return dir;
}

// --- Unigram (SentencePiece) model directories ---------------------------------------------------

/** XLM-RoBERTa's special pieces, ids 0–3, as its tokenizer.json lists them. */
export const XLMR_SPECIALS = ["<s>", "<pad>", "</s>", "<unk>"] as const;

/**
 * A tokenizer.json shaped like XLM-RoBERTa's (multilingual-e5, paraphrase-multilingual-MiniLM):
 * Unigram over `vocab` ([piece, log-probability] in id order, XLMR_SPECIALS first), normalizer
 * Precompiled + Replace(" {2,}" → " "), Metaspace (▁, prepend always), `<s> $A </s>`, the special
 * pieces and `<mask>` (id vocab.length, lstrip) as added tokens. `overrides` replace top-level
 * sections (`model` fields go in `model`).
 */
export function unigramTokenizerJson(
  vocab: ReadonlyArray<readonly [string, number]>,
  overrides: Record<string, unknown> = {},
): string {
  const special = (id: number, content: string, lstrip = false) => ({
    id,
    content,
    single_word: false,
    lstrip,
    rstrip: false,
    normalized: false,
    special: true,
  });
  const { model, ...rest } = overrides;
  return JSON.stringify({
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: [
      ...XLMR_SPECIALS.map((content, id) => special(id, content)),
      special(vocab.length, "<mask>", true),
    ],
    normalizer: {
      type: "Sequence",
      normalizers: [
        // The real file holds SentencePiece's compiled table here (base64); it is not decoded.
        { type: "Precompiled", precompiled_charsmap: "" },
        { type: "Replace", pattern: { Regex: " {2,}" }, content: " " },
      ],
    },
    pre_tokenizer: { type: "Metaspace", replacement: "\u2581", prepend_scheme: "always", split: true },
    post_processor: {
      type: "TemplateProcessing",
      single: [
        { SpecialToken: { id: "<s>", type_id: 0 } },
        { Sequence: { id: "A", type_id: 0 } },
        { SpecialToken: { id: "</s>", type_id: 0 } },
      ],
      pair: [
        { SpecialToken: { id: "<s>", type_id: 0 } },
        { Sequence: { id: "A", type_id: 0 } },
        { SpecialToken: { id: "</s>", type_id: 0 } },
        { SpecialToken: { id: "</s>", type_id: 0 } },
        { Sequence: { id: "B", type_id: 0 } },
        { SpecialToken: { id: "</s>", type_id: 0 } },
      ],
      special_tokens: {
        "<s>": { id: "<s>", ids: [0], tokens: ["<s>"] },
        "</s>": { id: "</s>", ids: [2], tokens: ["</s>"] },
      },
    },
    decoder: { type: "Metaspace", replacement: "\u2581", prepend_scheme: "always", split: true },
    model: { type: "Unigram", unk_id: 3, vocab, byte_fallback: false, ...(model as object | undefined) },
    ...rest,
  });
}

/** A topic vocabulary of SentencePiece pieces and the tokenizer.json that goes with it. */
export interface TinyUnigramModel {
  vocabulary: TinyVocabulary;
  tokenizerJson: string;
}

/**
 * Pieces of `topics` (each a one-hot on its topic's axis, as topicVocabulary) and `neutral` pieces
 * (zero rows, like the special ones), all scored -1 so that the fewest pieces win; then every
 * character of those pieces alone (zero rows, scored -5) so that other words still split into
 * known pieces. Pieces are SentencePiece's: "▁" marks a word start.
 */
export function unigramTopicModel(
  topics: Record<string, readonly string[]>,
  neutral: readonly string[] = [],
): TinyUnigramModel {
  const topicNames = Object.keys(topics);
  const dimensions = topicNames.length;
  const vocab: Array<[string, number]> = XLMR_SPECIALS.map((piece) => [piece, 0]);
  const rows: number[][] = XLMR_SPECIALS.map(() => new Array<number>(dimensions).fill(0));
  const seen = new Set<string>(XLMR_SPECIALS);
  const add = (piece: string, score: number, axis: number) => {
    if (seen.has(piece)) return;
    seen.add(piece);
    vocab.push([piece, score]);
    const row = new Array<number>(dimensions).fill(0);
    if (axis >= 0) row[axis] = 1;
    rows.push(row);
  };
  topicNames.forEach((topic, axis) => {
    for (const piece of topics[topic]!) add(piece, -1, axis);
  });
  for (const piece of neutral) add(piece, -1, -1);
  const pieces = [...topicNames.flatMap((t) => topics[t]!), ...neutral];
  for (const piece of pieces) for (const char of piece) add(char, -5, -1);
  return {
    vocabulary: { tokens: vocab.map(([piece]) => piece), table: Float32Array.from(rows.flat()), dimensions },
    tokenizerJson: unigramTokenizerJson(vocab),
  };
}

/** Writes model.onnx + tokenizer.json (no vocab.txt) into `dir` (created if needed); returns `dir`. */
export function writeTinyUnigramModelDir(
  dir: string,
  model: TinyUnigramModel,
  output: TinyModelOutput = "last_hidden_state",
  inputs?: readonly TinyOptionalInput[],
): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "model.onnx"), tinyEmbeddingModel(model.vocabulary, output, inputs));
  fs.writeFileSync(path.join(dir, "tokenizer.json"), model.tokenizerJson);
  return dir;
}
