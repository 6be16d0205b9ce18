/**
 * `app.scoring`: the profile set in force and its compiled Scorer, and the consumer of ingested
 * batches. A batch is scored with one scorer (a profile change never splits it), handed to
 * `app.alerts`, and its messages are then marked scored. Batches run one at a time.
 *
 * Profiles live in the `profiles` table. On the first start (the table has never held a set)
 * the profiles of config/tgsentinel.yml are seeded; afterwards the UI owns them (PUT
 * /api/profiles), and a deliberately emptied set stays empty across restarts.
 *
 * Ingestion (`app.ingestion`) calls `consume` through its `onIngested` hook once a batch is stored;
 * `consume` may also be called directly (tests, tools), with the same guarantees. Messages
 * stored but never scored (a crash in between, a failing hook) are scored after start-up.
 */
import { performance } from "node:perf_hooks";
import type { FastifyBaseLogger, FastifyPluginAsync } from "fastify";
import fp from "fastify-plugin";
import type { AlertRecorder } from "../alerts/alert-recorder.ts";
import { type LatencySummary, LatencyWindow } from "../alerts/latency-window.ts";
import { ScoringBacklog } from "../alerts/scoring-backlog.ts";
import type { PrismaClient } from "../db/generated/client.ts";
import type { NormalizedMessage } from "../ingestion/message.ts";
import type { LatencyHistogramSnapshot } from "../metrics/latency-histogram.ts";
import { buildScorer, type Scorer } from "../scoring/engine.ts";
import { type Profile, parseProfiles } from "../scoring/profile.ts";

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
  /** Time to score one message against the whole set, in milliseconds. */
  latency_ms: LatencySummary;
}

interface Current {
  scorer: Scorer;
  profiles: readonly Profile[];
  names: ReadonlySet<string>;
  updatedAt: Date | null;
}

/** Canonical order: by name (the table has no position; the UI lists by name too). */
function byName(a: Profile, b: Profile): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function compile(profiles: readonly Profile[], updatedAt: Date | null): Current {
  const sorted = [...profiles].sort(byName);
  return {
    scorer: buildScorer(sorted),
    profiles: sorted,
    names: new Set(sorted.map((p) => p.name)),
    updatedAt,
  };
}

export interface ScoringServiceOptions {
  prisma: PrismaClient;
  alerts: AlertRecorder;
  now: () => Date;
  log: FastifyBaseLogger;
}

export class ScoringService {
  private current: Current = compile([], null);
  private queue: Promise<unknown> = Promise.resolve();
  private profileWrites: Promise<unknown> = Promise.resolve();
  private readonly latency = new LatencyWindow();
  private readonly backlog: ScoringBacklog;
  private scored = 0;
  private batches = 0;
  private closing = false;

  constructor(private readonly options: ScoringServiceOptions) {
    this.backlog = new ScoringBacklog(options.prisma);
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
      } else this.current = compile([], null);
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
    this.current = compile(profiles, updatedAt ?? (mark ? new Date(mark.value) : null));
    log.info({ profiles: profiles.length }, "scoring profiles loaded");
  }

  /**
   * Replaces the whole set: compiled first (nothing is stored if that fails), stored in one
   * transaction, then swapped in. Scoring in progress finishes with the previous scorer.
   */
  replaceProfiles(profiles: readonly Profile[]): Promise<void> {
    const run = this.profileWrites.then(async () => {
      const at = this.options.now();
      const next = compile(profiles, at);
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
    const entries = batch.map((message) => {
      const started = performance.now();
      const scores = scorer.score(message);
      this.latency.record(performance.now() - started);
      return { message, scores };
    });
    const outcome = await this.options.alerts.record(entries, names);
    await this.backlog.markScored(batch, this.options.now());
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
  /** The clock (tests pass a fake one). */
  now?: () => Date;
  /** Score unscored messages after start-up (default true). */
  scoreBacklogOnReady?: boolean;
}

const scoring: FastifyPluginAsync<ScoringOptions> = async (app, opts) => {
  const log = app.log.child({ component: "scoring" });
  const service = new ScoringService({
    prisma: app.prisma,
    alerts: app.alerts,
    now: opts.now ?? (() => new Date()),
    log,
  });
  await service.load(opts.seedProfiles);
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
  });
};

export default fp(scoring, {
  name: "scoring",
  dependencies: ["database", "alerts", "ingestion"],
  fastify: "5.x",
});
