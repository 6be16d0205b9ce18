import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempDir } from "../testing/sentinel-fixture.ts";
import {
  encodeModel,
  type TinyUnigramModel,
  topicVocabulary,
  unigramTopicModel,
  writeTinyModelDir,
  writeTinyUnigramModelDir,
} from "../testing/tiny-onnx-model.ts";
import type { Embedder } from "./embedder.ts";
import { EmbeddingModelError } from "./embedder.ts";
import { loadOnnxEmbedder, MAX_PROMPT_CHARS } from "./onnx-embedder.ts";

const VOCABULARY = topicVocabulary({
  crypto: ["bitcoin", "ethereum", "wallet", "token"],
  food: ["pizza", "pasta", "recipe", "oven"],
  weather: ["rain", "storm", "forecast"],
});

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let k = 0; k < a.length; k++) sum += a[k]! * b[k]!;
  return sum;
}

function norm(v: Float32Array): number {
  return Math.sqrt(dot(v, v));
}

let root: string;
beforeAll(() => {
  root = makeTempDir("embedder-test-");
});
afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

describe.each(["sentence_embedding", "last_hidden_state"] as const)("a tiny model with %s", (output) => {
  let embedder: Embedder;
  beforeAll(async () => {
    embedder = await loadOnnxEmbedder(writeTinyModelDir(path.join(root, output), VOCABULARY, output));
  });
  afterAll(() => embedder.close());

  it("reports the model's dimensions and output", () => {
    expect(embedder.dimensions).toBe(3);
    expect(embedder.description).toContain(output);
  });

  it("gives unit vectors that point the same way for texts sharing vocabulary", async () => {
    const [a, b, c] = await embedder.embed([
      "Bitcoin wallet drained!",
      "a new token for your ethereum wallet",
      "Pizza recipe: heat the oven",
    ]);
    expect(norm(a!)).toBeCloseTo(1, 5);
    expect(dot(a!, b!)).toBeCloseTo(1, 5);
    expect(dot(a!, c!)).toBeCloseTo(0, 5);
  });

  it("mixes topics in proportion to their tokens", async () => {
    const [mixed, crypto] = await embedder.embed(["bitcoin pizza", "bitcoin"]);
    expect(dot(mixed!, crypto!)).toBeCloseTo(Math.SQRT1_2, 5);
  });

  it("gives a zero vector for text with nothing to embed", async () => {
    const [empty, unknown] = await embedder.embed(["  ", "zebra giraffe"]);
    expect([...empty!]).toEqual([0, 0, 0]);
    // Only [UNK]s, whose rows are zero in this vocabulary.
    expect([...unknown!]).toEqual([0, 0, 0]);
  });

  it("embeds concurrent calls one after another, each in order", async () => {
    const [first, second] = await Promise.all([embedder.embed(["rain", "pasta"]), embedder.embed(["token"])]);
    expect(first!.map((v) => v.indexOf(1))).toEqual([2, 1]);
    expect(second![0]!.indexOf(1)).toBe(0);
  });
});

describe("model directory problems", () => {
  it("names a missing directory", async () => {
    const dir = path.join(root, "nowhere");
    await expect(loadOnnxEmbedder(dir)).rejects.toThrow(`embedding model ${dir} does not exist`);
  });

  it("names the files a directory lacks", async () => {
    const dir = path.join(root, "empty");
    fs.mkdirSync(dir);
    const error = await loadOnnxEmbedder(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmbeddingModelError);
    expect((error as EmbeddingModelError).code).toBe("EMBEDDING_MODEL_INVALID");
    expect((error as Error).message).toBe(
      `embedding model ${dir} has no model.onnx and has neither tokenizer.json nor vocab.txt`,
    );
  });

  it("refuses a corrupt model.onnx with ONNX Runtime's reason", async () => {
    const dir = writeTinyModelDir(path.join(root, "corrupt"), VOCABULARY);
    fs.writeFileSync(path.join(dir, "model.onnx"), Buffer.from("this is not a protobuf model"));
    await expect(loadOnnxEmbedder(dir)).rejects.toThrow(
      new RegExp(`^embedding model ${dir}: model.onnx cannot be loaded by ONNX Runtime: .+`),
    );
  });

  it("refuses a model whose inputs it cannot feed", async () => {
    const dir = writeTinyModelDir(path.join(root, "image"), VOCABULARY);
    fs.writeFileSync(
      path.join(dir, "model.onnx"),
      encodeModel({
        nodes: [{ opType: "Identity", inputs: ["pixel_values"], outputs: ["sentence_embedding"] }],
        initializers: [],
        inputs: [{ name: "pixel_values", elemType: 1, dims: [1, 3] }],
        outputs: [{ name: "sentence_embedding", elemType: 1, dims: [1, 3] }],
      }),
    );
    await expect(loadOnnxEmbedder(dir)).rejects.toThrow(
      /model.onnx has no input_ids input \(its inputs: pixel_values\)/,
    );
  });

  it("refuses a tokenizer it does not support, naming the ones it does", async () => {
    const dir = writeTinyModelDir(path.join(root, "bpe"), VOCABULARY);
    fs.writeFileSync(path.join(dir, "tokenizer.json"), JSON.stringify({ model: { type: "BPE", vocab: {} } }));
    await expect(loadOnnxEmbedder(dir)).rejects.toThrow(
      `embedding model ${dir}: tokenizer.json uses a BPE model; supported: WordPiece`,
    );
    fs.writeFileSync(
      path.join(dir, "tokenizer.json"),
      JSON.stringify({ model: { type: "Unigram", vocab: [] } }),
    );
    const error = await loadOnnxEmbedder(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmbeddingModelError);
    expect((error as Error).message).toBe(
      `embedding model ${dir}: tokenizer.json: the Unigram vocabulary is empty`,
    );
  });

  it("cuts texts at sentence_bert_config.json's max_seq_length", async () => {
    const dir = writeTinyModelDir(path.join(root, "short"), VOCABULARY);
    fs.writeFileSync(path.join(dir, "sentence_bert_config.json"), JSON.stringify({ max_seq_length: 4 }));
    const embedder = await loadOnnxEmbedder(dir);
    try {
      // [CLS] bitcoin wallet [SEP]: the food words are past the limit.
      const [cut] = await embedder.embed(["bitcoin wallet pizza pasta oven"]);
      expect([...cut!]).toEqual([1, 0, 0]);
      expect(embedder.description).toContain("up to 4 tokens");
    } finally {
      await embedder.close();
    }
  });
});

// --- multilingual (Unigram / SentencePiece) models ------------------------------------------------

/** SentencePiece pieces of Russian and Ukrainian words on two topics, as XLM-R would have them. */
const MULTILINGUAL: TinyUnigramModel = unigramTopicModel(
  {
    crypto: ["▁биткоин", "▁біткоїн", "▁кошел", "▁гаманець", "▁взлом", "▁злам", "▁крипто"],
    food: ["▁рецепт", "▁Рецепт", "▁пицц", "▁піц", "▁духовк", "▁тісто", "▁тесто"],
    weather: ["▁query"],
  },
  ["▁Мой", "▁Мій", "▁мой", "ёк", "али", "ан", "и", "ы", "е", "а", "▁в", "▁у", "!", ",", ":"],
);

describe("a multilingual model with a Unigram (SentencePiece) tokenizer", () => {
  let embedder: Embedder;
  beforeAll(async () => {
    // XLM-R exports declare input_ids and attention_mask only: feeding token_type_ids would fail.
    embedder = await loadOnnxEmbedder(writeTinyUnigramModelDir(path.join(root, "xlmr"), MULTILINGUAL));
  });
  afterAll(() => embedder.close());

  it("says which tokenizer and pooling it uses", () => {
    expect(embedder.dimensions).toBe(3);
    expect(embedder.description).toContain("(Unigram tokenizer, last_hidden_state mean-pooled, 3 dimensions");
  });

  it("finds a Russian and a Ukrainian text on the same topic similar, an unrelated one not", async () => {
    const [russian, ukrainian, food, ukrainianFood] = await embedder.embed([
      "Мой биткоин-кошелёк взломали!",
      "Мій біткоїн гаманець зламали",
      "Рецепт пиццы в духовке",
      "Тісто для піци у духовці",
    ]);
    expect(norm(russian!)).toBeCloseTo(1, 5);
    expect(dot(russian!, ukrainian!)).toBeCloseTo(1, 5);
    expect(dot(russian!, food!)).toBeCloseTo(0, 5);
    expect(dot(food!, ukrainianFood!)).toBeCloseTo(1, 5);
  });

  it("gives a zero vector to a text of spaces or invisible characters", async () => {
    const [spaces, invisible, unknown] = await embedder.embed(["   \n ", "\u200b\u2060", "漢字"]);
    expect([...spaces!]).toEqual([0, 0, 0]);
    expect([...invisible!]).toEqual([0, 0, 0]);
    // Only <unk> and ▁ pieces, whose rows are zero.
    expect([...unknown!]).toEqual([0, 0, 0]);
  });

  it("feeds token_type_ids to a model that declares it", async () => {
    const dir = writeTinyUnigramModelDir(path.join(root, "xlmr-types"), MULTILINGUAL, "last_hidden_state", [
      "attention_mask",
      "token_type_ids",
    ]);
    const typed = await loadOnnxEmbedder(dir);
    try {
      const [a, b] = await typed.embed(["биткоин", "гаманець"]);
      expect(dot(a!, b!)).toBeCloseTo(1, 5);
    } finally {
      await typed.close();
    }
  });

  it("puts config_sentence_transformers.json's default prompt before every text (e5's \"query: \")", async () => {
    const dir = writeTinyUnigramModelDir(path.join(root, "e5"), MULTILINGUAL);
    fs.writeFileSync(
      path.join(dir, "config_sentence_transformers.json"),
      JSON.stringify({ prompts: { query: "query: ", passage: "passage: " }, default_prompt_name: "query" }),
    );
    const prompted = await loadOnnxEmbedder(dir);
    try {
      expect(prompted.description).toContain('prompt "query: "');
      // "▁query" is on the third axis: "query: биткоин" mixes it half and half with crypto.
      const [crypto, empty] = await prompted.embed(["биткоин", "  "]);
      expect([...crypto!]).toEqual([expect.closeTo(Math.SQRT1_2, 5), 0, expect.closeTo(Math.SQRT1_2, 5)]);
      expect([...empty!]).toEqual([0, 0, 0]);
    } finally {
      await prompted.close();
    }
  });

  it("pools the first token when 1_Pooling/config.json says cls", async () => {
    const dir = writeTinyUnigramModelDir(path.join(root, "cls"), MULTILINGUAL);
    fs.mkdirSync(path.join(dir, "1_Pooling"));
    fs.writeFileSync(
      path.join(dir, "1_Pooling", "config.json"),
      JSON.stringify({
        word_embedding_dimension: 3,
        pooling_mode_cls_token: true,
        pooling_mode_mean_tokens: false,
      }),
    );
    const cls = await loadOnnxEmbedder(dir);
    try {
      expect(cls.description).toContain("last_hidden_state first-pooled");
      // <s> comes first and its row is zero.
      const [vector] = await cls.embed(["биткоин"]);
      expect([...vector!]).toEqual([0, 0, 0]);
    } finally {
      await cls.close();
    }
  });

  it("refuses pooling modes and prompts it cannot follow", async () => {
    const dir = writeTinyUnigramModelDir(path.join(root, "max"), MULTILINGUAL);
    fs.mkdirSync(path.join(dir, "1_Pooling"));
    fs.writeFileSync(
      path.join(dir, "1_Pooling", "config.json"),
      JSON.stringify({ pooling_mode_max_tokens: true }),
    );
    await expect(loadOnnxEmbedder(dir)).rejects.toThrow(
      `embedding model ${dir}: 1_Pooling/config.json asks for pooling_mode_max_tokens; supported: pooling_mode_mean_tokens or pooling_mode_cls_token alone`,
    );
    fs.rmSync(path.join(dir, "1_Pooling"), { recursive: true });
    const prompts = path.join(dir, "config_sentence_transformers.json");
    fs.writeFileSync(prompts, JSON.stringify({ prompts: {}, default_prompt_name: "query" }));
    await expect(loadOnnxEmbedder(dir)).rejects.toThrow(
      'config_sentence_transformers.json names default_prompt_name "query" but its prompts have no such text',
    );
    fs.writeFileSync(
      prompts,
      JSON.stringify({ prompts: { query: "x".repeat(MAX_PROMPT_CHARS + 1) }, default_prompt_name: "query" }),
    );
    await expect(loadOnnxEmbedder(dir)).rejects.toThrow(`longer than ${MAX_PROMPT_CHARS} characters`);
    fs.writeFileSync(prompts, JSON.stringify({ prompts: { query: "query: " }, default_prompt_name: null }));
    const unprompted = await loadOnnxEmbedder(dir);
    expect(unprompted.description).not.toContain("prompt");
    await unprompted.close();
  });

  it("cuts texts at tokenizer.json's truncation length when sentence_bert_config.json has none", async () => {
    const document = JSON.parse(MULTILINGUAL.tokenizerJson) as Record<string, unknown>;
    const dir = writeTinyUnigramModelDir(path.join(root, "truncated"), {
      ...MULTILINGUAL,
      tokenizerJson: JSON.stringify({ ...document, truncation: { max_length: 4, direction: "Right" } }),
    });
    const short = await loadOnnxEmbedder(dir);
    try {
      expect(short.description).toContain("up to 4 tokens");
      // <s> ▁биткоин ▁кошел </s>: the food words are past the limit.
      const [cut] = await short.embed(["биткоин кошел рецепт пицц духовк"]);
      expect([...cut!]).toEqual([1, 0, 0]);
    } finally {
      await short.close();
    }
    fs.writeFileSync(path.join(dir, "sentence_bert_config.json"), JSON.stringify({ max_seq_length: 3 }));
    await expect(loadOnnxEmbedder(dir, { maxTokens: 2 })).rejects.toThrow(
      `embedding model ${dir}: 2 tokens per text leave no room beside the 2 special tokens`,
    );
    const shorter = await loadOnnxEmbedder(dir);
    expect(shorter.description).toContain("up to 3 tokens");
    await shorter.close();
  });
});
