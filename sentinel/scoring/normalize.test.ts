import { describe, expect, it } from "vitest";
import { foldTerm, foldWithOffsets, isWholeWord, originalSpan } from "./normalize.ts";

describe("foldWithOffsets", () => {
  it("folds width, case, accents and whitespace runs", () => {
    expect(foldWithOffsets("Ｚéro-DAY\u00a0 \n ok").text).toBe("zero-day ok");
    expect(foldWithOffsets("Straße ΣΊΣΥΦΟΣ").text).toBe("strasse σισυφοσ");
    expect(foldWithOffsets("ex\u00adploit").text).toBe("exploit");
  });

  it("maps every folded unit back to the original span it came from", () => {
    const original = "🚨 Ca\u0301fe\u0301   ﬁx";
    const folded = foldWithOffsets(original);
    expect(folded.text).toBe("🚨 cafe fix");
    // "cafe" with both combining accents included in its original span.
    const start = folded.text.indexOf("cafe");
    const span = originalSpan(folded, start, start + 4);
    expect(original.slice(span.start, span.end)).toBe("Ca\u0301fe\u0301");
    // "fi" comes from one ligature code point.
    const fi = folded.text.indexOf("fi");
    expect(originalSpan(folded, fi, fi + 1)).toEqual(originalSpan(folded, fi + 1, fi + 2));
    expect(original.slice(originalSpan(folded, fi, fi + 3).start, originalSpan(folded, fi, fi + 3).end)).toBe(
      "ﬁx",
    );
    // The astral emoji keeps its two code units.
    expect(originalSpan(folded, 0, 2)).toEqual({ start: 0, end: 2 });
  });

  it("keeps unpaired surrogates and long expansions exact, whatever the text's length", () => {
    // A lone surrogate folds to itself (a TextDecoder would turn it into U+FFFD).
    const lone = foldWithOffsets("A\ud83d B\ude00");
    expect(lone.text).toBe("a\ud83d b\ude00");
    expect([...lone.starts]).toEqual([0, 1, 2, 3, 4]);
    // U+FDFA folds to 18 code units: buffers grow past the text's own length, offsets stay exact.
    const long = `${"Ab ".repeat(3_000)}${"\ufdfa".repeat(1_000)}`;
    const folded = foldWithOffsets(long);
    expect(folded.text.length).toBe(9_000 + 18_000);
    expect(folded.text.startsWith("ab ab ")).toBe(true);
    expect(folded.starts).toHaveLength(folded.text.length);
    expect(folded.starts[9_000 + 17_999]).toBe(9_000 + 999);
    expect(folded.ends[9_000 + 17_999]).toBe(10_000);
    // The next, short fold does not see the long one's leftovers.
    expect(foldWithOffsets("Ok").text).toBe("ok");
  });

  it("gives the right offsets when they are asked for after later folds", () => {
    const first = foldWithOffsets("Ca\u0301fe\u0301 ok");
    const second = foldWithOffsets("ÉTÉ ﬁne");
    const third = foldWithOffsets("x");
    expect(originalSpan(first, 0, 4)).toEqual({ start: 0, end: 6 });
    expect([...first.ends]).toEqual([1, 3, 4, 6, 7, 8, 9]);
    expect(originalSpan(second, 4, 6)).toEqual({ start: 4, end: 5 });
    expect([...second.starts]).toEqual([0, 1, 2, 3, 4, 4, 5, 6]);
    expect(originalSpan(third, 0, 1)).toEqual({ start: 0, end: 1 });
  });

  it("folds terms like text, trimmed", () => {
    expect(foldTerm("  Remote   Code\tExecution ")).toBe("remote code execution");
  });
});

describe("isWholeWord", () => {
  it("requires non-word neighbours at word-character edges only", () => {
    expect(isWholeWord("an exploit here", 3, 10)).toBe(true);
    expect(isWholeWord("exploitation", 0, 7)).toBe(false);
    expect(isWholeWord("c++ rocks", 0, 3)).toBe(true);
    expect(isWholeWord("xc++", 1, 4)).toBe(false);
    expect(isWholeWord("значит", 0, 3)).toBe(false);
  });
});
