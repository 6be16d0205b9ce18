import { describe, expect, it } from "vitest";
import { foldWithOffsets } from "./normalize.ts";
import { mayMatch, regexPrefilter, TextFacts } from "./regex-prefilter.ts";
import { checkRegexSafety } from "./regex-safety.ts";
import { SeededRandom } from "./seeded-random.ts";

describe("regexPrefilter", () => {
  it("finds the longest run every match must contain", () => {
    const literal = (literal: string, folded = false) => ({ literal, folded, foldSafe: folded, digits: 0 });
    expect(regexPrefilter("CVE-\\d{4}-\\d{4,}", "")).toEqual({ ...literal("CVE-"), digits: 4 });
    expect(regexPrefilter("(?:buy|sell) \\d+ shares", "")).toEqual({ ...literal(" shares"), digits: 1 });
    expect(regexPrefilter("abc+def", "")).toEqual(literal("abc"));
    expect(regexPrefilter("ab?cdef", "")).toEqual(literal("cdef"));
    expect(regexPrefilter("уязвимость \\d", "u")).toEqual({ ...literal("уязвимость "), digits: 1 });
    // Under `i`: lower case, and k / s end a run (Kelvin sign, long s).
    expect(regexPrefilter("TICKET-\\d+", "i")).toEqual({ ...literal("tic", true), digits: 1 });
    expect(regexPrefilter("Ransom", "iu")).toEqual(literal("ran", true));
    expect(regexPrefilter("уязвимость", "i")).toBeNull();
  });

  it("finds the digits in a row every match must contain", () => {
    const digits = (source: string, flags = "") => regexPrefilter(source, flags)?.digits ?? 0;
    expect(digits("\\b(?:block|блок)\\s?#?\\d{6,9}\\b", "iu")).toBe(6);
    expect(digits("\\b(?:\\d{1,3}\\.){3}\\d{1,3}\\b")).toBe(1);
    expect(digits("\\d\\d[0-9]")).toBe(3);
    expect(digits("(\\d{2})x")).toBe(2);
    // Not certain: optional, alternatives, classes wider than the digits, lookarounds.
    expect(digits("\\d?x")).toBe(0);
    expect(digits("(?:\\d|x)y")).toBe(0);
    expect(digits("[0-9a-f]{64}", "i")).toBe(0);
    expect(digits("(?=\\d{5})")).toBe(0);
    // A text without a run that long is ruled out, one with it is not.
    const six = regexPrefilter("\\d{6,9}", "")!;
    expect(mayMatch(six, new TextFacts("block 12345 and 67890"))).toBe(false);
    expect(mayMatch(six, new TextFacts("no digits at all"))).toBe(false);
    expect(mayMatch(six, new TextFacts("block #1234567"))).toBe(true);
    expect(new TextFacts("a1b22c333").digits).toBe(3);
  });

  it("looks for fold-safe literals in the folded text; literals with spaces in the lower-cased one", () => {
    const ticket = regexPrefilter("PAB-\\d+", "i")!;
    expect(ticket).toMatchObject({ literal: "pab-", folded: true, foldSafe: true });
    expect(mayMatch(ticket, new TextFacts("see PAB-42", "see pab-42"))).toBe(true);
    // The folded text is trusted for it (a text is never looked at twice).
    expect(mayMatch(ticket, new TextFacts("see PAB-42", "see nothing"))).toBe(false);
    const spaced = regexPrefilter("two  spaces", "i")!;
    expect(spaced).toMatchObject({ literal: "two  ", folded: true, foldSafe: false });
    // Folding collapses the two spaces; the lower-cased text still has them.
    expect(mayMatch(spaced, new TextFacts("TWO  SPACES", foldWithOffsets("TWO  SPACES").text))).toBe(true);
  });

  it("gives up on alternations, optional parts and stateful flags", () => {
    expect(regexPrefilter("foo|bar", "")).toBeNull();
    expect(regexPrefilter("(?:foo)?\\d+", "")).toEqual({
      literal: "",
      folded: false,
      foldSafe: false,
      digits: 1,
    });
    expect(regexPrefilter("(?:foo)?[xy]+", "")).toBeNull();
    expect(regexPrefilter("[abc]+\\b", "")).toBeNull();
    expect(regexPrefilter("foobar", "g")).toBeNull();
    expect(regexPrefilter("foobar", "y")).toBeNull();
  });

  it("never rules out a text the regex matches (random patterns and texts)", () => {
    const rnd = new SeededRandom(20261125);
    const atoms = [
      "a",
      "b",
      "A",
      "k",
      "K",
      "s",
      "S",
      "x",
      "1",
      "\\.",
      "-",
      " ",
      "ж",
      "Ж",
      "é",
      "😀",
      "\\d",
      "\\w",
      "\\s",
      ".",
      "[ab]",
      "[^a]",
      "\\b",
      "^",
      "$",
      "\\u212A",
      "ſ",
    ];
    const quants = ["", "", "", "", "?", "+", "*", "{2}", "{0,2}", "{1,3}", "+?"];
    const pattern = (depth: number): string => {
      let out = "";
      const length = rnd.int(1, 6);
      for (let i = 0; i < length; i++) {
        const roll = rnd.next();
        let atom: string;
        if (depth < 2 && roll < 0.12) atom = `(${pattern(depth + 1)})`;
        else if (depth < 2 && roll < 0.2) atom = `(?:${pattern(depth + 1)}|${pattern(depth + 1)})`;
        else if (depth < 2 && roll < 0.25) atom = `(?=${pattern(depth + 1)})`;
        else atom = rnd.pick(atoms);
        const canRepeat = !["\\b", "^", "$"].includes(atom) && !atom.startsWith("(?=");
        out += atom + (canRepeat ? rnd.pick(quants) : "");
      }
      return out;
    };
    const textChars = [
      "a",
      "A",
      "b",
      "B",
      "k",
      "K",
      "\u212A",
      "s",
      "S",
      "ſ",
      "x",
      "X",
      "1",
      "2",
      ".",
      "-",
      " ",
      "ж",
      "Ж",
      "é",
      "É",
      "😀",
      "İ",
      "ı",
      "\n",
    ];
    const flagSets = ["", "i", "u", "iu", "m", "s", "imsu"];
    let checked = 0;
    let filtered = 0;
    let matched = 0;
    for (let i = 0; i < 3000; i++) {
      const source = pattern(0);
      const flags = rnd.pick(flagSets);
      let regex: RegExp;
      try {
        regex = new RegExp(source, flags);
      } catch {
        continue;
      }
      // Profiles only ever hold patterns that pass the safety check (no catastrophic backtracking).
      if (!checkRegexSafety(source, flags).safe) continue;
      const prefilter = regexPrefilter(source, flags);
      if (prefilter !== null) filtered++;
      for (let j = 0; j < 20; j++) {
        let text = "";
        const length = rnd.int(0, 24);
        for (let c = 0; c < length; c++) text += rnd.pick(textChars);
        // Half the texts carry the pattern's literal characters, so matches are frequent.
        if (rnd.chance(0.5)) text += source.replace(/[\\()[\]{}?*+|^$.:=]/g, "");
        checked++;
        if (!regex.test(text)) continue;
        matched++;
        if (!mayMatch(prefilter, new TextFacts(text)))
          expect.fail(
            `pre-filter ${JSON.stringify(prefilter)} ruled out /${source}/${flags} on ${JSON.stringify(text)}`,
          );
        // The scorer's folded text standing in for the lower-cased one never rules a match out either.
        if (!mayMatch(prefilter, new TextFacts(text, foldWithOffsets(text).text)))
          expect.fail(
            `pre-filter ${JSON.stringify(prefilter)} on folded text ruled out /${source}/${flags} on ${JSON.stringify(text)}`,
          );
      }
    }
    expect(checked).toBeGreaterThan(10_000);
    expect(filtered).toBeGreaterThan(300);
    expect(matched).toBeGreaterThan(2_000);
  });
});
