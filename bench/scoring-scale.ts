/**
 * Workload "scoring_scale": the per-message cost of the real scorer with 10 and with 1,000
 * profiles of 50 keywords each, on the same messages (normalised by the real normaliser first).
 * Matching goes through one shared keyword automaton, so the cost should grow with the number of
 * matches, not with the number of terms.
 */

import type { NormalizedMessage } from "../sentinel/ingestion/message.ts";
import { buildScorer, type Scorer } from "../sentinel/scoring/engine.ts";
import { MessageIngress } from "../sentinel/telegram/message-ingress.ts";
import { MessageCorpus } from "./message-corpus.ts";
import { benchProfiles } from "./profile-sets.ts";
import { progress } from "./progress.ts";
import { round } from "./sample-stats.ts";
import { topicTerms } from "./topic-terms.ts";
import { WindowProfiler } from "./window-profiler.ts";
import { SEEDS, TERM_UNIVERSE } from "./workload-settings.ts";

export interface ScoringScaleOptions {
  messages: number;
  /** Profile counts to compare (default 10 and 1,000). */
  profileCounts?: number[];
  keywordsPerProfile?: number;
  /** Timed passes over the messages per profile count (the median pass is reported). */
  rounds?: number;
}

export interface ScoringScaleResult {
  messages: number;
  keywords_per_profile: number;
  /** Per profile count: µs per message (median of the rounds), build time, reasons per message. */
  by_profiles: Array<{
    profiles: number;
    keywords: number;
    us_per_msg: number;
    build_ms: number;
    reasons_per_msg: number;
    alerts_per_msg: number;
  }>;
}

export async function runScoringScale(options: ScoringScaleOptions): Promise<ScoringScaleResult> {
  const counts = options.profileCounts ?? [10, 1_000];
  const keywordsPerProfile = options.keywordsPerProfile ?? 50;
  const rounds = options.rounds ?? 5;
  const terms = topicTerms(TERM_UNIVERSE, SEEDS.terms);
  const corpus = new MessageCorpus({ seed: SEEDS.corpus, terms });
  const ingress = new MessageIngress(async () => {});
  ingress.self = corpus.owner;
  const messages: NormalizedMessage[] = [];
  for (const raw of corpus.next(options.messages)) {
    const message = ingress.normalize(raw);
    if (message) messages.push(message);
  }

  const scorers: Array<{ profiles: number; scorer: Scorer; buildMs: number }> = [];
  for (const count of counts) {
    progress(`scoring_scale: building a scorer for ${count} profiles × ${keywordsPerProfile} keywords`);
    const profiles = benchProfiles({
      profiles: count,
      keywordsPerProfile,
      regexesPerProfile: 0,
      signals: false,
      terms,
      seed: SEEDS.profiles + count,
    });
    const started = performance.now();
    const scorer = buildScorer(profiles);
    scorers.push({ profiles: count, scorer, buildMs: performance.now() - started });
  }

  // Warm every scorer up (JIT, fold caches) before timing; then alternate them round by round so
  // drift on a shared machine hits all of them alike.
  const matches = scorers.map(({ scorer }) => {
    let reasons = 0;
    let alerts = 0;
    for (const message of messages) {
      for (const verdict of scorer.score(message)) {
        reasons += verdict.reasons.length;
        if (verdict.alert) alerts += 1;
      }
    }
    return { reasons, alerts };
  });
  const timings = scorers.map(() => [] as number[]);
  const profiler = new WindowProfiler();
  for (let r = 0; r < rounds; r++) {
    progress(`scoring_scale: round ${r + 1}/${rounds}`);
    for (const [index, { scorer }] of scorers.entries()) {
      await profiler.start();
      const started = performance.now();
      for (const message of messages) scorer.score(message);
      timings[index]!.push(((performance.now() - started) * 1_000) / messages.length);
      await profiler.stop();
    }
  }
  return {
    messages: messages.length,
    keywords_per_profile: keywordsPerProfile,
    by_profiles: scorers.map(({ profiles, buildMs }, index) => ({
      profiles,
      keywords: profiles * keywordsPerProfile,
      us_per_msg: round(median(timings[index]!)),
      build_ms: round(buildMs, 1),
      reasons_per_msg: round(matches[index]!.reasons / messages.length),
      alerts_per_msg: round(matches[index]!.alerts / messages.length),
    })),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export const handlers = {
  run: (options: ScoringScaleOptions) => runScoringScale(options),
};
