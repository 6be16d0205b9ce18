/**
 * kill -9 of the sentinel during ingestion bursts from the local test DC: every message the
 * sentinel had committed to sentinel.db before the kill is still there exactly once, the
 * messages pushed while it was down (or lost in its queue) are backfilled on restart, and in the
 * end every pushed message is stored exactly once with its text.
 */
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisProcess } from "../harness/redis-process.ts";
import {
  duplicateMessages,
  messageCount,
  type StoredMessage,
  storedMessages,
} from "../harness/sentinel-db.ts";
import { SentinelProcess } from "../harness/sentinel-process.ts";
import { TEST_API, TelegramAccount } from "../harness/telegram-account.ts";
import { sleep, waitFor } from "../harness/wait.ts";
import { makeWorkDir, type WorkDir } from "../harness/work-dir.ts";

/** Messages of a burst pushed after the kill (the burst runs until then, spread over the DC's chats). */
const AFTER_KILL = 60;
/** A burst that reaches this many messages without the kill has gone wrong. */
const BURST_MAX = 20_000;
/** The kill comes once this many messages of the burst are committed. */
const COMMITTED_BEFORE_KILL = 40;
/** Messages pushed while the sentinel is down (only backfill can bring them in). */
const PUSHED_WHILE_DOWN = 45;
const ROUNDS = 2;

let work: WorkDir;
let redis: RedisProcess;
let account: TelegramAccount;
let sentinel: SentinelProcess;

beforeAll(async () => {
  work = makeWorkDir("ingestion-crash");
  redis = await RedisProcess.start();
  account = await TelegramAccount.start(work.path);
  sentinel = await SentinelProcess.start({ workDir: work.path, redisUrl: redis.url, telegram: TEST_API });
  const imported = await sentinel.importMultipart(fs.readFileSync(account.sessionFile), "testdc.session");
  expect(imported.status, imported.text).toBe(200);
  await waitFor(async () => (await sentinel.status()).authorized, "the worker to be authorized");
});

afterAll(async () => {
  await sentinel?.kill9();
  await account?.stop();
  await redis?.kill();
  work?.remove();
});

/**
 * Pushes messages until `killed()` says the sentinel is gone, then `after` more (so some of the
 * burst always lands while it is down, however fast it ingests), yielding now and then so the
 * DC's socket writes go out as a stream. Returns how many were pushed.
 */
async function burst(round: number, killed: () => boolean, after: number): Promise<number> {
  let i = 0;
  for (let left = after; left > 0; i++) {
    account.push(i, `round ${round} message ${i}: rates ${(i * 7) % 100} bp, ünïcödé ✓`);
    if (i % 8 === 7) await sleep(1);
    if (killed()) left -= 1;
    if (i >= BURST_MAX) throw new Error(`no kill after ${BURST_MAX} messages`);
  }
  return i;
}

function key(message: StoredMessage): string {
  return `${message.chat_id}/${message.message_id}`;
}

describe("kill -9 of the sentinel during ingestion bursts", () => {
  it("keeps every committed message exactly once and backfills the rest after restart", async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const before = messageCount(sentinel.databaseFile);
      const committedEnough = () => messageCount(sentinel.databaseFile) >= before + COMMITTED_BEFORE_KILL;
      // Push in the background; kill as soon as enough of this burst is committed.
      let killed = false;
      const pushing = burst(round, () => killed, AFTER_KILL);
      await waitFor(committedEnough, "messages of the burst to be committed", {
        timeoutMs: 60_000,
        intervalMs: 20,
      });
      await sentinel.kill9();
      killed = true;
      await pushing;

      // What the sentinel had committed before it died.
      const committed = storedMessages(sentinel.databaseFile);
      expect(committed.length).toBeGreaterThanOrEqual(before + COMMITTED_BEFORE_KILL);
      expect(duplicateMessages(sentinel.databaseFile)).toEqual([]);
      // The kill landed mid-burst: part of what was pushed can only arrive through backfill.
      expect(committed.length).toBeLessThan(account.pushed.length);
      const pushedByKey = new Map(account.pushed.map((m) => [key(m), m]));
      for (const message of committed) expect(pushedByKey.get(key(message))).toEqual(message);

      // The account keeps receiving while the sentinel is down.
      for (let i = 0; i < PUSHED_WHILE_DOWN; i++) account.push(i + round, `while down ${round}/${i}`);

      await sentinel.start();
      const expected = account.expected();
      await waitFor(
        () => messageCount(sentinel.databaseFile) >= expected.length,
        `all ${expected.length} pushed messages to be stored after restart`,
        { timeoutMs: 90_000, intervalMs: 200 },
      );
      const final = storedMessages(sentinel.databaseFile);
      expect(duplicateMessages(sentinel.databaseFile)).toEqual([]);
      expect(final).toEqual(expected);
      const finalKeys = new Set(final.map(key));
      for (const message of committed) expect(finalKeys.has(key(message))).toBe(true);

      const status = await sentinel.status();
      expect(status.authorized).toBe(true);
    }
  });
});
