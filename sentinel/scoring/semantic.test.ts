import { describe, expect, it } from "vitest";
import type { NormalizedMessage } from "../ingestion/message.ts";
import { chatMessage } from "../testing/alerting-fixture.ts";
import { buildScorer } from "./engine.ts";
import {
  MAX_SEMANTIC_TEXT_LENGTH,
  MAX_SEMANTIC_TEXTS,
  MAX_SEMANTIC_TEXTS_PER_SET,
  PROFILE_DEFAULTS,
  type Profile,
  type ProfileInput,
  parseProfiles,
  SEMANTIC_NEEDS_MODEL,
  semanticWithoutModel,
} from "./profile.ts";
import { SemanticIndex, semanticTexts } from "./semantic.ts";

function profiles(...inputs: ProfileInput[]): Profile[] {
  const parsed = parseProfiles({ profiles: inputs });
  if (!parsed.ok) throw new Error(`test profiles invalid: ${JSON.stringify(parsed.errors)}`);
  return parsed.profiles;
}

const vec = (...values: number[]) => Float32Array.from(values);
const message = (text: string, extra: Partial<NormalizedMessage> = {}) =>
  chatMessage("-1001", 1, text, extra);

describe("semantic profile validation", () => {
  it("fills the defaults in", () => {
    const [profile] = profiles({ name: "p", semantic: { texts: [" rates are going up "] } });
    expect(profile!.semantic).toEqual({
      weight: PROFILE_DEFAULTS.weight,
      min_similarity: PROFILE_DEFAULTS.minSemanticSimilarity,
      texts: ["rates are going up"],
    });
  });

  it("names each invalid field", () => {
    const result = parseProfiles({
      profiles: [
        {
          name: "p",
          semantic: {
            weight: -1,
            min_similarity: 0,
            texts: ["", "x".repeat(MAX_SEMANTIC_TEXT_LENGTH + 1)],
            model: "minilm",
          },
        },
        { name: "q", semantic: { texts: [] } },
        { name: "r", semantic: { texts: Array.from({ length: MAX_SEMANTIC_TEXTS + 1 }, (_, i) => `t${i}`) } },
      ],
    });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors).toEqual([
      { path: "profiles[0].semantic.weight", message: "must be >= 0" },
      { path: "profiles[0].semantic.min_similarity", message: "must be > 0" },
      { path: "profiles[0].semantic.texts[0]", message: "must not be empty" },
      {
        path: "profiles[0].semantic.texts[1]",
        message: `must be at most ${MAX_SEMANTIC_TEXT_LENGTH} characters`,
      },
      { path: "profiles[0].semantic.model", message: "unknown key" },
      { path: "profiles[1].semantic.texts", message: "give at least one text" },
      { path: "profiles[2].semantic.texts", message: `at most ${MAX_SEMANTIC_TEXTS} texts` },
    ]);
  });

  it("caps the semantic texts of the whole set", () => {
    const perProfile = MAX_SEMANTIC_TEXTS;
    const count = Math.floor(MAX_SEMANTIC_TEXTS_PER_SET / perProfile) + 1;
    const input = Array.from({ length: count }, (_, p) => ({
      name: `p${p}`,
      semantic: { texts: Array.from({ length: perProfile }, (_, i) => `text ${p}.${i}`) },
    }));
    const result = parseProfiles({ profiles: input });
    expect(!result.ok && result.errors).toEqual([
      {
        path: "profiles",
        message: `at most ${MAX_SEMANTIC_TEXTS_PER_SET} semantic texts in the whole set (got ${count * perProfile})`,
      },
    ]);
    expect(parseProfiles({ profiles: input.slice(0, -1) }).ok).toBe(true);
  });

  it("refuses semantic rules when no model is configured, naming each field", () => {
    const set = profiles(
      { name: "a", keywords: ["x"] },
      { name: "b", semantic: { texts: ["y"] } },
      { name: "c", semantic: { weight: 0, texts: ["z"] } },
    );
    expect(semanticWithoutModel(set)).toEqual([
      { path: "profiles[1].semantic", message: SEMANTIC_NEEDS_MODEL },
      { path: "profiles[2].semantic", message: SEMANTIC_NEEDS_MODEL },
    ]);
    expect(SEMANTIC_NEEDS_MODEL).toContain("scoring.embedding_model_dir");
    expect(semanticWithoutModel(profiles({ name: "a", keywords: ["x"] }))).toEqual([]);
  });
});

describe("SemanticIndex", () => {
  it("finds the closest text of each profile by cosine, normalising the vectors", () => {
    const index = SemanticIndex.build([
      { profileIndex: 3, vectors: [vec(0, 2), vec(2, 2)] },
      { profileIndex: 1, vectors: [vec(-1, 0)] },
    ]);
    const matches = index.bestMatches(vec(5, 5));
    expect(matches.map((m) => [m.profileIndex, m.textIndex])).toEqual([
      [1, 0],
      [3, 1],
    ]);
    expect(matches[0]!.similarity).toBeCloseTo(-Math.SQRT1_2, 6);
    expect(matches[1]!.similarity).toBeCloseTo(1, 6);
  });

  it("keeps the earlier text on ties and never matches a zero vector", () => {
    const index = SemanticIndex.build([{ profileIndex: 0, vectors: [vec(0, 0), vec(1, 0), vec(3, 0)] }]);
    expect(index.bestMatches(vec(1, 0))).toEqual([{ profileIndex: 0, similarity: 1, textIndex: 1 }]);
    expect(index.bestMatches(vec(0, 0))).toEqual([]);
    expect(index.bestMatches(vec(0, 1))).toEqual([{ profileIndex: 0, similarity: 0, textIndex: 0 }]);
  });

  it("refuses vectors of different lengths", () => {
    expect(() => SemanticIndex.build([{ profileIndex: 0, vectors: [vec(1, 0), vec(1, 0, 0)] }])).toThrow(
      RangeError,
    );
    const index = SemanticIndex.build([{ profileIndex: 0, vectors: [vec(1, 0)] }]);
    expect(() => index.bestMatches(vec(1, 0, 0))).toThrow(/3 dimensions, the index 2/);
  });
});

describe("semantic scoring in the engine", () => {
  const set = profiles(
    {
      name: "rates",
      threshold: 2,
      keywords: [{ term: "ECB", weight: 1 }],
      semantic: {
        weight: 1.5,
        min_similarity: 0.8,
        texts: ["central bank raises rates", "inflation surprise"],
      },
    },
    { name: "off", enabled: false, semantic: { texts: ["disabled text"] } },
    { name: "zero", semantic: { weight: 0, texts: ["weightless text"] } },
    { name: "elsewhere", chats: { include: ["-1002"] }, semantic: { texts: ["inflation surprise"] } },
  );
  const textEmbeddings = new Map([
    ["central bank raises rates", vec(1, 0, 0)],
    ["inflation surprise", vec(0.6, 0.8, 0)],
  ]);

  it("lists the distinct texts of active rules to embed", () => {
    expect(semanticTexts(set)).toEqual(["central bank raises rates", "inflation surprise"]);
  });

  it("adds a semantic reason with the similarity when the closest text reaches min_similarity", () => {
    const scorer = buildScorer(set, { textEmbeddings });
    expect(scorer.semanticActive).toBe(true);
    const [score] = scorer.score(message("ECB hikes again"), { embedding: vec(0.9, 0.1, 0.1) });
    expect(score).toEqual({
      profile: "rates",
      score: 2.5,
      threshold: 2,
      alert: true,
      reasons: [
        { kind: "keyword", term: "ECB", weight: 1, start: 0, end: 3, text: "ECB" },
        { kind: "semantic", term: "central bank raises rates", weight: 1.5, similarity: 0.9879 },
      ],
    });
  });

  it("adds nothing below min_similarity, without an embedding, or outside the chat filter", () => {
    const scorer = buildScorer(set, { textEmbeddings });
    expect(scorer.score(message("weather"), { embedding: vec(0, 0, 1) })).toEqual([]);
    expect(scorer.score(message("no vector"))).toEqual([]);
    expect(scorer.score(message("null vector"), { embedding: null })).toEqual([]);
    const inChat2 = scorer.score(chatMessage("-1002", 2, "x"), { embedding: vec(0.6, 0.8, 0) });
    expect(inChat2.map((s) => [s.profile, s.reasons[0]!.similarity])).toEqual([
      ["rates", 1],
      ["elsewhere", 1],
    ]);
  });

  it("stays inactive without the texts' embeddings (no model)", () => {
    const scorer = buildScorer(set);
    expect(scorer.semanticActive).toBe(false);
    expect(scorer.score(message("x"), { embedding: vec(1, 0, 0) })).toEqual([]);
    const partial = buildScorer(set, {
      textEmbeddings: new Map([["central bank raises rates", vec(1, 0, 0)]]),
    });
    expect(partial.semanticActive).toBe(false);
  });
});
