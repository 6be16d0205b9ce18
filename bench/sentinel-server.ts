/**
 * Role "sentinel-server": the real sentinel app listening on a port of its own, in its own
 * process, for the workloads that need the services running (alert latency, session import).
 * It can measure its own memory growth and create alerts at a given rate through the real
 * alert recorder (sentinel.db, caps in Redis, `alert_created` on the RedisEventBus).
 */
import type { AlertRecorder } from "../sentinel/alerts/alert-recorder.ts";
import type { NormalizedMessage } from "../sentinel/ingestion/message.ts";
import { buildScorer, type ProfileScore } from "../sentinel/scoring/engine.ts";
import { MessageIngress } from "../sentinel/telegram/message-ingress.ts";
import { BENCH_SENTINEL_TOKEN, type BenchSentinel, startBenchSentinel } from "./bench-sentinel.ts";
import { type MemoryGrowth, MemorySampler } from "./memory-sampler.ts";
import { pipelineCorpus } from "./pipeline.ts";
import { progress } from "./progress.ts";
import { wallClockMs } from "./sample-stats.ts";

let sentinel: BenchSentinel | null = null;
/** Message ids of created alerts: unique across calls, so every alert is a new one. */
let nextMessageId = 10_000_000;
const sampler = new MemorySampler();

export interface CreateAlertsOptions {
  /** Alerts per second. */
  rate: number;
  /** How many alerts in total. */
  count: number;
}

export interface CreatedAlerts {
  /** `chatId:messageId:profile` and the wall-clock ms just before the recorder was called. */
  created: Array<[string, number]>;
  achieved_rate: number;
  /** How long each recorder call (write + caps + announce) took, ms. */
  record_ms: number[];
}

/** Distinct alerting messages the created alerts cycle through. */
const POOL_SIZE = 2_000;
let alertPool: {
  pool: Array<{ message: NormalizedMessage; score: ProfileScore }>;
  names: Set<string>;
} | null = null;

/**
 * Real alerting messages (texts, reasons) from the corpus, one alerting profile each. Built once,
 * by the first (warm-up) call, so generating, normalising and scoring them is not in the timed
 * run: it took the sentinel's CPU (and its event loop, for seconds) while the UI was being measured.
 */
function alertingMessages(): NonNullable<typeof alertPool> {
  if (alertPool) return alertPool;
  const { profiles, corpus } = pipelineCorpus();
  const scorer = buildScorer(profiles);
  const ingress = new MessageIngress(async () => {});
  ingress.self = corpus.owner;
  const pool: Array<{ message: NormalizedMessage; score: ProfileScore }> = [];
  while (pool.length < POOL_SIZE) {
    for (const raw of corpus.next(1_000)) {
      const message = ingress.normalize(raw);
      const score = message ? scorer.score(message).find((s) => s.alert) : undefined;
      if (message && score) pool.push({ message, score });
    }
  }
  alertPool = { pool, names: new Set(profiles.map((p) => p.name)) };
  return alertPool;
}

async function createAlerts(options: CreateAlertsOptions): Promise<CreatedAlerts> {
  if (!sentinel) throw new Error("not started");
  const recorder: AlertRecorder = sentinel.app.alerts;
  // Message ids are made unique below, so every alert is new.
  const { pool, names } = alertingMessages();
  const created: Array<[string, number]> = [];
  const recordMs: number[] = [];
  const started = performance.now();
  while (created.length < options.count) {
    const due = Math.min(
      options.count - created.length,
      Math.floor(((performance.now() - started) * options.rate) / 1_000) - created.length,
    );
    if (due <= 0) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      continue;
    }
    const batch = Array.from({ length: due }, (_, k) => {
      const { message, score } = pool[(created.length + k) % pool.length]!;
      return { message: { ...message, messageId: nextMessageId++ }, scores: [score] };
    });
    const at = wallClockMs();
    for (const entry of batch) {
      created.push([`${entry.message.chatId}:${entry.message.messageId}:${entry.scores[0]!.profile}`, at]);
    }
    const callStarted = performance.now();
    await recorder.record(batch, names);
    recordMs.push(performance.now() - callStarted);
    if (created.length % 1_000 < due)
      progress(`alert_latency: ${created.length}/${options.count} alerts created`);
  }
  const seconds = (performance.now() - started) / 1_000;
  return { created, achieved_rate: Math.round(options.count / seconds), record_ms: recordMs };
}

export const handlers = {
  start: async (options: { redisUrl: string; prefix: string }) => {
    sentinel = await startBenchSentinel({ ...options, listen: true });
    return { baseUrl: sentinel.baseUrl, token: BENCH_SENTINEL_TOKEN };
  },
  memStart: () => {
    sampler.start();
    return null;
  },
  memStop: (): MemoryGrowth => sampler.stop(),
  /** CPU time used so far (µs), to tell how busy the process was during a workload. */
  cpuUsage: () => process.cpuUsage(),
  createAlerts,
  close: async () => {
    await sentinel?.close();
    sentinel = null;
  },
};
