import { describe, expect, it } from "vitest";
import { foldTerm } from "./normalize.ts";
import { ngramCounts, SimilarityIndex } from "./similarity.ts";

describe("SimilarityIndex", () => {
  const index = SimilarityIndex.build([
    {
      profileIndex: 0,
      texts: ["Major cloud outage, AWS us-east-1 down", "Card payments failing across Europe"],
    },
    { profileIndex: 3, texts: ["Slow-cooked lamb with rosemary"] },
  ]);
  const best = (text: string) => index.bestMatches(foldTerm(text));

  it("gives 1 for an example itself, whatever its case, accents or spacing", () => {
    const [match] = best("MAJOR  cloud outage — AWS us-east-1 DOWN");
    expect(match).toMatchObject({ profileIndex: 0, exampleIndex: 0 });
    expect(match!.similarity).toBeCloseTo(1, 10);
  });

  it("returns the closest example per profile, in profile order", () => {
    const matches = best("card payments failing, lamb with rosemary tonight");
    expect(matches.map((m) => [m.profileIndex, m.exampleIndex])).toEqual([
      [0, 1],
      [3, 0],
    ]);
    for (const m of matches) expect(m.similarity).toBeGreaterThan(0.1);
  });

  it("finds nothing for text that shares no n-gram, and nothing without examples", () => {
    expect(best("xyzzy qwv")).toEqual([]);
    expect(SimilarityIndex.build([]).bestMatches("anything")).toEqual([]);
  });

  it("counts character 3-5-grams with word edges", () => {
    // " ab " gives " ab", "ab ", " ab " (3- and 4-grams).
    expect([...ngramCounts("ab").values()].reduce((a, b) => a + b, 0)).toBe(3);
    expect(ngramCounts("").size).toBe(0);
  });
});
