/**
 * Trouble on the Telegram side, played by the local test DC: dropped connections, the DC gone
 * for a while, flood waits, slow answers and a revoked key. The sentinel process stays up and
 * keeps answering its API, /api/status (and the worker_status events) show each state, and it
 * recovers by itself (or, for a revoked key, once a new session is imported) without losing a
 * message.
 */
import fs from "node:fs";
import path from "node:path";
import { RedisEventBus } from "@tgsentinel/contract/event-bus.ts";
import type { WorkerStatusData } from "@tgsentinel/contract/events.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestDc, type TestDc } from "../../tools/testdc/server.ts";
import { RedisProcess } from "../harness/redis-process.ts";
import { duplicateMessages, messageCount, storedMessages } from "../harness/sentinel-db.ts";
import { SentinelProcess, type StatusShape } from "../harness/sentinel-process.ts";
import { OWNER, TEST_API, TelegramAccount } from "../harness/telegram-account.ts";
import { waitFor } from "../harness/wait.ts";
import { makeWorkDir, type WorkDir } from "../harness/work-dir.ts";

/** Flood wait the DC imposes (below the sentinel's 60 s sleep threshold: it is sat out). */
const FLOOD_SECONDS = 4;
/** Extra latency of every DC answer in the slow-responses case. */
const SLOW_MS = 1_500;
/** How long the DC stays down in the outage case. */
const DC_DOWN_MS = 6_000;
/** /api/status must answer within this even while Telegram is slow or gone. */
const API_BOUND_MS = 2_000;

let work: WorkDir;
let redis: RedisProcess;
let account: TelegramAccount;
let sentinel: SentinelProcess;
let bus: RedisEventBus;
const statuses: WorkerStatusData[] = [];

beforeAll(async () => {
  work = makeWorkDir("telegram-side");
  redis = await RedisProcess.start();
  account = await TelegramAccount.start(work.path);
  sentinel = await SentinelProcess.start({ workDir: work.path, redisUrl: redis.url, telegram: TEST_API });
  bus = new RedisEventBus({ url: redis.url, prefix: sentinel.prefix });
  bus.subscribe("worker_status", (message) => statuses.push(message.data));
  await bus.ready();
  const imported = await sentinel.importMultipart(fs.readFileSync(account.sessionFile), "testdc.session");
  expect(imported.status, imported.text).toBe(200);
  await waitFor(async () => (await sentinel.status()).authorized, "the worker to be authorized");
});

afterAll(async () => {
  await bus?.close();
  await sentinel?.kill9();
  await account?.stop();
  await redis?.kill();
  work?.remove();
});

async function quickStatus(): Promise<StatusShape> {
  const started = performance.now();
  const status = await sentinel.status();
  expect(performance.now() - started, "/api/status answers promptly").toBeLessThan(API_BOUND_MS);
  return status;
}

async function waitConnected(what: string, timeoutMs = 60_000): Promise<StatusShape> {
  return waitFor(
    async () => {
      const status = await quickStatus();
      return status.connected && status.authorized ? status : null;
    },
    what,
    { timeoutMs, intervalMs: 200 },
  );
}

/** Every message the account received is in sentinel.db exactly once. */
async function expectAllIngested(): Promise<void> {
  const expected = account.expected();
  await waitFor(
    () => messageCount(sentinel.databaseFile) >= expected.length,
    `${expected.length} messages stored`,
    {
      timeoutMs: 60_000,
      intervalMs: 200,
    },
  );
  expect(duplicateMessages(sentinel.databaseFile)).toEqual([]);
  expect(storedMessages(sentinel.databaseFile)).toEqual(expected);
}

function expectAlive(): void {
  expect(sentinel.service.running).toBe(true);
  expect(sentinel.service.exits).toEqual([]);
}

describe("Telegram-side faults (local test DC)", () => {
  it("reports a dropped connection and reconnects, backfilling what arrived meanwhile", async () => {
    account.push(0, "before the drop");
    statuses.length = 0;
    account.dc.disconnectAll();
    // Pushed while the connection is down: the DC has no client to push to; backfill fetches them.
    for (let i = 0; i < 5; i++) account.push(i, `during the drop ${i}`);
    await waitFor(() => statuses.some((s) => !s.connected), "worker_status connected=false");
    const lost = statuses.find((s) => !s.connected)!;
    expect(lost.last_error).toMatch(/connection to Telegram lost/);
    await waitConnected("reconnection after the drop");
    account.push(1, "after the drop");
    await expectAllIngested();
    expectAlive();
  });

  it("shows a flood wait in /api/status while it lasts, then carries on", async () => {
    account.dc.floodWait(FLOOD_SECONDS);
    account.dc.disconnectAll();
    const during = await waitFor(async () => {
      const status = await quickStatus();
      return status.rate_limit.flood_waits.length > 0 ? status : null;
    }, "a flood wait in /api/status");
    expect(during.rate_limit.flood_waits[0]).toMatchObject({ method: "help.GetConfig" });
    expect(during.rate_limit.flood_waits[0]!.seconds_left).toBeGreaterThan(0);
    expect(during.rate_limit.flood_waits[0]!.seconds_left).toBeLessThanOrEqual(FLOOD_SECONDS);
    const reconnectAttempts = () => account.dc.state().calls["help.GetConfig"] ?? 0;
    const attemptsDuringWait = reconnectAttempts();
    expect(statuses.some((s) => typeof s.flood_wait_until === "string")).toBe(true);
    const back = await waitConnected("reconnection after the flood wait");
    // The sentinel did not dial again while the wait was in force (one refused connect, one good one).
    expect(reconnectAttempts()).toBeLessThanOrEqual(attemptsDuringWait + 1);
    expect(Date.parse(back.last_sync!)).toBeGreaterThanOrEqual(
      Date.parse(during.rate_limit.flood_waits[0]!.until) - 1_000,
    );
    await waitFor(
      async () => (await quickStatus()).rate_limit.flood_waits.length === 0,
      "the flood wait to end",
      {
        timeoutMs: (FLOOD_SECONDS + 10) * 1000,
      },
    );
    account.push(0, "after the flood wait");
    await expectAllIngested();
    expectAlive();
  });

  it("keeps working with slow Telegram answers while the API stays fast", async () => {
    account.dc.delay(SLOW_MS);
    account.dc.disconnectAll();
    account.push(1, "while slow");
    await waitConnected("connection over a slow link");
    account.push(2, "while slow, connected");
    await expectAllIngested();
    account.dc.delay(0);
    expectAlive();
  });

  it("reports the DC being down, keeps answering, and reconnects when it is back", async () => {
    const { port, authKey } = account.dc;
    await account.dc.stop();
    await waitFor(
      async () => !(await quickStatus()).connected,
      "status connected=false while the DC is down",
    );
    const down = await quickStatus();
    expect(down.last_error).toMatch(/Telegram/);
    await new Promise((resolve) => setTimeout(resolve, DC_DOWN_MS));
    expect((await sentinel.api("/health")).status).toBe(200);

    // The same DC (port and key) comes back, with its messages gone: a new account state.
    const revived: TestDc = await startTestDc({ port, authKey, user: OWNER, controlPort: false });
    account.replaceDc(revived);
    await waitConnected("reconnection to the revived DC", 90_000);
    account.push(2, "after the outage");
    await waitFor(
      () => storedMessages(sentinel.databaseFile).some((m) => m.text === "after the outage"),
      "a message after the outage to be stored",
    );
    expectAlive();
  });

  it("reports a revoked key as unauthorized with a clear error, and recovers with a new session", async () => {
    statuses.length = 0;
    account.dc.revoke();
    account.dc.disconnectAll();
    const revoked = await waitFor(async () => {
      const status = await quickStatus();
      return !status.authorized && status.last_error ? status : null;
    }, "status authorized=false after the revocation");
    expect(revoked.connected).toBe(false);
    expect(revoked.last_error).toMatch(/session|auth key|log/i);
    expect(statuses.some((s) => !s.authorized)).toBe(true);
    expect((await sentinel.api("/health")).status).toBe(200);

    // The user logs in again elsewhere and imports the new session.
    const fresh = await startTestDc({
      user: OWNER,
      controlPort: false,
      sessionOut: path.join(work.path, "fresh.session"),
    });
    account.replaceDc(fresh);
    const imported = await sentinel.importJson(fs.readFileSync(path.join(work.path, "fresh.session")));
    expect(imported.status, imported.text).toBe(200);
    await waitConnected("authorization with the new session");
    account.push(0, "after the new session");
    await waitFor(
      () => storedMessages(sentinel.databaseFile).some((m) => m.text === "after the new session"),
      "a message on the new session to be stored",
    );
    expectAlive();
  });
});
