import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempDir } from "../testing/sentinel-fixture.ts";
import { encodeModel, topicVocabulary, writeTinyModelDir } from "../testing/tiny-onnx-model.ts";
import type { Embedder } from "./embedder.ts";
import { EmbeddingModelError } from "./embedder.ts";
import { loadOnnxEmbedder } from "./onnx-embedder.ts";

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

  it("refuses a tokenizer it does not support", async () => {
    const dir = writeTinyModelDir(path.join(root, "unigram"), VOCABULARY);
    fs.writeFileSync(
      path.join(dir, "tokenizer.json"),
      JSON.stringify({ model: { type: "Unigram", vocab: [] } }),
    );
    await expect(loadOnnxEmbedder(dir)).rejects.toThrow(/tokenizer.json uses a Unigram model/);
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
