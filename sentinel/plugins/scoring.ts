/**
 * `app.scoring`: the profile set in force and its compiled Scorer, and the consumer of ingested
 * batches. A batch is scored with one scorer (a profile change never splits it) and handed to
 * `app.alerts`, which commits its alerts and its messages' scored_at in one transaction. Batches
 * run one at a time; the alerts already stored for a batch are read while it is scored.
 *
 * Profiles live in the `profiles` table. On the first start (the table has never held a set)
 * the profiles of config/tgsentinel.yml are seeded; afterwards the UI owns them (PUT
 * /api/profiles), and a deliberately emptied set stays empty across restarts.
 *
 * Ingestion (`app.ingestion`) calls `consume` through its `onIngested` hook once a batch is stored;
 * `consume` may also be called directly (tests, tools), with the same guarantees. Messages
 * stored but never scored (a crash in between, a failing hook) are scored after start-up.
 *
 * Semantic rules: with an embedding model (config `scoring.embedding_model_dir`), loaded here at
 * start-up (an unusable model stops the start), the profile texts are embedded whenever a set is
 * compiled (texts already embedded for the set in force are reused), and each batch's message
 * texts are embedded in one call before it is scored; scoring itself stays synchronous. A batch
 * whose embedding fails is still scored, without its semantic rules. Without a model, PUT refuses
 * semantic rules and a stored set keeps them inactive.
 */
import { performance } from "node:perf_hooks";
import type { FastifyBaseLogger, FastifyPluginAsync } from "fastify";
import fp from "fastify-plugin";
import type { AlertRecorder } from "../alerts/alert-recorder.ts";
import { type LatencySummary, LatencyWindow } from "../alerts/latency-window.ts";
import { ScoringBacklog } from "../alerts/scoring-backlog.ts";
import type { PrismaClient } from "../db/generated/client.ts";
import type { Embedder } from "../embedding/embedder.ts";
import { loadOnnxEmbedder } from "../embedding/onnx-embedder.ts";
import type { NormalizedMessage } from "../ingestion/message.ts";
import type { LatencyHistogramSnapshot } from "../metrics/latency-histogram.ts";
import { buildScorer, type Scorer } from "../scoring/engine.ts";
import { type Profile, parseProfiles } from "../scoring/profile.ts";
import { semanticTexts } from "../scoring/semantic.ts";

declare module "fastify" {
  interface FastifyInstance {
    scoring: ScoringService;
  }
}

/** WorkerState key set once a profile set was stored (seeded or pushed): seeding never repeats. */
export const PROFILES_SET_KEY = "profiles.set_at";
/** Unscored messages scored after start-up, at most (the newest are not favoured: oldest first). */
export const BACKLOG_MAX = 20_000;
const BACKLOG_PAGE = 500;

export interface BatchOutcome {
  scored: number;
  alertsCreated: number;
  alertsRevised: number;
  suppressed: number;
}

export interface ScoringStats {
  profiles: number;
  enabled_profiles: number;
  profiles_updated_at: string | null;
  messages_scored: number;
  batches: number;
  /** Time to score one message against the whole set (its share of the batch's embedding included), in milliseconds. */
  latency_ms: LatencySummary;
}

interface Current {
  scorer: Scorer;
  profiles: readonly Profile[];
  names: ReadonlySet<string>;
  updatedAt: Date | null;
  /** Embeddings of the set's semantic texts (reused when the next set keeps a text). */
  textEmbeddings: ReadonlyMap<string, Float32Array>;
}

/** Canonical order: by name (the table has no position; the UI lists by name too). */
function byName(a: Profile, b: Profile): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

const EMPTY: Current = {
  scorer: buildScorer([]),
  profiles: [],
  names: new Set(),
  updatedAt: null,
  textEmbeddings: new Map(),
};

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export interface ScoringServiceOptions {
  prisma: PrismaClient;
  alerts: AlertRecorder;
  now: () => Date;
  log: FastifyBaseLogger;
  /** The model for semantic rules; null or absent: none (semantic rules never score). */
  embedder?: Embedder | null;
}

export class ScoringService {
  private current: Current = EMPTY;
  private queue: Promise<unknown> = Promise.resolve();
  private profileWrites: Promise<unknown> = Promise.resolve();
  private readonly latency = new LatencyWindow();
  private readonly backlog: ScoringBacklog;
  private scored = 0;
  private batches = 0;
  private closing = false;

  private readonly embedder: Embedder | null;

  constructor(private readonly options: ScoringServiceOptions) {
    this.backlog = new ScoringBacklog(options.prisma);
    this.embedder = options.embedder ?? null;
  }

  /** True when an embedding model is loaded: semantic rules can be accepted and scored. */
  get semanticAvailable(): boolean {
    return this.embedder !== null;
  }

  /** The scorer in force (a new object after every profile change; never mutated). */
  get scorer(): Scorer {
    return this.current.scorer;
  }

  get profiles(): readonly Profile[] {
    return this.current.profiles;
  }

  get updatedAt(): Date | null {
    return this.current.updatedAt;
  }

  /** Loads the stored set, or seeds `seed` when no set was ever stored. */
  async load(seed: readonly Profile[]): Promise<void> {
    const { prisma, log } = this.options;
    const [rows, mark] = await Promise.all([
      prisma.profile.findMany({ orderBy: { name: "asc" } }),
      prisma.workerState.findUnique({ where: { key: PROFILES_SET_KEY } }),
    ]);
    if (rows.length === 0 && mark === null) {
      if (seed.length > 0) {
        await this.replaceProfiles(seed);
        log.info({ profiles: seed.length }, "scoring profiles seeded from the config file");
      } else this.current = EMPTY;
      return;
    }
    // Stored definitions are validated again: one the current rules refuse is left out, not fatal.
    const profiles: Profile[] = [];
    for (const row of rows) {
      let definition: unknown;
      try {
        definition = JSON.parse(row.definition);
      } catch {
        definition = null;
      }
      const parsed = parseProfiles([definition]);
      if (parsed.ok) profiles.push({ ...parsed.profiles[0]!, enabled: row.enabled });
      else
        log.error(
          { profile: row.name, errors: parsed.errors.slice(0, 5) },
          "stored profile is invalid; not used",
        );
    }
    const updatedAt = rows.reduce<Date | null>(
      (max, r) => (max && max > r.updatedAt ? max : r.updatedAt),
      null,
    );
    const semantic = profiles.filter((p) => p.semantic !== undefined).map((p) => p.name);
    if (semantic.length > 0 && this.embedder === null)
      log.warn(
        { profiles: semantic },
        "stored profiles have semantic rules but no embedding model is configured (scoring.embedding_model_dir); those rules are inactive",
      );
    const started = performance.now();
    this.current = await this.compile(profiles, updatedAt ?? (mark ? new Date(mark.value) : null));
    log.info(
      {
        profiles: profiles.length,
        semantic_texts: this.current.textEmbeddings.size,
        ms: Math.round(performance.now() - started),
      },
      "scoring profiles loaded",
    );
  }

  /**
   * A scorer for a set other than the one in force (the profile test panel), in the given order,
   * with its semantic texts embedded (reusing the set in force's); nothing is stored or swapped.
   */
  async scorerFor(profiles: readonly Profile[]): Promise<Scorer> {
    return buildScorer(profiles, { textEmbeddings: await this.embedTexts(profiles) });
  }

  /**
   * The embeddings of the messages' texts when `scorer` has active semantic rules (null otherwise);
   * an empty text gets null. Throws when the model fails.
   */
  async embedMessages(
    scorer: Scorer,
    messages: readonly NormalizedMessage[],
  ): Promise<Array<Float32Array | null> | null> {
    if (this.embedder === null || !scorer.semanticActive) return null;
    const indexes: number[] = [];
    messages.forEach((message, index) => {
      if (message.text.trim() !== "") indexes.push(index);
    });
    const out = new Array<Float32Array | null>(messages.length).fill(null);
    if (indexes.length === 0) return out;
    const vectors = await this.embedder.embed(indexes.map((index) => messages[index]!.text));
    indexes.forEach((index, k) => {
      out[index] = vectors[k]!;
    });
    return out;
  }

  /** Compiles a set: sorted by name, semantic texts embedded; throws when the model fails. */
  private async compile(profiles: readonly Profile[], updatedAt: Date | null): Promise<Current> {
    const sorted = [...profiles].sort(byName);
    const textEmbeddings = await this.embedTexts(sorted);
    return {
      scorer: buildScorer(sorted, { textEmbeddings }),
      profiles: sorted,
      names: new Set(sorted.map((p) => p.name)),
      updatedAt,
      textEmbeddings,
    };
  }

  /** The set's semantic texts with their embeddings; only texts the set in force lacks go to the model. */
  private async embedTexts(profiles: readonly Profile[]): Promise<Map<string, Float32Array>> {
    const texts = semanticTexts(profiles);
    const out = new Map<string, Float32Array>();
    if (this.embedder === null || texts.length === 0) return out;
    const known = this.current.textEmbeddings;
    const missing = texts.filter((text) => !known.has(text));
    const vectors = missing.length > 0 ? await this.embedder.embed(missing) : [];
    const fresh = new Map(missing.map((text, k) => [text, vectors[k]!]));
    for (const text of texts) out.set(text, known.get(text) ?? fresh.get(text)!);
    return out;
  }

  /**
   * Replaces the whole set: compiled first (nothing is stored if that fails), stored in one
   * transaction, then swapped in. Scoring in progress finishes with the previous scorer.
   */
  replaceProfiles(profiles: readonly Profile[]): Promise<void> {
    const run = this.profileWrites.then(async () => {
      const at = this.options.now();
      const next = await this.compile(profiles, at);
      const { prisma } = this.options;
      await prisma.$transaction([
        prisma.profile.deleteMany({}),
        prisma.profile.createMany({
          data: next.profiles.map((p) => ({
            name: p.name,
            enabled: p.enabled,
            definition: JSON.stringify(p),
            updatedAt: at,
          })),
        }),
        prisma.workerState.upsert({
          where: { key: PROFILES_SET_KEY },
          create: { key: PROFILES_SET_KEY, value: at.toISOString() },
          update: { value: at.toISOString() },
        }),
      ]);
      this.current = next;
    });
    this.profileWrites = run.catch(() => {});
    return run;
  }

  /** The ingestion hook: scores a stored batch, records its alerts, marks it scored. */
  readonly consume = (batch: NormalizedMessage[]): Promise<BatchOutcome> => {
    const run = this.queue.then(() => this.scoreBatch(batch));
    this.queue = run.catch(() => {});
    return run;
  };

  /** Scores messages stored but never scored, oldest first; returns how many. */
  async scoreBacklog(limit = BACKLOG_MAX): Promise<number> {
    let afterId = 0;
    let total = 0;
    while (!this.closing && total < limit) {
      const page = await this.backlog.unscored(afterId, Math.min(BACKLOG_PAGE, limit - total));
      if (page.length === 0) break;
      afterId = page.at(-1)!.id;
      await this.consume(page.map((row) => row.message));
      total += page.length;
    }
    if (total > 0)
      this.options.log.info({ messages: total }, "scored messages left unscored by an earlier run");
    return total;
  }

  stats(): ScoringStats {
    const { profiles, updatedAt } = this.current;
    return {
      profiles: profiles.length,
      enabled_profiles: profiles.filter((p) => p.enabled).length,
      profiles_updated_at: updatedAt?.toISOString() ?? null,
      messages_scored: this.scored,
      batches: this.batches,
      latency_ms: this.latency.summary(),
    };
  }

  /** Scoring latency since start in cumulative buckets (GET /metrics). */
  latencyHistogram(): LatencyHistogramSnapshot {
    return this.latency.histogram.snapshot();
  }

  /** Stops the backlog and waits for the batch in progress. */
  async close(): Promise<void> {
    this.closing = true;
    await this.queue;
  }

  private async scoreBatch(batch: NormalizedMessage[]): Promise<BatchOutcome> {
    if (batch.length === 0) return { scored: 0, alertsCreated: 0, alertsRevised: 0, suppressed: 0 };
    const { scorer, names } = this.current;
    // The alerts already stored for these messages, read while this thread scores (the previous
    // batch's alerts are committed: batches run one at a time).
    const stored = this.options.alerts.storedFor(batch);
    stored.catch(() => {});
    const embedStarted = performance.now();
    let embeddings: Array<Float32Array | null> | null = null;
    try {
      embeddings = await this.embedMessages(scorer, batch);
    } catch (error) {
      // Keywords and the other rules still count; only this batch's semantic rules are lost.
      this.options.log.error(
        { error: errorText(error), messages: batch.length },
        "embedding the batch failed; scored without semantic rules",
      );
    }
    const embedShare = embeddings === null ? 0 : (performance.now() - embedStarted) / batch.length;
    const entries = batch.map((message, index) => {
      const started = performance.now();
      const scores = scorer.score(message, { embedding: embeddings?.[index] ?? null });
      this.latency.record(performance.now() - started + embedShare);
      return { message, scores };
    });
    // scored_at is set with the batch's alerts, in one transaction: a crash before it commits
    // leaves the batch unscored (scored again after start), never half-alerted.
    const outcome = await this.options.alerts.record(entries, names, {
      stored,
      scoredAt: this.options.now(),
    });
    this.scored += batch.length;
    this.batches += 1;
    return {
      scored: batch.length,
      alertsCreated: outcome.created.length,
      alertsRevised: outcome.revised.length,
      suppressed: outcome.suppressed.length,
    };
  }
}

export interface ScoringOptions {
  /** config `profiles` (validated): seeded when sentinel.db never held a profile set. */
  seedProfiles: readonly Profile[];
  /** The local embedding model directory (SentinelConfig.embeddingModelDir); loaded at start-up. */
  embeddingModelDir?: string | null;
  /** An embedder to use as is instead of loading one (tests); the caller closes it. */
  embedder?: Embedder;
  /** The clock (tests pass a fake one). */
  now?: () => Date;
  /** Score unscored messages after start-up (default true). */
  scoreBacklogOnReady?: boolean;
}

const scoring: FastifyPluginAsync<ScoringOptions> = async (app, opts) => {
  const log = app.log.child({ component: "scoring" });
  let embedder: Embedder | null = opts.embedder ?? null;
  const ownsEmbedder = embedder === null && typeof opts.embeddingModelDir === "string";
  if (ownsEmbedder) {
    // An unusable model throws EmbeddingModelError here: the sentinel does not start.
    const started = performance.now();
    embedder = await loadOnnxEmbedder(opts.embeddingModelDir!);
    log.info(
      { model: embedder.description, ms: Math.round(performance.now() - started) },
      "embedding model loaded",
    );
  }
  const service = new ScoringService({
    prisma: app.prisma,
    alerts: app.alerts,
    now: opts.now ?? (() => new Date()),
    log,
    embedder,
  });
  try {
    await service.load(opts.seedProfiles);
  } catch (error) {
    if (ownsEmbedder) await embedder?.close();
    throw error;
  }
  app.decorate("scoring", service);

  // Ingestion stores each batch, then hands it here.
  const unsubscribe = app.ingestion.onIngested(service.consume);

  let backlog: Promise<unknown> = Promise.resolve();
  app.addHook("onReady", async () => {
    if (opts.scoreBacklogOnReady === false) return;
    // In the background: a large backlog must not hold up start-up.
    backlog = service.scoreBacklog().catch((error: unknown) => {
      log.error(
        { error: error instanceof Error ? error.message : String(error) },
        "scoring the backlog failed",
      );
    });
  });
  app.addHook("onClose", async () => {
    unsubscribe();
    await service.close();
    await backlog;
    if (ownsEmbedder) await embedder?.close();
  });
};

export default fp(scoring, {
  name: "scoring",
  dependencies: ["database", "alerts", "ingestion"],
  fastify: "5.x",
});
