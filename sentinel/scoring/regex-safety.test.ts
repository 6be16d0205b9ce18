import { describe, expect, it } from "vitest";
import { checkRegexSafety } from "./regex-safety.ts";

function verdict(pattern: string, flags = ""): string {
  new RegExp(pattern, flags); // the checker's precondition: the pattern compiles
  const result = checkRegexSafety(pattern, flags);
  return result.safe ? "safe" : result.reason;
}

describe("checkRegexSafety", () => {
  it.each([
    ["(a+)+$", /nests a repetition \("a\+"\)/],
    ["(a*)*b", /repeats something that can match the empty string/],
    ["(.*)*", /repeats something that can match the empty string/],
    ["(a|a)*", /alternatives in "a\|a" can start with the same character/],
    ["(a|ab)+c", /alternatives in "a\|ab"/],
    ["(\\w|\\d)+", /alternatives in "\\w\|\\d"/],
    ["(\\d+\\s?)+$", /nests a repetition \("\\d\+"\)/],
    ["(a?){25}a{25}", /repeats something that can match the empty string/],
    ["(x+x+)+y", /nests a repetition/],
    ["\\d+\\d+x", /"\\d\+" and "\\d\+" can match the same characters/],
    ["\\w+\\s*\\w+!", /"\\w\+" and "\\w\+" can match the same characters/],
    ["a.*b.*c", /and the part between them can match the same characters/],
    ["(?:ab)+(?:ab)+", /can match the same characters/],
    ["(.*a){25}", /consecutive iterations of "\(\.\*a\)\{25\}" overlap/],
    ["(x.*y){10}", /consecutive iterations/],
  ])("rejects %s", (pattern, reason) => {
    expect(verdict(pattern)).toMatch(reason);
  });

  it("knows which characters Unicode properties match", () => {
    expect(verdict("\\p{L}+\\p{Lu}+!", "u")).toMatch(/can match the same characters/);
    expect(verdict("\\p{Ll}+\\p{Lu}+!", "u")).toBe("safe");
    expect(verdict("\\p{Ll}+\\p{Lu}+!", "iu")).toMatch(/can match the same characters/);
    expect(verdict("(?:\\p{Script=Greek}|\\p{Script=Cyrillic})+", "u")).toBe("safe");
    expect(verdict("(?:\\p{Script=Greek}|\\p{L})+", "u")).toMatch(/alternatives/);
  });

  it("takes the i flag into account", () => {
    expect(verdict("(?:a|A)+")).toBe("safe");
    expect(verdict("(?:a|A)+", "i")).toMatch(/alternatives/);
  });

  it("rejects patterns that can match the empty string", () => {
    expect(verdict("a*")).toMatch(/can match the empty string/);
    expect(verdict("\\b")).toMatch(/can match the empty string/);
  });

  it.each([
    "CVE-\\d{4}-\\d{4,}",
    "https?://\\S+",
    "\\b0x[0-9a-fA-F]{40}\\b",
    "\\w+@\\w+\\.\\w+",
    "(\\w+\\.)+\\w+",
    "[a-z]+(?:-[a-z]+)*",
    "\\$\\d+(?:[.,]\\d+)?\\s*(?:k|m|bn)?\\b",
    "(?:.|\\n)*?END",
    "\\b(?:buy|sell|short)\\s+\\d+\\s+btc\\b",
    "(\\d{1,3}\\.){3}\\d{1,3}",
    "(?<year>\\d{4})-\\k<year>",
    "price\\D*\\d+",
    "[^,]+,[^,]+",
    "\\p{Lu}{2,}\\s\\p{N}+",
    "\\p{L}+:\\P{L}+",
  ])("accepts %s", (pattern) => {
    expect(verdict(pattern, pattern.includes("\\p") ? "u" : "")).toBe("safe");
  });

  it("accepted patterns stay fast on adversarial input of the scorer's input bound", () => {
    // Not a timing assertion: the bound is generous and only guards against exponential blow-up.
    const cases: Array<[string, string]> = [
      ["(\\w+\\.)+\\w+!", `${"a.".repeat(2000)}`],
      ["[a-z]+(?:-[a-z]+)*$", `${"a-".repeat(2000)}!`],
      ["\\w+@\\w+\\.\\w+", "a@".repeat(2000)],
    ];
    for (const [pattern, input] of cases) {
      expect(verdict(pattern)).toBe("safe");
      const started = performance.now();
      new RegExp(pattern).exec(input);
      expect(performance.now() - started).toBeLessThan(2_000);
    }
  });
});
