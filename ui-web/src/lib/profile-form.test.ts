import { describe, expect, it } from "vitest";
import { definitionOfForm, formOfProfile, localProfileErrors, normalizeFieldPath } from "./profile-form.ts";

describe("profile form", () => {
  const definition = {
    threshold: 2,
    description: "Rates and markets",
    keywords: [{ term: "rates", weight: 1.5 }, "inflation"],
    regex: [{ pattern: "\\bQ[1-4]\\b", flags: "i", weight: 2 }],
    vip_senders: [
      { username: "alice", weight: 3 },
      { id: "4242", weight: 1 },
      { name: "Bob B.", weight: 1 },
    ],
    chats: { include: [-1001700000001], exclude: ["Noise, Inc."] },
    mentions_me: { weight: 2 },
    engagement: { weight: 1, min_reactions: 10 },
    examples: { weight: 2, min_similarity: 0.4, texts: ["central bank raises rates"] },
    future_key: { kept: true },
  };

  it("round-trips every field the sentinel takes, and keeps keys it does not manage", () => {
    const form = formOfProfile({ name: "Markets", enabled: true, definition });
    expect(form.keywords).toEqual([
      { term: "rates", weight: 1.5 },
      { term: "inflation", weight: 1 },
    ]);
    expect(form.vipSenders.map((v) => v.who)).toEqual(["@alice", "4242", "Bob B."]);
    expect(definitionOfForm(form)).toEqual({
      ...definition,
      keywords: [
        { term: "rates", weight: 1.5 },
        { term: "inflation", weight: 1 },
      ],
      vip_senders: [
        { username: "@alice", weight: 3 },
        { id: "4242", weight: 1 },
        { name: "Bob B.", weight: 1 },
      ],
      chats: { include: ["-1001700000001"], exclude: ["Noise, Inc."] },
    });
  });

  it("leaves out empty rows and optional sections", () => {
    const form = formOfProfile({ name: "x", enabled: true, definition: { threshold: 1 } });
    form.keywords.push({ term: "  ", weight: 1 });
    expect(definitionOfForm(form)).toEqual({
      threshold: 1,
      keywords: [],
      regex: [],
      vip_senders: [],
      chats: { include: [], exclude: [] },
    });
  });

  it("catches an invalid regex and a missing name before asking the server", () => {
    const form = formOfProfile({
      name: " ",
      enabled: true,
      definition: { threshold: 1, regex: [{ pattern: "(" }] },
    });
    const errors = localProfileErrors(form);
    expect(errors.get("name")).toBeDefined();
    expect(errors.get("regex.0.pattern")).toMatch(/Not a valid pattern/);
  });

  it("maps the sentinel's and the UI service's field paths to the form's", () => {
    expect(normalizeFieldPath("profiles[2].regex[1].pattern")).toBe("regex.1.pattern");
    expect(normalizeFieldPath("profiles.0.keywords.3.weight")).toBe("keywords.3.weight");
    expect(normalizeFieldPath("input.definition.threshold")).toBe("threshold");
    expect(normalizeFieldPath("name")).toBe("name");
  });
});

describe("profile form digests", () => {
  it("maps digest schedules both ways, sending only the fields each kind takes", () => {
    const digests = [
      { every: "hourly", top_n: 5 },
      { every: "daily", at_hour: 7, top_n: 20 },
      { every: "weekly", at_hour: 18, weekday: "fri", top_n: 10 },
    ];
    const form = formOfProfile({ name: "x", enabled: true, definition: { threshold: 1, digests } });
    expect(form.digests).toEqual([
      { every: "hourly", atHour: 8, weekday: "mon", topN: 5 },
      { every: "daily", atHour: 7, weekday: "mon", topN: 20 },
      { every: "weekly", atHour: 18, weekday: "fri", topN: 10 },
    ]);
    expect(form.extra).toEqual({});
    expect(definitionOfForm(form).digests).toEqual(digests);

    // Switching a daily schedule to every 6 hours drops its hour; an empty top N is left out.
    form.digests[1] = { ...form.digests[1]!, every: "6h", topN: null };
    expect(definitionOfForm(form).digests).toEqual([digests[0], { every: "6h" }, digests[2]]);
    form.digests = [];
    expect(definitionOfForm(form)).not.toHaveProperty("digests");
  });

  it("reads an unknown kind or day as the defaults rather than failing", () => {
    const form = formOfProfile({
      name: "x",
      enabled: true,
      definition: { digests: [{ every: "fortnightly", weekday: "someday" }, "junk"] },
    });
    expect(form.digests).toEqual([
      { every: "daily", atHour: 8, weekday: "mon", topN: null },
      { every: "daily", atHour: 8, weekday: "mon", topN: null },
    ]);
  });

  it("checks top N and maps the server's digest paths to the form's", () => {
    const form = formOfProfile({ name: "x", enabled: true, definition: { threshold: 1 } });
    form.digests = [
      { every: "hourly", atHour: 8, weekday: "mon", topN: 101 },
      { every: "4h", atHour: 8, weekday: "mon", topN: 100 },
      { every: "6h", atHour: 8, weekday: "mon", topN: 2.5 },
    ];
    const errors = localProfileErrors(form);
    expect([...errors.keys()]).toEqual(["digests.0.top_n", "digests.2.top_n"]);
    expect(normalizeFieldPath("profiles[3].digests[1].at_hour")).toBe("digests.1.at_hour");
  });
});

describe("profile form semantic rule", () => {
  it("maps `semantic` both ways and keeps it out of the pass-through keys", () => {
    const semantic = {
      weight: 2,
      min_similarity: 0.6,
      texts: ["ransomware attack on a hospital", "customer records leaked"],
    };
    const form = formOfProfile({ name: "x", enabled: true, definition: { threshold: 1, semantic } });
    expect(form.semantic).toEqual({
      weight: 2,
      minSimilarity: 0.6,
      texts: ["ransomware attack on a hospital", "customer records leaked"],
    });
    expect(form.extra).toEqual({});
    expect(definitionOfForm(form).semantic).toEqual(semantic);

    // Blank texts are dropped and unset numbers left to the sentinel's defaults.
    form.semantic = { weight: null, minSimilarity: null, texts: ["  data breach  ", " "] };
    expect(definitionOfForm(form).semantic).toEqual({ texts: ["data breach"] });
    // Without texts the section is left out (the sentinel refuses an empty one).
    form.semantic = { weight: 3, minSimilarity: 0.4, texts: [" "] };
    expect(definitionOfForm(form)).not.toHaveProperty("semantic");
  });

  it("checks similarity and text length, and maps the server's semantic paths", () => {
    const form = formOfProfile({ name: "x", enabled: true, definition: { threshold: 1 } });
    form.semantic = { weight: 1, minSimilarity: 0, texts: ["ok", "x".repeat(1001)] };
    expect([...localProfileErrors(form).keys()]).toEqual(["semantic.min_similarity", "semantic.texts.1"]);
    form.semantic = { weight: 1, minSimilarity: 1, texts: ["x".repeat(1000)] };
    expect(localProfileErrors(form).size).toBe(0);
    expect(normalizeFieldPath("profiles[0].semantic")).toBe("semantic");
  });
});
