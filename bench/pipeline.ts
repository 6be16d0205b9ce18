/**
 * Workload "pipeline": messages through the whole sentinel, in its own process. GramJS
 * `Api.Message` objects enter through the replay gateway (the real MessageIngress: entity cache
 * and normalisation), the real ingestion (bounded queue, MessageStore batches into sentinel.db),
 * scoring (20 profiles × 50 keywords + 5 regexes) and the alert recorder (caps in the Redis TTL
 * store, alerts into sentinel.db, `alert_created` on the RedisEventBus), all as the sentinel app
 * wires them. Messages are generated in chunks outside the timed windows.
 */
import type { Api } from "telegram";
import { startBenchSentinel } from "./bench-sentinel.ts";
import { MessageCorpus } from "./message-corpus.ts";
import { benchProfiles } from "./profile-sets.ts";
import { progress } from "./progress.ts";
import { round } from "./sample-stats.ts";
import { topicTerms } from "./topic-terms.ts";
import { WindowProfiler } from "./window-profiler.ts";
import { PIPELINE_PROFILES, SEEDS, TERM_UNIVERSE } from "./workload-settings.ts";

export interface PipelineOptions {
  messages: number;
  redisUrl: string;
  prefix: string;
  /** Messages generated (untimed) per timed window; default 10,000. */
  chunk?: number;
  /** Untimed warm-up messages before measuring (JIT, caches); default 2,000. */
  warmup?: number;
}

export interface PipelineResult {
  messages: number;
  seconds: number;
  msgs_per_s: number;
  cpu_us_per_msg: number;
  rss_mb_peak: number;
  rss_mb_start: number;
  stored_messages: number;
  alerts_created: number;
  profiles: number;
  keywords: number;
  regexes: number;
}

/** The pipeline's corpus: the same seed in the baseline's process gives the same messages. */
export function pipelineCorpus() {
  const terms = topicTerms(TERM_UNIVERSE, SEEDS.terms);
  const profiles = benchProfiles({ ...PIPELINE_PROFILES, terms, seed: SEEDS.profiles });
  const corpus = new MessageCorpus({ seed: SEEDS.corpus, terms });
  return { profiles, corpus };
}

export async function runPipeline(options: PipelineOptions): Promise<PipelineResult> {
  const rssStart = process.memoryUsage().rss;
  const { profiles, corpus } = pipelineCorpus();
  const sentinel = await startBenchSentinel({
    redisUrl: options.redisUrl,
    prefix: options.prefix,
    listen: false,
  });
  try {
    const { app, gateway } = sentinel;
    await app.scoring.replaceProfiles(profiles);

    const run = async (messages: Api.Message[]) => {
      await gateway.deliver(messages);
      await app.ingestion.flush();
    };
    await run(corpus.next(options.warmup ?? 2_000));
    const alertsBefore = await app.prisma.alert.count();
    const storedBefore = await app.prisma.message.count();

    const chunk = options.chunk ?? 10_000;
    let elapsedMs = 0;
    let cpuUs = 0;
    const profiler = new WindowProfiler();
    for (let done = 0; done < options.messages; ) {
      const batch = corpus.next(Math.min(chunk, options.messages - done));
      await profiler.start();
      const cpu = process.cpuUsage();
      const started = performance.now();
      await run(batch);
      elapsedMs += performance.now() - started;
      const used = process.cpuUsage(cpu);
      await profiler.stop();
      cpuUs += used.user + used.system;
      done += batch.length;
      progress(
        `pipeline: ${done}/${options.messages} messages (${Math.round((done / elapsedMs) * 1_000)} msg/s)`,
      );
    }
    const alertsCreated = (await app.prisma.alert.count()) - alertsBefore;
    const stored = (await app.prisma.message.count()) - storedBefore;
    return {
      messages: options.messages,
      seconds: round(elapsedMs / 1_000),
      msgs_per_s: Math.round((options.messages / elapsedMs) * 1_000),
      cpu_us_per_msg: round(cpuUs / options.messages, 1),
      rss_mb_peak: round((process.resourceUsage().maxRSS * 1024) / 1_048_576, 1),
      rss_mb_start: round(rssStart / 1_048_576, 1),
      stored_messages: stored,
      alerts_created: alertsCreated,
      profiles: profiles.length,
      keywords: profiles.reduce((sum, p) => sum + p.keywords.length, 0),
      regexes: profiles.reduce((sum, p) => sum + p.regex.length, 0),
    };
  } finally {
    await sentinel.close();
  }
}

export const handlers = {
  run: (options: PipelineOptions) => runPipeline(options),
};
