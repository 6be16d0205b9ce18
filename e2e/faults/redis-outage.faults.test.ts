/**
 * Redis stopped for REDIS_OUTAGE_MS and started again (empty, on the same port), under a running
 * sentinel, UI and an open GraphQL subscription: imports, ingestion, alerts and both health
 * routes keep working during the outage; afterwards events flow again, the UI's alert cache
 * catches up with the alerts whose events were lost, the subscription delivers them, and the UI
 * holds exactly the sentinel's alerts.
 */
import fs from "node:fs";
import type { Client } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collect, wsClient } from "../../ui-graphql/testing/graphql-client.ts";
import { RedisProcess } from "../harness/redis-process.ts";
import { FAULTS_CONFIG_YAML, SentinelProcess } from "../harness/sentinel-process.ts";
import { TEST_API, TelegramAccount } from "../harness/telegram-account.ts";
import { UiProcess } from "../harness/ui-process.ts";
import { waitFor } from "../harness/wait.ts";
import { makeWorkDir, type WorkDir } from "../harness/work-dir.ts";

/** How long Redis stays down (FAULTS_REDIS_OUTAGE_MS shortens it for a quick local run). */
const REDIS_OUTAGE_MS = Number(process.env.FAULTS_REDIS_OUTAGE_MS ?? 30_000);
/** Health and status must answer within this during the outage. */
const ANSWER_BOUND_MS = 3_000;

const PROFILE_YAML = FAULTS_CONFIG_YAML.replace(
  "profiles: []",
  "profiles:\n  - name: urgent\n    threshold: 1\n    keywords: [{term: urgent, weight: 2}]",
);

interface AlertNode {
  id: number;
  text: string;
}
interface SentinelAlert {
  id: number;
  text: string;
}

let work: WorkDir;
let redis: RedisProcess;
let account: TelegramAccount;
let sentinel: SentinelProcess;
let ui: UiProcess;
let cookie: string;
let ws: Client;

beforeAll(async () => {
  work = makeWorkDir("redis-outage");
  redis = await RedisProcess.start();
  account = await TelegramAccount.start(work.path);
  sentinel = await SentinelProcess.start({
    workDir: work.path,
    redisUrl: redis.url,
    telegram: TEST_API,
    configYaml: PROFILE_YAML,
  });
  const imported = await sentinel.importMultipart(fs.readFileSync(account.sessionFile), "testdc.session");
  expect(imported.status, imported.text).toBe(200);
  await waitFor(async () => (await sentinel.status()).authorized, "the worker to be authorized");
  ui = await UiProcess.start({ workDir: work.path, sentinel, redisUrl: redis.url });
  cookie = await ui.login();
  ws = wsClient(ui.url, cookie);
});

afterAll(async () => {
  await ws?.dispose();
  await ui?.kill9();
  await sentinel?.kill9();
  await account?.stop();
  await redis?.kill();
  work?.remove();
});

async function sentinelAlerts(): Promise<SentinelAlert[]> {
  const all: SentinelAlert[] = [];
  let cursor: string | null = null;
  for (;;) {
    const query: string = `/alerts?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const answer = await sentinel.api(query);
    expect(answer.status, answer.text).toBe(200);
    const data = (
      answer.json as { data: { alerts: SentinelAlert[]; next_cursor: string | null; has_more: boolean } }
    ).data;
    all.push(...data.alerts);
    if (!data.has_more) return all;
    cursor = data.next_cursor;
  }
}

async function uiAlerts(): Promise<AlertNode[]> {
  const answer = await ui.gql("{ alerts(first: 200) { edges { node { id text } } } }", {}, cookie);
  expect(answer.errors, answer.text).toBeUndefined();
  return (answer.data!.alerts as { edges: Array<{ node: AlertNode }> }).edges.map((e) => e.node);
}

async function timed<T>(what: string, call: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await call();
  expect(performance.now() - started, `${what} answers within ${ANSWER_BOUND_MS} ms`).toBeLessThan(
    ANSWER_BOUND_MS,
  );
  return result;
}

describe(`Redis stopped for ${REDIS_OUTAGE_MS / 1000} s`, () => {
  it("keeps imports, ingestion and health working, and loses no alert once Redis is back", async () => {
    const added = collect<{ alertAdded: AlertNode }>(ws, "subscription { alertAdded { id text } }");
    const worker = collect<{ workerStatus: { connected: boolean } }>(
      ws,
      "subscription { workerStatus { connected } }",
    );
    // Live before the outage.
    account.push(0, "urgent: before the outage");
    await added.waitFor(
      (items) => items.some((i) => i.alertAdded.text.includes("before the outage")),
      30_000,
    );

    await redis.kill();
    const outageStarted = Date.now();

    // During the outage: health, status, an import, ingestion and alerts in the sentinel.
    for (let i = 0; i < 3; i++) account.push(i, `urgent: during the outage ${i}`);
    expect((await timed("sentinel health", () => sentinel.api("/health"))).status).toBe(200);
    const status = await timed("sentinel status", () => sentinel.status());
    expect(status.authorized).toBe(true);
    const reimport = await sentinel.importJson(fs.readFileSync(account.sessionFile));
    expect(reimport.status, reimport.text).toBe(200);
    await waitFor(async () => (await sentinel.status()).authorized, "authorized again after the import");
    await waitFor(
      async () => (await sentinelAlerts()).filter((a) => a.text.includes("during the outage")).length === 3,
      "alerts for the messages pushed during the outage",
      { timeoutMs: 30_000 },
    );
    const uiHealth = await timed("UI health", () => ui.request("/api/health"));
    expect(uiHealth.status).toBe(200);
    const gqlHealth = await timed("GraphQL health", () =>
      ui.gql("{ health { status eventBusConnected sentinelReachable } }"),
    );
    expect(gqlHealth.data?.health).toMatchObject({
      status: "ok",
      eventBusConnected: false,
      sentinelReachable: true,
    });
    // Logging in still works (the login throttle falls back to memory).
    expect(await ui.login()).toMatch(/^tgs_session=/);

    // Sit out the rest of the outage, checking the sentinel keeps answering.
    while (Date.now() - outageStarted < REDIS_OUTAGE_MS) {
      expect((await timed("sentinel health", () => sentinel.api("/health"))).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
    await redis.resume();

    // The UI catches up with the alerts whose events were lost, and the subscription gets them.
    await added.waitFor(
      (items) => items.filter((i) => i.alertAdded.text.includes("during the outage")).length === 3,
      60_000,
    );
    // Events flow again: a new alert arrives live, and worker_status changes too.
    await waitFor(async () => {
      const health = (await ui.gql("{ health { eventBusConnected } }")).data?.health as {
        eventBusConnected: boolean;
      };
      return health.eventBusConnected;
    }, "eventBusConnected=true");
    // The sentinel's publisher reconnects on its own backoff (at most 2 s): an alert created before
    // it is back reaches the UI only with the periodic resync, so wait for it (see docs/reliability.md).
    await waitFor(async () => {
      const stats = await sentinel.api("/stats");
      return (stats.json as { data: { redis: { connected: boolean } } }).data.redis.connected;
    }, "the sentinel's event bus to reconnect");
    account.push(1, "urgent: after the outage");
    await added.waitFor((items) => items.some((i) => i.alertAdded.text.includes("after the outage")), 30_000);
    const before = worker.items.length;
    account.dc.disconnectAll();
    await worker.waitFor((items) => items.slice(before).some((i) => !i.workerStatus.connected), 30_000);
    await worker.waitFor((items) => items.slice(before).some((i) => i.workerStatus.connected), 60_000);

    // Nothing lost, nothing doubled: the UI's cache holds exactly the sentinel's alerts.
    const inSentinel = (await sentinelAlerts()).map((a) => a.id).sort((a, b) => a - b);
    const inUi = (await uiAlerts()).map((a) => a.id).sort((a, b) => a - b);
    expect(inUi).toEqual(inSentinel);
    expect(inSentinel.length).toBe(5);
    const delivered = added.items.map((i) => i.alertAdded.id);
    expect(new Set(delivered).size).toBe(delivered.length);
    expect(sentinel.service.exits).toEqual([]);
    expect(ui.service.exits).toEqual([]);
    added.dispose();
    worker.dispose();
  });
});
