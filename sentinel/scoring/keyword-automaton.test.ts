import { describe, expect, it } from "vitest";
import { KeywordAutomaton } from "./keyword-automaton.ts";
import { foldTerm, isWholeWord } from "./normalize.ts";
import { SeededRandom } from "./seeded-random.ts";

type Hit = [profile: number, keyword: number, start: number, end: number];

function scan(automaton: KeywordAutomaton, text: string): Hit[] {
  const hits: Hit[] = [];
  automaton.scan(text, (p, k, s, e) => hits.push([p, k, s, e]));
  return hits.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}

/** The obvious quadratic reference: first whole-word occurrence of every term. */
function naive(
  terms: Array<{ profileIndex: number; keywordIndex: number; folded: string }>,
  text: string,
): Hit[] {
  const hits: Hit[] = [];
  for (const t of terms) {
    for (let at = text.indexOf(t.folded); at !== -1; at = text.indexOf(t.folded, at + 1)) {
      if (isWholeWord(text, at, at + t.folded.length)) {
        hits.push([t.profileIndex, t.keywordIndex, at, at + t.folded.length]);
        break;
      }
    }
  }
  return hits.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}

describe("KeywordAutomaton", () => {
  it("finds the same hits as a naive search on random texts and dictionaries", () => {
    const random = new SeededRandom(20241104);
    // A tiny alphabet makes overlaps and shared prefixes frequent; digits and "_" are word
    // characters, CJK needs no boundary, an astral letter and emoji take two code units.
    const alphabet = ["a", "b", "c", " ", "-", "é", "1", "_", "中", "カ", "𝐀", "😀"];
    const word = (min: number, max: number) =>
      Array.from({ length: random.int(min, max) }, () => random.pick(alphabet)).join("");
    for (let round = 0; round < 600; round++) {
      const terms: Array<{ profileIndex: number; keywordIndex: number; folded: string }> = [];
      const profiles = random.int(1, 4);
      for (let p = 0; p < profiles; p++) {
        const count = random.int(1, 8);
        for (let k = 0; k < count; k++) {
          const folded = foldTerm(word(1, 5));
          if (folded.length > 0) terms.push({ profileIndex: p, keywordIndex: k, folded });
        }
      }
      const text = foldTerm(word(0, 60));
      const automaton = KeywordAutomaton.build(terms);
      expect(scan(automaton, text), `round ${round}: ${JSON.stringify({ terms, text })}`).toEqual(
        naive(terms, text),
      );
    }
  });

  it("shares one pattern between profiles and counts states once per distinct prefix", () => {
    const automaton = KeywordAutomaton.build([
      { profileIndex: 0, keywordIndex: 0, folded: "he" },
      { profileIndex: 1, keywordIndex: 3, folded: "he" },
      { profileIndex: 1, keywordIndex: 4, folded: "hers" },
    ]);
    expect(automaton.patternCount).toBe(2);
    expect(automaton.stateCount).toBe(5); // root, h, he, her, hers
    expect(scan(automaton, "hers he")).toEqual([
      [0, 0, 5, 7],
      [1, 3, 5, 7],
      [1, 4, 0, 4],
    ]);
  });

  it("is reusable: a second scan reports hits again", () => {
    const automaton = KeywordAutomaton.build([{ profileIndex: 0, keywordIndex: 0, folded: "x" }]);
    expect(scan(automaton, "x")).toEqual([[0, 0, 0, 1]]);
    expect(scan(automaton, "a x")).toEqual([[0, 0, 2, 3]]);
  });
});
