import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_SETTINGS, loadConfigFile, parseDurationMs, parseSettings } from "./config-file.ts";

const EXAMPLE = fileURLToPath(new URL("../config/tgsentinel.yml", import.meta.url));

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "config-file-"));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

describe("loadConfigFile", () => {
  it("reads the committed example without problems, and it states the defaults", () => {
    const result = loadConfigFile(EXAMPLE, { required: true });
    expect(result.problems).toEqual([]);
    expect(result.found).toBe(true);
    expect(result.settings).toEqual(DEFAULT_SETTINGS);
  });

  it("fills defaults for missing sections and converts keys", () => {
    const result = loadConfigFile(
      write(
        "partial.yml",
        "chats:\n  include: ['@news', -1001234567890]\napi_rate_limit:\n  time_window: 30 s\n",
      ),
      { required: true },
    );
    expect(result.problems).toEqual([]);
    expect(result.settings.chats).toEqual({ include: ["@news", "-1001234567890"], exclude: [] });
    expect(result.settings.apiRateLimit).toEqual({ max: 300, timeWindowMs: 30_000 });
    expect(result.settings.digest).toEqual(DEFAULT_SETTINGS.digest);
  });

  it("reads digest delivery to Saved Messages, keeping the default schedule when none is listed", () => {
    const result = loadConfigFile(write("deliver.yml", "digest:\n  deliver_to_saved_messages: true\n"), {
      required: true,
    });
    expect(result.problems).toEqual([]);
    expect(result.settings.digest).toEqual({
      schedules: DEFAULT_SETTINGS.digest.schedules,
      deliverToSavedMessages: true,
    });
    const off = loadConfigFile(write("off.yml", "digest:\n  schedules: []\n"), { required: true });
    expect(off.settings.digest).toEqual({ schedules: [], deliverToSavedMessages: false });
  });

  it("names the key of every problem", () => {
    const result = loadConfigFile(
      write(
        "bad.yml",
        [
          "digest:",
          "  schedules:",
          "    - name: morning",
          "      cron: 'every morning'",
          "    - name: morning",
          "      cron: '0 7 * * *'",
          "alerts:",
          "  per_chat_per_hour: -1",
          "api_rate_limit:",
          "  time_window: soon",
          "backfil:",
          "  max_messages_per_chat: 5",
        ].join("\n"),
      ),
      { required: true, label: "cfg" },
    );
    expect(result.problems).toHaveLength(5);
    expect(result.problems).toEqual(
      expect.arrayContaining([
        "cfg: digest.schedules[0].cron: is not a valid cron expression",
        expect.stringMatching(/^cfg: alerts\.per_chat_per_hour: /),
        expect.stringMatching(/^cfg: api_rate_limit\.time_window: is not a duration/),
        "cfg: (top level): unknown key backfil",
        "cfg: digest.schedules[1].name: is used by another schedule",
      ]),
    );
  });

  it("reports invalid YAML and unreadable files; a missing optional file means defaults", () => {
    expect(loadConfigFile(write("broken.yml", "chats: [unclosed\n"), { required: true }).problems[0]).toMatch(
      /is not valid YAML/,
    );
    expect(loadConfigFile(dir, { required: true, label: "dir" }).problems).toEqual([
      "dir cannot be read (EISDIR)",
    ]);
    expect(
      loadConfigFile(path.join(dir, "absent.yml"), { required: true, label: "absent" }).problems,
    ).toEqual(["absent cannot be read (ENOENT)"]);
    const optional = loadConfigFile(path.join(dir, "absent.yml"), { required: false });
    expect(optional).toEqual({ settings: DEFAULT_SETTINGS, problems: [], found: false });
  });

  it("accepts an empty file and refuses a top level that is not a mapping", () => {
    expect(loadConfigFile(write("empty.yml", ""), { required: true }).problems).toEqual([]);
    expect(parseSettings(["a"]).problems).toEqual(["the top level must be a mapping of sections"]);
  });
});

describe("profiles in the config file", () => {
  it("validates them with the scoring engine and reports errors under profiles", () => {
    const good = loadConfigFile(
      write(
        "profiles.yml",
        "profiles:\n  - name: security\n    threshold: 2\n    keywords: [breach, {term: 'zero day', weight: 3}]\n",
      ),
      { required: true },
    );
    expect(good.problems).toEqual([]);
    expect(good.settings.profiles).toHaveLength(1);
    expect(good.settings.profiles[0]).toMatchObject({ name: "security", threshold: 2, enabled: true });

    const bad = loadConfigFile(
      write("bad-profiles.yml", "profiles:\n  - name: security\n    threshold: 0\n    regex: ['(a+)+$']\n"),
      { required: true, label: "cfg" },
    );
    expect(bad.problems.length).toBeGreaterThanOrEqual(2);
    for (const problem of bad.problems) expect(problem).toMatch(/^cfg: profiles\[0\]\./);
  });
});

describe("parseDurationMs", () => {
  it.each([
    [1500, 1500],
    ["250ms", 250],
    ["30 s", 30_000],
    ["1 minute", 60_000],
    ["2h", 7_200_000],
    ["1.5 minutes", 90_000],
  ])("parses %s", (input, ms) => {
    expect(parseDurationMs(input)).toBe(ms);
  });

  it("refuses other text", () => {
    expect(() => parseDurationMs("a while")).toThrow(/not a duration/);
  });
});
