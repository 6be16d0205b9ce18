/**
 * Scoring under hostile or heavy profiles, timed inside the sentinel process (Fastify's own
 * `responseTime` in its log, so the test machine's load on the client side does not count):
 * regexes built to backtrack catastrophically are refused or answer in bounded time, and a set
 * of 10,000 keywords is built and scores 1,000 messages within SCORING_BOUND_MS.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SeededRandom } from "../../sentinel/scoring/seeded-random.ts";
import type { HttpAnswer } from "../harness/http.ts";
import { RedisProcess } from "../harness/redis-process.ts";
import { SentinelProcess } from "../harness/sentinel-process.ts";
import { waitFor } from "../harness/wait.ts";
import { makeWorkDir, type WorkDir } from "../harness/work-dir.ts";

/** Build of a 10,000-keyword set plus scoring 1,000 messages, as the sentinel measures it. */
const SCORING_BOUND_MS = 2_000;
/** Any single request with an adversarial regex input, as the sentinel measures it. */
const REGEX_BOUND_MS = 1_000;
const KEYWORDS = 10_000;
const MESSAGES = 1_000;
/** The route's limit of samples per request (sentinel/plugins/profiles.ts). */
const PER_REQUEST = 100;

let work: WorkDir;
let redis: RedisProcess;
let sentinel: SentinelProcess;

beforeAll(async () => {
  work = makeWorkDir("profiles");
  redis = await RedisProcess.start();
  sentinel = await SentinelProcess.start({ workDir: work.path, redisUrl: redis.url });
});

afterAll(async () => {
  await sentinel?.kill9();
  await redis?.kill();
  work?.remove();
});

/** A request tagged with its own id, so its `responseTime` can be read from the sentinel's log. */
async function timedRequest(
  method: string,
  route: string,
  body: unknown,
): Promise<{ answer: HttpAnswer; serverMs: number }> {
  const id = `faults-${randomUUID()}`;
  const answer = await sentinel.api(route, {
    method,
    headers: { "content-type": "application/json", "x-request-id": id },
    body: JSON.stringify(body),
    timeoutMs: 60_000,
  });
  const serverMs = await waitFor(() => {
    const line = sentinel.service
      .output()
      .split("\n")
      .find((l) => l.includes(`"reqId":"${id}"`) && l.includes('"responseTime"'));
    return line ? (JSON.parse(line) as { responseTime: number }).responseTime : null;
  }, `the log line of request ${id}`);
  return { answer, serverMs };
}

const EVIL_PATTERNS = [
  "(a+)+$",
  "(a|aa)+$",
  "(a|a)*b",
  "(.*a){25}",
  "^(\\w+\\s?)*$",
  "(x+x+)+y",
  "((a*)*)*c",
];

describe("hostile and heavy scoring profiles", () => {
  it("refuses regexes built to backtrack catastrophically, or scores adversarial text in bounded time", async () => {
    const adversarial = `${"a".repeat(5_000)}!`;
    for (const pattern of EVIL_PATTERNS) {
      const profile = { name: "evil", threshold: 1, regex: [{ pattern, weight: 1 }] };
      const { answer: put, serverMs: putMs } = await timedRequest("PUT", "/profiles", {
        profiles: [profile],
      });
      expect(putMs, pattern).toBeLessThan(REGEX_BOUND_MS);
      if (put.status === 400) {
        expect((put.json as { code: string }).code, pattern).toBe("INVALID_PROFILES");
        expect(JSON.stringify((put.json as { error: { details: unknown } }).error.details), pattern).toMatch(
          /regex/,
        );
        continue;
      }
      expect(put.status, `${pattern}: ${put.text}`).toBe(200);
      const { answer, serverMs } = await timedRequest("POST", "/profiles/test", {
        // Texts on which each pattern fails late: the inputs that make a backtracking engine explode.
        messages: [
          adversarial,
          `${"a ".repeat(4_000)}!`,
          "x".repeat(9_000),
          `${"a".repeat(24)}${"b".repeat(3_000)}`,
          "ab".repeat(2_000),
        ],
      });
      expect(answer.status, pattern).toBe(200);
      expect(serverMs, `${pattern} on adversarial text`).toBeLessThan(REGEX_BOUND_MS);
    }
    expect((await sentinel.api("/health")).status).toBe(200);
  });

  it(`builds ${KEYWORDS} keywords and scores ${MESSAGES} messages within ${SCORING_BOUND_MS} ms`, async () => {
    const random = new SeededRandom(7);
    const syllables = [
      "ka",
      "lo",
      "mi",
      "ne",
      "ru",
      "sa",
      "ti",
      "vo",
      "zé",
      "pa",
      "qu",
      "ex",
      "ol",
      "in",
      "ar",
    ];
    const word = () => Array.from({ length: random.int(2, 5) }, () => random.pick(syllables)).join("");
    const vocabulary = [...new Set(Array.from({ length: KEYWORDS * 3 }, word))];
    expect(vocabulary.length).toBeGreaterThan(KEYWORDS);
    const keywords = vocabulary.slice(0, KEYWORDS);
    const profiles = Array.from({ length: 10 }, (_, p) => ({
      name: `heavy-${p}`,
      threshold: 2,
      keywords: keywords
        .slice(p * (KEYWORDS / 10), (p + 1) * (KEYWORDS / 10))
        .map((term) => ({ term, weight: 1 })),
    }));
    const put = await timedRequest("PUT", "/profiles", { profiles });
    expect(put.answer.status, put.answer.text.slice(0, 300)).toBe(200);

    // Each test request rebuilds the scorer from the set in force: 10 more builds on top of the one above.
    let total = put.serverMs;
    let matched = 0;
    for (let batch = 0; batch < MESSAGES / PER_REQUEST; batch++) {
      const messages = Array.from({ length: PER_REQUEST }, () =>
        Array.from({ length: 40 }, () => (random.chance(0.1) ? random.pick(keywords) : word())).join(" "),
      );
      const { answer, serverMs } = await timedRequest("POST", "/profiles/test", { messages });
      expect(answer.status, answer.text.slice(0, 300)).toBe(200);
      const results = (answer.json as { data: { results: Array<{ matched: boolean }> } }).data.results;
      expect(results).toHaveLength(PER_REQUEST);
      matched += results.filter((r) => r.matched).length;
      total += serverMs;
    }
    // The keywords really are matched (a scorer that matched nothing would be fast and wrong).
    expect(matched).toBeGreaterThan(MESSAGES / 2);
    expect(total).toBeLessThan(SCORING_BOUND_MS);
  });
});
