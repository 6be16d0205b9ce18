import { describe, expect, it } from "vitest";
import {
  MAX_KEYWORDS_PER_PROFILE,
  MAX_PATTERN_LENGTH,
  MAX_PROFILES,
  MAX_REGEX_PER_PROFILE,
  MAX_REPORTED_ERRORS,
  MAX_TERM_LENGTH,
  PROFILE_DEFAULTS,
  type ProfileError,
  parseProfiles,
  parseProfilesYaml,
} from "./profile.ts";

function errorsOf(input: unknown): ProfileError[] {
  const result = parseProfiles(input);
  if (result.ok) throw new Error("expected validation errors");
  return result.errors;
}

function errorAt(input: unknown, path: string): string {
  const found = errorsOf(input).find((e) => e.path === path);
  if (found === undefined) throw new Error(`no error at ${path}: ${JSON.stringify(errorsOf(input))}`);
  return found.message;
}

describe("parseProfiles", () => {
  it("fills every default in and accepts plain-string keywords", () => {
    const result = parseProfiles({
      profiles: [
        {
          name: " security ",
          keywords: ["zero-day"],
          regex: [{ pattern: "CVE-\\d+" }],
          vip_senders: [{ id: 7 }],
        },
      ],
    });
    expect(result).toEqual({
      ok: true,
      profiles: [
        {
          name: "security",
          enabled: PROFILE_DEFAULTS.enabled,
          threshold: PROFILE_DEFAULTS.threshold,
          keywords: [{ term: "zero-day", weight: 1 }],
          regex: [{ pattern: "CVE-\\d+", weight: 1, flags: "" }],
          vip_senders: [{ id: "7", weight: 1 }],
          chats: { include: [], exclude: [] },
        },
      ],
    });
  });

  it("names the field of a regex that does not compile", () => {
    const input = {
      profiles: [{ name: "p", regex: [{ pattern: "ok" }, { pattern: "(unclosed", weight: 1 }] }],
    };
    expect(errorAt(input, "profiles[0].regex[1].pattern")).toMatch(
      /^invalid regular expression: .*Unterminated group/,
    );
  });

  it("rejects the catastrophic pattern (a+)+$ naming the field", () => {
    const input = { profiles: [{ name: "p", regex: [{ pattern: "(a+)+$" }] }] };
    expect(errorsOf(input)).toEqual([
      {
        path: "profiles[0].regex[0].pattern",
        message: expect.stringMatching(/backtrack catastrophically: "\(a\+\)\+" nests a repetition/),
      },
    ]);
  });

  it("rejects negative, infinite and non-numeric weights naming the field", () => {
    const input = {
      profiles: [
        {
          name: "p",
          keywords: [{ term: "a", weight: -1 }],
          regex: [{ pattern: "b", weight: Number.POSITIVE_INFINITY }],
          vip_senders: [{ id: 1, weight: Number.NaN }],
          mentions_me: { weight: "2" },
        },
      ],
    };
    expect(errorsOf(input)).toEqual([
      { path: "profiles[0].keywords[0].weight", message: "must be >= 0" },
      { path: "profiles[0].regex[0].weight", message: "must be a finite number" },
      { path: "profiles[0].vip_senders[0].weight", message: "must be a finite number" },
      { path: "profiles[0].mentions_me.weight", message: "must be a finite number" },
    ]);
  });

  it("rejects a threshold <= 0 or not finite", () => {
    expect(errorAt({ profiles: [{ name: "p", threshold: 0 }] }, "profiles[0].threshold")).toBe("must be > 0");
    expect(errorAt({ profiles: [{ name: "p", threshold: -2 }] }, "profiles[0].threshold")).toBe(
      "must be > 0",
    );
    expect(errorAt({ profiles: [{ name: "p", threshold: Number.NaN }] }, "profiles[0].threshold")).toBe(
      "must be a finite number",
    );
  });

  it("rejects unknown keys at every level, naming them", () => {
    const input = {
      profiles: [
        {
          name: "p",
          colour: "red",
          keywords: [{ term: "a", wieght: 2 }],
          chats: { include: [], exlude: [] },
          examples: { texts: ["x"], model: "bert" },
        },
      ],
      version: 2,
    };
    expect(
      errorsOf(input)
        .filter((e) => e.message === "unknown key")
        .map((e) => e.path),
    ).toEqual([
      "profiles[0].keywords[0].wieght",
      "profiles[0].chats.exlude",
      "profiles[0].examples.model",
      "profiles[0].colour",
      "version",
    ]);
  });

  it("rejects duplicate profile names, ignoring case and surrounding spaces", () => {
    const input = { profiles: [{ name: "Security" }, { name: "news" }, { name: " security" }] };
    expect(errorsOf(input)).toEqual([
      { path: "profiles[2].name", message: 'duplicate profile name "security" (also profiles[0].name)' },
    ]);
  });

  it("rejects empty terms and keywords that repeat once case and accents are ignored", () => {
    const input = {
      profiles: [
        { name: "p", keywords: ["  ", "Zéro-Day", "zero-day", "\u0301"], vip_senders: [{ name: "" }] },
      ],
    };
    expect(errorsOf(input)).toEqual([
      { path: "profiles[0].keywords[0].term", message: "must not be empty" },
      { path: "profiles[0].vip_senders[0].name", message: "must not be empty" },
      {
        path: "profiles[0].keywords[2].term",
        message: "duplicate keyword (same as keywords[1] once case and accents are ignored)",
      },
      { path: "profiles[0].keywords[3].term", message: "has no matchable characters" },
    ]);
  });

  it("enforces the named size limits", () => {
    const tooManyKeywords = Array.from({ length: MAX_KEYWORDS_PER_PROFILE + 1 }, (_, i) => `k${i}`);
    expect(errorAt({ profiles: [{ name: "p", keywords: tooManyKeywords }] }, "profiles[0].keywords")).toBe(
      `at most ${MAX_KEYWORDS_PER_PROFILE} keywords`,
    );
    const tooManyRegex = Array.from({ length: MAX_REGEX_PER_PROFILE + 1 }, (_, i) => ({ pattern: `r${i}` }));
    expect(errorAt({ profiles: [{ name: "p", regex: tooManyRegex }] }, "profiles[0].regex")).toBe(
      `at most ${MAX_REGEX_PER_PROFILE} patterns`,
    );
    const tooManyProfiles = Array.from({ length: MAX_PROFILES + 1 }, (_, i) => ({ name: `p${i}` }));
    expect(errorAt({ profiles: tooManyProfiles }, "profiles")).toBe(`at most ${MAX_PROFILES} profiles`);
    expect(
      errorAt(
        { profiles: [{ name: "p", keywords: ["x".repeat(MAX_TERM_LENGTH + 1)] }] },
        "profiles[0].keywords[0].term",
      ),
    ).toBe(`must be at most ${MAX_TERM_LENGTH} characters`);
    expect(
      errorAt(
        { profiles: [{ name: "p", regex: [{ pattern: "x".repeat(MAX_PATTERN_LENGTH + 1) }] }] },
        "profiles[0].regex[0].pattern",
      ),
    ).toBe(`must be at most ${MAX_PATTERN_LENGTH} characters`);
  });

  it("validates VIP senders, flags, engagement and examples", () => {
    const input = {
      profiles: [
        {
          name: "p",
          vip_senders: [{ id: 1, username: "@a" }, { username: "not a username" }],
          regex: [{ pattern: "x", flags: "g" }],
          engagement: { weight: 1 },
          examples: { texts: [], min_similarity: 1.5 },
        },
      ],
    };
    expect(errorsOf(input)).toEqual([
      { path: "profiles[0].regex[0].flags", message: 'may only contain the flags "imsu", each once' },
      { path: "profiles[0].vip_senders[0]", message: "give exactly one of id, username or name" },
      {
        path: "profiles[0].vip_senders[1].username",
        message: 'must be a Telegram username such as "@alice"',
      },
      { path: "profiles[0].engagement", message: "set min_reactions, min_forwards or both" },
      { path: "profiles[0].examples.min_similarity", message: "must be <= 1" },
      { path: "profiles[0].examples.texts", message: "give at least one example text" },
    ]);
  });

  it("reports missing required fields and wrong shapes", () => {
    expect(errorsOf({})).toEqual([{ path: "profiles", message: "is required" }]);
    expect(errorsOf("profiles")).toEqual([
      { path: "", message: 'expected an object like { "profiles": [...] }' },
    ]);
    expect(errorsOf({ profiles: [{}, 3] })).toEqual([
      { path: "profiles[0].name", message: "is required" },
      { path: "profiles[1]", message: "must be an object" },
    ]);
  });

  it("caps the number of reported errors", () => {
    const keywords = Array.from({ length: 500 }, () => ({ term: "x", weight: -1 }));
    const errors = errorsOf({ profiles: [{ name: "p", keywords }] });
    expect(errors).toHaveLength(MAX_REPORTED_ERRORS);
    expect(errors.at(-1)).toEqual({
      path: "",
      message: `${500 + 499 - (MAX_REPORTED_ERRORS - 1)} more errors not shown`,
    });
  });
});

describe("parseProfilesYaml", () => {
  it("reads the profiles section of a YAML document", () => {
    const yaml = [
      "digest: { cron: '0 8 * * *' }   # another section of the config file",
      "profiles:",
      "  - name: security",
      "    threshold: 2",
      "    keywords:",
      '      - { term: "zero-day", weight: 2 }',
      "    regex:",
      '      - { pattern: "CVE-\\\\d{4}-\\\\d{4,}", weight: 1.5 }',
    ].join("\n");
    const result = parseProfilesYaml(yaml);
    expect(result.ok && result.profiles[0]).toMatchObject({
      name: "security",
      threshold: 2,
      keywords: [{ term: "zero-day", weight: 2 }],
      regex: [{ pattern: "CVE-\\d{4}-\\d{4,}", weight: 1.5, flags: "" }],
    });
  });

  it("reports YAML syntax errors and a missing profiles section", () => {
    expect(parseProfilesYaml("profiles: [ { name: x")).toEqual({
      ok: false,
      errors: [{ path: "", message: expect.stringMatching(/^invalid YAML: /) }],
    });
    expect(parseProfilesYaml("other: 1")).toEqual({
      ok: false,
      errors: [{ path: "profiles", message: "is required" }],
    });
    expect(parseProfilesYaml("")).toEqual({
      ok: false,
      errors: [{ path: "profiles", message: "is required" }],
    });
  });
});
