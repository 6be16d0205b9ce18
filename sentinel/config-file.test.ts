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
    expect(result.settings.apiRateLimit).toEqual({ max: 300, tokenMax: 6_000, timeWindowMs: 30_000 });
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

describe("alert delivery, retention and webhooks (issue 12)", () => {
  const parse = (yaml: string) =>
    loadConfigFile(write(`issue12-${Math.random()}.yml`, yaml), { required: true, label: "cfg" });

  it("reads alerts.delivery, retention and webhooks with snake_case keys", () => {
    const result = parse(
      [
        "alerts:",
        "  delivery: { mode: both, target: '@ops_room', max_per_minute: 12 }",
        "retention: { messages_days: 7, alerted_messages_days: 0, vacuum_cron: null }",
        "webhooks:",
        "  - { profile: security, url: 'https://siem.example.com/hook', secret: 'sixteen-chars-at-least' }",
        "  - { name: all, profile: '*', url: 'http://127.0.0.1:9000/x', secret_env: HOOK_SECRET }",
      ].join("\n"),
    );
    expect(result.problems).toEqual([]);
    const { alerts, retention, webhooks } = result.settings;
    expect(alerts).toEqual({
      perChatPerHour: 10,
      perProfilePerHour: 30,
      delivery: { mode: "both", target: "@ops_room", maxPerMinute: 12 },
    });
    expect(retention).toEqual({ messagesDays: 7, alertedMessagesDays: 0, vacuumCron: null });
    expect(webhooks.map(({ secret, ...rest }) => ({ ...rest, secret: secret?.() ?? null }))).toEqual([
      {
        name: "security@siem.example.com",
        profile: "security",
        url: "https://siem.example.com/hook",
        secret: "sixteen-chars-at-least",
        secretEnv: null,
      },
      { name: "all", profile: "*", url: "http://127.0.0.1:9000/x", secret: null, secretEnv: "HOOK_SECRET" },
    ]);
    // Printing the settings never shows a webhook secret.
    expect(JSON.stringify(result.settings)).not.toContain("sixteen-chars-at-least");
  });

  it("names every problem of the new sections", () => {
    const result = parse(
      [
        "alerts:",
        "  delivery: { mode: dm, max_per_minute: 600 }",
        "retention: { messages_days: 30, alerted_messages_days: 10, vacuum_cron: 'weekly' }",
        "webhooks:",
        "  - { profile: security, url: 'ftp://example.com/x', secret: short }",
        "  - { profile: a, url: 'https://h.example/1', secret: 'sixteen-chars-at-least', secret_env: X }",
        "  - { profile: b, url: 'https://h.example/2', secret_env: 'lower-case' }",
        "  - { profile: b, url: 'https://h.example/3', secret_env: B_SECRET }",
      ].join("\n"),
    );
    expect(result.problems).toEqual(
      expect.arrayContaining([
        "cfg: alerts.delivery.target: is required when mode is dm",
        expect.stringMatching(/^cfg: alerts\.delivery\.max_per_minute: /),
        "cfg: retention.alerted_messages_days: must be at least messages_days (0 keeps alerted messages forever)",
        "cfg: retention.vacuum_cron: is not a valid cron expression",
        "cfg: webhooks[0].url: must be an http:// or https:// URL",
        "cfg: webhooks[0].secret: must be at least 16 characters",
        "cfg: webhooks[1].secret: set exactly one of secret and secret_env",
        expect.stringMatching(/^cfg: webhooks\[2\]\.secret_env: must be an environment variable name/),
        'cfg: webhooks[3].name: "b@h.example" is used by another webhook; give each a name',
      ]),
    );
  });

  it("refuses a delivery target that is neither @username nor a chat id", () => {
    const result = parse("alerts:\n  delivery: { mode: dm, target: 'my friend' }\n");
    expect(result.problems).toEqual([
      'cfg: alerts.delivery.target: must be "@username" or a marked chat id such as -1001234567890',
    ]);
    expect(
      parse("alerts:\n  delivery: { mode: dm, target: -1001234567890 }\n").settings.alerts.delivery,
    ).toEqual({
      mode: "dm",
      target: "-1001234567890",
      maxPerMinute: 20,
    });
  });
});
