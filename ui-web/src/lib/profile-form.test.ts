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
