import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { topicVocabulary, writeTinyModelDir } from "./testing/tiny-onnx-model.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const EXPORT = "samples/export/result.json";
const PROFILES = "samples/profiles.yml";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI as `npm run backtest` does (tsx), from the repository root. */
function backtest(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "sentinel/backtest.ts", ...args],
      { cwd: ROOT, timeout: 60_000, env: { ...process.env, NODE_OPTIONS: "" } },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

interface JsonResult {
  chat: string;
  message_id: number;
  profile: string;
  score: number;
  alert: boolean;
  reasons: Array<{ kind: string; term: string; weight: number; start?: number; end?: number; text?: string }>;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "tgsentinel-backtest-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("backtest CLI", () => {
  it("prints {results:[...]} with one entry per message and profile that scored, and the expected alerts", async () => {
    const run = await backtest("--export", EXPORT, "--profiles", PROFILES, "--json");
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const output = JSON.parse(run.stdout) as { results: JsonResult[] };
    expect(Object.keys(output)).toEqual(["results"]);
    for (const result of output.results) {
      expect(Object.keys(result)).toEqual(["chat", "message_id", "profile", "score", "alert", "reasons"]);
      expect(result.score).toBeGreaterThan(0);
      expect(result.reasons.length).toBeGreaterThan(0);
      for (const reason of result.reasons)
        expect(reason).toMatchObject({
          kind: expect.any(String),
          term: expect.any(String),
          weight: expect.any(Number),
        });
    }
    const keys = output.results.map((r) => `${r.chat}/${r.message_id}/${r.profile}`);
    expect(new Set(keys).size).toBe(keys.length);

    expect(
      output.results.filter((r) => r.alert).map((r) => [r.chat, r.message_id, r.profile, r.score]),
    ).toEqual([
      ["Threat Intel Feed", 1202, "security", 5],
      ["Threat Intel Feed", 1204, "security", 3.5],
      ["Threat Intel Feed", 1206, "security", 2.5],
      ["Threat Intel Feed", 1211, "security", 3],
      ["Threat Intel Feed", 1212, "security", 2],
      ["Red Team FR", 90, "security", 2],
      ["Red Team FR", 90, "direct", 2],
      ["Red Team FR", 91, "security", 2],
      ["Red Team FR", 92, "direct", 2.5],
      ["Red Team FR", 98, "security", 4.5],
      ["Alice Martin", 5003, "direct", 2.5],
      ["Alice Martin", 5004, "security", 2],
      ["Alice Martin", 5007, "security", 2],
      ["Alice Martin", 5007, "direct", 1.5],
      ["Crypto Signals", 7001, "crypto-scams", 2.5],
      ["Crypto Signals", 7003, "crypto-scams", 2],
    ]);

    const fortinet = output.results.find((r) => r.message_id === 1202 && r.profile === "security");
    expect(fortinet?.reasons).toEqual([
      { kind: "keyword", term: "zero-day", weight: 2, start: 12, end: 20, text: "zero-day" },
      { kind: "regex", term: "CVE-\\d{4}-\\d{4,}", weight: 1.5, start: 58, end: 72, text: "CVE-2024-47575" },
      { kind: "engagement", term: "reactions>=30", weight: 0.5 },
      {
        kind: "similarity",
        term: "Critical vulnerability actively exploited in the wild, patch now",
        weight: 1,
        similarity: expect.any(Number),
      },
    ]);
    // Accent-insensitive keyword, reported with the original text.
    expect(output.results.find((r) => r.message_id === 90 && r.profile === "security")?.reasons).toEqual([
      // "Oui, @camille_sec l'a testé hier, c'est une vraie zéro-day."
      { kind: "keyword", term: "zero-day", weight: 2, start: 50, end: 58, text: "zéro-day" },
    ]);
    // "exploitation" is not the keyword "exploit"; the excluded chat never scores for security.
    expect(keys).not.toContain("Threat Intel Feed/1205/security");
    expect(output.results.filter((r) => r.chat === "Famille")).toEqual([]);
  });

  it("prints a table and a summary without --json", async () => {
    const run = await backtest("--export", EXPORT, "--profiles", PROFILES);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^CHAT +MSG +DATE \(UTC\) +PROFILE +SCORE +ALERT +REASONS$/m);
    expect(run.stdout).toMatch(
      /^Threat Intel Feed +1202 +2024-11-04 09:01 +security +5 +yes +keyword "zero-day" \+2/m,
    );
    expect(run.stdout).toContain("37 messages in 5 chats; 31 scores above zero; 16 alerts.");
    expect(run.stdout).toMatch(/Alerts per profile:\n {2}security +10\n {2}direct +4\n {2}crypto-scams +2\n/);
    expect(run.stdout).toMatch(
      /Alerts per chat:\n {2}Red Team FR +5\n {2}Threat Intel Feed +5\n {2}Alice Martin +4\n {2}Crypto Signals +2\n/,
    );
  });

  it("takes the owner from --owner instead of the export's personal information", async () => {
    const run = await backtest(
      "--export",
      EXPORT,
      "--profiles",
      PROFILES,
      "--json",
      "--owner",
      "@someone_else",
    );
    expect(run.code).toBe(0);
    const { results } = JSON.parse(run.stdout) as { results: JsonResult[] };
    expect(results.filter((r) => r.reasons.some((reason) => reason.kind === "mention"))).toEqual([]);
  });

  it("exits 2 with a clear message and no stack trace on bad input", async () => {
    const badProfiles = join(dir, "bad.yml");
    await writeFile(
      badProfiles,
      "profiles:\n  - name: p\n    regex:\n      - { pattern: '(a+)+$' }\n    colour: red\n",
    );
    const notExport = join(dir, "not-export.json");
    await writeFile(notExport, '{"name": "package"}');
    const runs = await Promise.all([
      backtest("--profiles", PROFILES),
      backtest("--export", EXPORT, "--profiles", PROFILES, "--verbose"),
      backtest("--export", EXPORT, "--profiles", badProfiles),
      backtest("--export", join(dir, "missing.json"), "--profiles", PROFILES),
      backtest("--export", notExport, "--profiles", PROFILES),
      backtest("--export", EXPORT, "--profiles", join(dir, "missing.yml")),
    ]);
    const expected = [
      /--export <result\.json> is required/,
      /Unknown option '--verbose'/,
      /invalid profiles in .*bad\.yml:\n {2}profiles\[0\]\.regex\[0\]\.pattern: pattern can backtrack catastrophically.*\n {2}profiles\[0\]\.colour: unknown key/,
      /cannot read the export file .*missing\.json: no such file \(INVALID_EXPORT\)/,
      /not a Telegram Desktop JSON export: expected a "messages" list or "chats\.list" \(INVALID_EXPORT\)/,
      /cannot read the profiles file .*missing\.yml \(ENOENT\)/,
    ];
    runs.forEach((run, i) => {
      expect(run.code, run.stderr).toBe(2);
      expect(run.stdout).toBe("");
      expect(run.stderr).toMatch(expected[i]!);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    });
  });
});

describe("backtest CLI with semantic rules", () => {
  // A tiny model whose axes are topics: texts about the same topic embed to the same vector.
  const VOCABULARY = topicVocabulary({
    ransomware: ["ransomware", "gang", "leaks", "stolen", "hospital", "extortion"],
    food: ["pizza", "pasta", "recipe", "oven"],
  });
  const SEMANTIC_PROFILES = [
    "profiles:",
    "  - name: extortion",
    "    threshold: 1",
    "    semantic:",
    "      weight: 1.5",
    "      min_similarity: 0.8",
    "      texts: ['hospital extortion', 'pasta recipe']",
    "",
  ].join("\n");

  it("scores semantic rules with the model in --model, as the sentinel does", async () => {
    const model = writeTinyModelDir(join(dir, "model"), VOCABULARY);
    const profiles = join(dir, "semantic.yml");
    await writeFile(profiles, SEMANTIC_PROFILES);
    const run = await backtest("--export", EXPORT, "--profiles", profiles, "--json", "--model", model);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const { results } = JSON.parse(run.stdout) as { results: JsonResult[] };
    const byMessage = new Map(results.map((r) => [r.message_id, r]));
    // "Ransomware gang leaks 2 TB of data stolen from a hospital network": same topic.
    expect(byMessage.get(1206)).toMatchObject({ alert: true, profile: "extortion" });
    expect(byMessage.get(1206)?.reasons).toEqual([
      { kind: "semantic", term: "hospital extortion", weight: 1.5, similarity: 1 },
    ]);
    // "... Free pizza": the food topic, so the other text.
    expect(byMessage.get(1210)?.reasons).toEqual([
      { kind: "semantic", term: "pasta recipe", weight: 1.5, similarity: 1 },
    ]);
    // A message with no word of either topic scores nothing (1202: the FortiManager zero-day).
    expect(byMessage.has(1202)).toBe(false);
    expect(results.length).toBe(4);
    expect(results.every((r) => r.reasons.every((reason) => reason.kind === "semantic"))).toBe(true);

    const table = await backtest("--export", EXPORT, "--profiles", profiles, "--model", model);
    expect(table.stdout).toMatch(/meaning "hospital extortion" 1 \+1\.5/);
  });

  it("takes the model from TG_EMBEDDING_MODEL_DIR, and says so when semantic rules have none", async () => {
    const model = writeTinyModelDir(join(dir, "model-env"), VOCABULARY);
    const profiles = join(dir, "semantic-env.yml");
    await writeFile(profiles, SEMANTIC_PROFILES);
    const withEnv = await new Promise<Run>((resolve) => {
      execFile(
        process.execPath,
        ["--import", "tsx", "sentinel/backtest.ts", "--export", EXPORT, "--profiles", profiles, "--json"],
        {
          cwd: ROOT,
          timeout: 60_000,
          env: { ...process.env, NODE_OPTIONS: "", TG_EMBEDDING_MODEL_DIR: model },
        },
        (error, stdout, stderr) => resolve({ code: error === null ? 0 : -1, stdout, stderr }),
      );
    });
    expect(withEnv.code).toBe(0);
    expect((JSON.parse(withEnv.stdout) as { results: JsonResult[] }).results.length).toBeGreaterThan(0);

    const without = await new Promise<Run>((resolve) => {
      const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: "" };
      delete env.TG_EMBEDDING_MODEL_DIR;
      execFile(
        process.execPath,
        ["--import", "tsx", "sentinel/backtest.ts", "--export", EXPORT, "--profiles", profiles, "--json"],
        { cwd: ROOT, timeout: 60_000, env },
        (error, stdout, stderr) => resolve({ code: error === null ? 0 : -1, stdout, stderr }),
      );
    });
    expect(without.code).toBe(0);
    expect(without.stderr).toMatch(/semantic rules are skipped: no embedding model/);
    expect((JSON.parse(without.stdout) as { results: JsonResult[] }).results).toEqual([]);
  });

  it("exits 2 naming the directory when the model cannot be loaded", async () => {
    const profiles = join(dir, "semantic-bad.yml");
    await writeFile(profiles, SEMANTIC_PROFILES);
    const run = await backtest(
      "--export",
      EXPORT,
      "--profiles",
      profiles,
      "--model",
      join(dir, "no-such-model"),
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/cannot load the embedding model in .*no-such-model/);
    expect(run.stdout).toBe("");
  });
});
