/**
 * Semantic profile rules on the real app, with a tiny ONNX model the test builds and the real
 * onnxruntime-web: PUT a profile, ingest messages, alerts with "semantic" reasons; the profile test
 * route; restarts with and without the model; an unusable model stops the start; a multilingual
 * model with a SentencePiece (Unigram) tokenizer matching a Russian message to a Ukrainian text.
 */
import fs from "node:fs";
import path from "node:path";
import { ConfigError } from "@tgsentinel/contract/env-check.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Embedder, EmbeddingModelError } from "../embedding/embedder.ts";
import { loadOnnxEmbedder } from "../embedding/onnx-embedder.ts";
import { SEMANTIC_NEEDS_MODEL } from "../scoring/profile.ts";
import { chatMessage, Feeder, getJson, sendJson } from "../testing/alerting-fixture.ts";
import { buildTestApp, makeTempDir, type TestApp } from "../testing/sentinel-fixture.ts";
import {
  topicVocabulary,
  unigramTopicModel,
  writeTinyModelDir,
  writeTinyUnigramModelDir,
} from "../testing/tiny-onnx-model.ts";

const yaml = "alerts:\n  per_chat_per_hour: 1000\n  per_profile_per_hour: 1000\n";

const VOCABULARY = topicVocabulary({
  crypto: ["bitcoin", "ethereum", "wallet", "token", "stolen", "hacked"],
  food: ["pizza", "pasta", "recipe", "oven"],
  weather: ["rain", "storm", "forecast"],
});

const CRYPTO = {
  name: "crypto",
  threshold: 1,
  keywords: [{ term: "exchange", weight: 1 }],
  semantic: { weight: 1.5, min_similarity: 0.8, texts: ["bitcoin wallet hacked", "pasta recipe"] },
};

async function alertsOf(t: TestApp) {
  const answer = await getJson(t.app, "/api/alerts?limit=100");
  expect(answer.status).toBe(200);
  return (answer.body.data.alerts as Array<{ message_id: number; profile: string; reasons: unknown[] }>).sort(
    (a, b) => a.message_id - b.message_id,
  );
}

describe("semantic rules in the scoring plugin", () => {
  let root: string;
  let modelDir: string;
  beforeAll(() => {
    root = makeTempDir("semantic-plugin-");
    modelDir = writeTinyModelDir(path.join(root, "model"), VOCABULARY);
  });
  afterAll(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });

  describe("with a model", () => {
    const dir = () => path.join(root, "app");
    let t: TestApp;
    beforeAll(async () => {
      fs.mkdirSync(dir());
      t = await buildTestApp({
        dir: dir(),
        yaml,
        env: { TG_EMBEDDING_MODEL_DIR: modelDir },
        digestTimer: false,
      });
      await t.app.ready();
    });
    afterAll(async () => {
      await t.close();
    });

    it("alerts on a message similar in meaning to a semantic text and records the reason", async () => {
      const put = await sendJson(t.app, "PUT", "/api/profiles", { profiles: [CRYPTO] });
      expect(put.status).toBe(200);
      expect(put.body.data.profiles[0].semantic).toEqual(CRYPTO.semantic);

      await new Feeder(t.app).feed(
        chatMessage("-1001", 1, "Ethereum token stolen from a wallet!"),
        chatMessage("-1001", 2, "Storm and rain in the forecast"),
        chatMessage("-1001", 3, "bitcoin and rain"), // halfway between topics: cosine 0.71 < 0.8
        chatMessage("-1001", 4, ""),
        chatMessage("-1001", 5, "exchange hacked"),
      );
      const alerts = await alertsOf(t);
      expect(alerts.map((a) => [a.message_id, a.profile])).toEqual([
        [1, "crypto"],
        [5, "crypto"],
      ]);
      expect(alerts[0]!.reasons).toEqual([
        { kind: "semantic", term: "bitcoin wallet hacked", weight: 1.5, similarity: 1 },
      ]);
      expect(alerts[1]!.reasons).toEqual([
        { kind: "keyword", term: "exchange", weight: 1, start: 0, end: 8, text: "exchange" },
        { kind: "semantic", term: "bitcoin wallet hacked", weight: 1.5, similarity: 1 },
      ]);
      const stats = (await getJson(t.app, "/api/stats")).body.data;
      expect(stats.scoring.messages_scored).toBe(5);
    });

    it("scores semantic rules in the profile test route, storing nothing", async () => {
      const before = await t.app.prisma.alert.count();
      const answer = await sendJson(t.app, "POST", "/api/profiles/test", {
        profile: { ...CRYPTO, name: "draft", semantic: { texts: ["oven recipe"], min_similarity: 0.9 } },
        messages: ["pasta with pizza", "hacked wallet", "   "],
      });
      expect(answer.status).toBe(200);
      const results = answer.body.data.results as Array<{ matched: boolean; reasons: unknown[] }>;
      expect(results.map((r) => r.matched)).toEqual([true, false, false]);
      expect(results[0]!.reasons).toEqual([
        { kind: "semantic", term: "oven recipe", weight: 1, similarity: 1 },
      ]);
      expect(await t.app.prisma.alert.count()).toBe(before);
    });

    it("embeds the stored texts again after a restart and keeps alerting", async () => {
      await t.close();
      t = await buildTestApp({
        dir: dir(),
        yaml,
        env: { TG_EMBEDDING_MODEL_DIR: modelDir },
        digestTimer: false,
      });
      await t.app.ready();
      expect(t.app.scoring.scorer.semanticActive).toBe(true);
      await new Feeder(t.app).feed(chatMessage("-1002", 1, "my pasta recipe"));
      const alerts = (await alertsOf(t)).filter((a) => a.message_id === 1 && a.profile === "crypto");
      expect(alerts.map((a) => a.reasons)).toContainEqual([
        { kind: "semantic", term: "pasta recipe", weight: 1.5, similarity: 1 },
      ]);
    });

    it("keeps stored semantic rules, inactive, when the model is no longer configured", async () => {
      await t.close();
      t = await buildTestApp({ dir: dir(), yaml, digestTimer: false });
      await t.app.ready();
      const profiles = (await getJson(t.app, "/api/profiles")).body.data.profiles;
      expect(profiles[0].semantic).toEqual(CRYPTO.semantic);
      expect(t.app.scoring.scorer.semanticActive).toBe(false);
      const before = await t.app.prisma.alert.count();
      await new Feeder(t.app).feed(
        chatMessage("-1003", 1, "bitcoin wallet hacked"),
        chatMessage("-1003", 2, "exchange news"),
      );
      const alerts = await t.app.prisma.alert.findMany({ where: { chatId: "-1003" } });
      expect(alerts.map((a) => a.messageId)).toEqual([2]);
      expect(await t.app.prisma.alert.count()).toBe(before + 1);
    });
  });

  describe("with a multilingual (Unigram tokenizer) model", () => {
    let t: TestApp;
    beforeAll(async () => {
      const model = unigramTopicModel(
        {
          crypto: ["▁биткоин", "▁біткоїн", "▁кошел", "▁гаманець", "▁взлом", "▁злам"],
          food: ["▁рецепт", "▁Рецепт", "▁пицц", "▁піц", "▁духовк"],
        },
        ["▁Мой", "▁Мій", "ёк", "али", "ы", "е", "▁в", "!"],
      );
      const dir = writeTinyUnigramModelDir(path.join(root, "multilingual"), model);
      t = await buildTestApp({ yaml, env: { TG_EMBEDDING_MODEL_DIR: dir }, digestTimer: false });
      await t.app.ready();
    });
    afterAll(() => t.close());

    it("alerts on a Russian message similar to a Ukrainian semantic text", async () => {
      const profile = {
        name: "crypto-uk",
        threshold: 1,
        keywords: [],
        semantic: { weight: 2, min_similarity: 0.9, texts: ["біткоїн гаманець зламали"] },
      };
      expect((await sendJson(t.app, "PUT", "/api/profiles", { profiles: [profile] })).status).toBe(200);
      await new Feeder(t.app).feed(
        chatMessage("-1004", 1, "Мой биткоин-кошелёк взломали!"),
        chatMessage("-1004", 2, "Рецепт пиццы в духовке"),
      );
      const alerts = await alertsOf(t);
      expect(alerts.map((a) => [a.message_id, a.profile])).toEqual([[1, "crypto-uk"]]);
      expect(alerts[0]!.reasons).toEqual([
        { kind: "semantic", term: "біткоїн гаманець зламали", weight: 2, similarity: 1 },
      ]);
    });
  });

  describe("without a model", () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await buildTestApp({ yaml, digestTimer: false });
    });
    afterAll(() => t.close());

    it("refuses semantic rules, naming the field, and keeps the previous set", async () => {
      const put = await sendJson(t.app, "PUT", "/api/profiles", {
        profiles: [{ name: "plain", keywords: ["x"] }, CRYPTO],
      });
      expect(put.status).toBe(400);
      expect(put.body.code).toBe("INVALID_PROFILES");
      expect(put.body.message).toBe(
        `The profile set is invalid: profiles[1].semantic ${SEMANTIC_NEEDS_MODEL}`,
      );
      expect(put.body.error.details).toEqual([
        { path: "profiles[1].semantic", message: SEMANTIC_NEEDS_MODEL },
      ]);
      expect((await getJson(t.app, "/api/profiles")).body.data.count).toBe(0);

      const test = await sendJson(t.app, "POST", "/api/profiles/test", { profile: CRYPTO, text: "x" });
      expect(test.status).toBe(400);
      expect(test.body.error.details).toEqual([{ path: "profile.semantic", message: SEMANTIC_NEEDS_MODEL }]);
    });
  });

  describe("a model that fails on a batch", () => {
    let t: TestApp;
    let real: Embedder;
    let failing = false;
    beforeAll(async () => {
      real = await loadOnnxEmbedder(modelDir);
      const embedder: Embedder = {
        dimensions: real.dimensions,
        description: "flaky",
        embed: (texts) => (failing ? Promise.reject(new Error("out of memory")) : real.embed(texts)),
        close: () => real.close(),
      };
      t = await buildTestApp({ yaml, digestTimer: false, embedder });
      await t.app.ready();
    });
    afterAll(async () => {
      await t.close();
      await real.close();
    });

    it("still scores the batch by its other rules", async () => {
      expect((await sendJson(t.app, "PUT", "/api/profiles", { profiles: [CRYPTO] })).status).toBe(200);
      failing = true;
      await new Feeder(t.app).feed(
        chatMessage("-1001", 1, "bitcoin wallet hacked"),
        chatMessage("-1001", 2, "exchange down"),
      );
      const alerts = await alertsOf(t);
      expect(alerts.map((a) => [a.message_id, a.reasons.length])).toEqual([[2, 1]]);
      expect(await t.app.prisma.message.count({ where: { scoredAt: null } })).toBe(0);
    });
  });

  describe("an unusable model directory", () => {
    it("stops the start with the problem", async () => {
      const corrupt = writeTinyModelDir(path.join(root, "corrupt"), VOCABULARY);
      fs.writeFileSync(path.join(corrupt, "model.onnx"), "not a model");
      const error = await buildTestApp({ yaml, env: { TG_EMBEDDING_MODEL_DIR: corrupt } }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(EmbeddingModelError);
      expect((error as Error).message).toMatch(
        new RegExp(`^embedding model ${corrupt}: model.onnx cannot be loaded by ONNX Runtime: `),
      );

      const missing = path.join(root, "missing");
      const config = await buildTestApp({ yaml, env: { TG_EMBEDDING_MODEL_DIR: missing } }).catch(
        (e: unknown) => e,
      );
      expect(config).toBeInstanceOf(ConfigError);
      expect((config as ConfigError).problems).toEqual([
        `TG_EMBEDDING_MODEL_DIR (${missing}) does not exist; it must hold model.onnx and vocab.txt or tokenizer.json`,
      ]);
    });
  });
});
