/**
 * `npm run bench`: measures TG Sentinel's real code paths on real SQLite and real Redis, with the
 * pipeline's baseline measured in the same run, and prints a table (or, with --json, one JSON
 * object on stdout and nothing else; progress always goes to stderr). See bench/README.md.
 *
 *   npm run bench                       full run (minutes)
 *   npm run -s bench -- --quick --json  CI-sized run (under a minute), JSON only
 *
 * Exit code 0 when every workload ran (goals met or not), 1 when one failed to run, 2 for bad
 * arguments.
 */
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import { ALERT_SUBSCRIPTIONS, type AlertSubscription, runAlertLatency } from "./alert-latency.ts";
import { type ChildOptions, RoleProcess } from "./child-rpc.ts";
import { type CpuProfile, hotFunctions } from "./cpu-profile-summary.ts";
import { evaluateGoals, type Goal } from "./goals.ts";
import { runAlertsPage } from "./graphql-alerts-page.ts";
import type { PipelineResult } from "./pipeline.ts";
import type { BaselineResult } from "./pipeline-baseline.ts";
import { progress } from "./progress.ts";
import { printTable } from "./report-table.ts";
import type { ScoringScaleResult } from "./scoring-scale.ts";
import { runSessionImport } from "./session-import.ts";

const USAGE = `usage: npm run bench -- [--quick] [--json] [--n N] [--subscribers N] [--alert-rate N] [--alert-subscription NAME] [--only LIST] [--profile DIR]

  --quick        CI-sized run (under a minute); the default is the full run
  --json         print one JSON object on stdout (progress stays on stderr)
  --n N          size every workload from N (messages, alerts, cached alerts) for a smoke run
  --subscribers  graphql-ws subscribers of the alert latency workload (default 100)
  --alert-rate   alerts per second the sentinel creates in the alert latency workload (default 1000)
  --alert-subscription  what its subscribers take: alertsAdded (the web UI's batches, default) or alertAdded (one alert per message)
  --only LIST    comma-separated workloads: pipeline,scoring_scale,alert_latency,session_import,graphql_alerts_page
  --profile DIR  write a V8 CPU profile of each child process into DIR and list its hot functions`;

const WORKLOADS = [
  "pipeline",
  "scoring_scale",
  "alert_latency",
  "session_import",
  "graphql_alerts_page",
] as const;
type Workload = (typeof WORKLOADS)[number];

/** How big each workload is. */
export interface BenchSizes {
  pipelineMessages: number;
  /** Untimed messages through the pipeline before measuring. */
  pipelineWarmup: number;
  scoringMessages: number;
  scoringRounds: number;
  alerts: number;
  alertRate: number;
  subscribers: number;
  sessionSizes: Array<{ bytes: number; uploads: number }>;
  cachedAlerts: number;
  pageQueries: number;
}

export function benchSizes(mode: {
  quick: boolean;
  n?: number;
  subscribers?: number;
  alertRate?: number;
}): BenchSizes {
  const sizes: BenchSizes = mode.quick
    ? {
        pipelineMessages: 20_000,
        pipelineWarmup: 2_000,
        scoringMessages: 5_000,
        scoringRounds: 3,
        alerts: 2_000,
        alertRate: 1_000,
        subscribers: 100,
        sessionSizes: [
          { bytes: 1_000_000, uploads: 5 },
          { bytes: 10_000_000, uploads: 3 },
        ],
        cachedAlerts: 100_000,
        pageQueries: 200,
      }
    : {
        pipelineMessages: 200_000,
        pipelineWarmup: 5_000,
        scoringMessages: 20_000,
        scoringRounds: 5,
        alerts: 10_000,
        alertRate: 1_000,
        subscribers: 100,
        sessionSizes: [
          { bytes: 1_000_000, uploads: 20 },
          { bytes: 10_000_000, uploads: 10 },
        ],
        cachedAlerts: 1_000_000,
        pageQueries: 1_000,
      };
  if (mode.n !== undefined) {
    const n = mode.n;
    sizes.pipelineMessages = n;
    sizes.pipelineWarmup = Math.min(n, sizes.pipelineWarmup);
    sizes.scoringMessages = n;
    sizes.scoringRounds = 1;
    sizes.alerts = n;
    sizes.sessionSizes = sizes.sessionSizes.map((s) => ({ ...s, uploads: 1 }));
    sizes.cachedAlerts = n * 10;
    sizes.pageQueries = Math.min(n, 50);
  }
  if (mode.subscribers !== undefined) sizes.subscribers = mode.subscribers;
  if (mode.alertRate !== undefined) sizes.alertRate = mode.alertRate;
  return sizes;
}

interface Cli {
  quick: boolean;
  json: boolean;
  n?: number;
  subscribers?: number;
  alertRate?: number;
  alertSubscription: AlertSubscription;
  only: Workload[];
  profileDir?: string;
}

function parseCli(argv: string[]): Cli {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      n: { type: "string" },
      subscribers: { type: "string" },
      "alert-rate": { type: "string" },
      "alert-subscription": { type: "string", default: "alertsAdded" },
      only: { type: "string" },
      profile: { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const positive = (name: string, value: string | undefined) => {
    if (value === undefined) return undefined;
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < 1) throw new Error(`--${name} must be a positive integer`);
    return parsed;
  };
  const only = values.only ? values.only.split(",").map((w) => w.trim()) : [...WORKLOADS];
  for (const name of only) {
    if (!WORKLOADS.includes(name as Workload)) throw new Error(`--only: unknown workload ${name}`);
  }
  const alertSubscription = values["alert-subscription"];
  if (!(alertSubscription in ALERT_SUBSCRIPTIONS))
    throw new Error(`--alert-subscription must be one of ${Object.keys(ALERT_SUBSCRIPTIONS).join(", ")}`);
  return {
    quick: values.quick,
    json: values.json,
    n: positive("n", values.n),
    subscribers: positive("subscribers", values.subscribers),
    alertRate: positive("alert-rate", values["alert-rate"]),
    alertSubscription: alertSubscription as AlertSubscription,
    only: only as Workload[],
    profileDir: values.profile ? path.resolve(values.profile) : undefined,
  };
}

function machine() {
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    node: process.version,
    "cpu model": cpus[0]?.model.trim() ?? "unknown",
    platform: `${os.platform()} ${os.release()}`,
    memory_gb: Math.round((os.totalmem() / 1_073_741_824) * 10) / 10,
    load_avg_1m_start: Math.round(os.loadavg()[0]! * 100) / 100,
    load_avg_1m_end: 0,
  };
}

/** Runs one workload, recording its error instead of stopping the others. */
async function attempt<T>(
  name: string,
  errors: Record<string, string>,
  body: () => Promise<T>,
): Promise<T | null> {
  try {
    return await body();
  } catch (error) {
    errors[name] = error instanceof Error ? error.message : String(error);
    progress(`${name} failed: ${errors[name]}`);
    return null;
  }
}

async function oneShot<T>(
  role: "pipeline" | "baseline" | "scoring-scale",
  params: unknown,
  child: ChildOptions,
): Promise<T> {
  const processHandle = await RoleProcess.start(role, child);
  try {
    return await processHandle.call<T>("run", params);
  } finally {
    await processHandle.close();
  }
}

async function deleteKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: false, maxRetriesPerRequest: 1 });
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1_000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
}

export async function main(argv: string[]): Promise<number> {
  let cli: Cli;
  try {
    cli = parseCli(argv);
  } catch (error) {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}\n`);
    return 2;
  }
  const sizes = benchSizes(cli);
  const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
  const prefix = `bench-${randomUUID()}:tgsentinel:`;
  const child: ChildOptions = cli.profileDir ? { cpuProfileDir: cli.profileDir } : {};
  if (cli.profileDir) fs.mkdirSync(cli.profileDir, { recursive: true });
  const want = (w: Workload) => cli.only.includes(w);
  const errors: Record<string, string> = {};
  const report: Record<string, unknown> = {
    machine: machine(),
    mode: cli.n !== undefined ? `n=${cli.n}` : cli.quick ? "quick" : "full",
    sizes,
  };
  const started = performance.now();

  if (want("scoring_scale")) {
    progress("scoring_scale: starting");
    const result = await attempt("scoring_scale", errors, () =>
      oneShot<ScoringScaleResult>(
        "scoring-scale",
        { messages: sizes.scoringMessages, rounds: sizes.scoringRounds },
        child,
      ),
    );
    if (result) {
      const few = result.by_profiles[0]!;
      const many = result.by_profiles.at(-1)!;
      report.scoring_scale = {
        us_per_msg_10_profiles: few.us_per_msg,
        us_per_msg_1000_profiles: many.us_per_msg,
        ratio: Math.round((many.us_per_msg / few.us_per_msg) * 100) / 100,
        messages: result.messages,
        keywords_per_profile: result.keywords_per_profile,
        by_profiles: result.by_profiles,
      };
    }
  }

  if (want("pipeline")) {
    progress(`pipeline: ${sizes.pipelineMessages} messages`);
    const params = { messages: sizes.pipelineMessages, warmup: sizes.pipelineWarmup, redisUrl, prefix };
    const pipeline = await attempt("pipeline", errors, () =>
      oneShot<PipelineResult>("pipeline", params, child),
    );
    progress("pipeline baseline: same rows with plain better-sqlite3 + raw ioredis publishes");
    const baseline = await attempt("pipeline_baseline", errors, () =>
      oneShot<BaselineResult>("baseline", params, child),
    );
    if (pipeline) {
      report.pipeline = {
        msgs_per_s: pipeline.msgs_per_s,
        baseline_msgs_per_s: baseline?.msgs_per_s ?? null,
        ratio_to_baseline: baseline
          ? Math.round((pipeline.msgs_per_s / baseline.msgs_per_s) * 100) / 100
          : null,
        cpu_us_per_msg: pipeline.cpu_us_per_msg,
        baseline_cpu_us_per_msg: baseline?.cpu_us_per_msg ?? null,
        rss_mb_peak: pipeline.rss_mb_peak,
        rss_mb_start: pipeline.rss_mb_start,
        messages: pipeline.messages,
        seconds: pipeline.seconds,
        stored_messages: pipeline.stored_messages,
        alerts_created: pipeline.alerts_created,
        baseline_publishes: baseline?.publishes ?? null,
        baseline_transactions: baseline?.transactions ?? null,
        profiles: pipeline.profiles,
        keywords: pipeline.keywords,
        regexes: pipeline.regexes,
      };
    }
  }

  const serverWorkloads = WORKLOADS.filter(
    (w) => w === "alert_latency" || w === "session_import" || w === "graphql_alerts_page",
  ).filter(want);
  if (serverWorkloads.length > 0) {
    const cachedAlerts = want("graphql_alerts_page") ? sizes.cachedAlerts : 0;
    let sentinel: RoleProcess | null = null;
    let ui: RoleProcess | null = null;
    const servers = await attempt("servers", errors, async () => {
      progress("starting the sentinel and the UI (each in its own process)");
      sentinel = await RoleProcess.start("sentinel-server", child);
      const { baseUrl, token } = await sentinel.call<{ baseUrl: string; token: string }>("start", {
        redisUrl,
        prefix,
      });
      ui = await RoleProcess.start("ui-server", child);
      if (cachedAlerts > 0) progress(`graphql_alerts_page: filling ui.db with ${cachedAlerts} cached alerts`);
      const started = await ui.call<{ url: string; prefill_ms: number }>("start", {
        redisUrl,
        prefix,
        sentinelBaseUrl: baseUrl,
        sentinelToken: token,
        cachedAlerts,
      });
      return {
        sentinel: sentinel as RoleProcess,
        ui: ui as RoleProcess,
        uiUrl: started.url,
        prefillMs: started.prefill_ms,
      };
    });
    if (servers) {
      if (want("graphql_alerts_page")) {
        const result = await attempt("graphql_alerts_page", errors, () =>
          runAlertsPage({ uiUrl: servers.uiUrl, queries: sizes.pageQueries, cachedAlerts }),
        );
        if (result) {
          report.graphql_alerts_page_ms = {
            p50: result.by_score.p50,
            p99: result.by_score.p99,
            cached_alerts: cachedAlerts,
            queries: result.by_score.count,
            max: result.by_score.max,
            newest_first: result.newest,
            prefill_s: Math.round(servers.prefillMs / 100) / 10,
            ...(cli.quick || cli.n !== undefined
              ? {
                  note: `${cachedAlerts} cached alerts in this ${report.mode} run (the full run uses 1,000,000)`,
                }
              : {}),
          };
        }
      }
      if (want("session_import")) {
        const result = await attempt("session_import", errors, () =>
          runSessionImport({
            uiUrl: servers.uiUrl,
            ui: servers.ui,
            sentinel: servers.sentinel,
            sizes: sizes.sessionSizes,
          }),
        );
        if (result) {
          report.session_import_ms = {
            p50: result.all.p50,
            p99: result.all.p99,
            uploads: result.all.count,
            max_memory_growth_ratio: Math.max(...result.by_size.map((s) => s.max_growth_ratio)),
            by_size: result.by_size,
          };
        }
      }
      if (want("alert_latency")) {
        const result = await attempt("alert_latency", errors, () =>
          runAlertLatency({
            uiUrl: servers.uiUrl,
            sentinel: servers.sentinel,
            ui: servers.ui,
            subscribers: sizes.subscribers,
            rate: sizes.alertRate,
            alerts: sizes.alerts,
            subscription: cli.alertSubscription,
          }),
        );
        if (result) {
          report.alert_latency_ms = {
            p50: result.ms.p50,
            p99: result.ms.p99,
            subscribers: result.subscribers,
            max: result.ms.max,
            alerts: result.alerts,
            rate_per_s: result.rate_per_s,
            achieved_rate_per_s: result.achieved_rate_per_s,
            subscription: result.subscription,
            messages_per_subscriber: result.messages_per_subscriber,
            expected_receipts: result.expected_receipts,
            received_receipts: result.received_receipts,
            sentinel_record_ms: result.record_ms,
            cpu_cores_busy: result.cpu_cores_busy,
            cpu_us_per_alert: result.cpu_us_per_alert,
          };
        }
      }
    }
    await Promise.allSettled([
      (ui as RoleProcess | null)?.close(),
      (sentinel as RoleProcess | null)?.close(),
    ]);
  }

  await deleteKeys(redisUrl, prefix).catch(() => {});
  (report.machine as { load_avg_1m_end: number }).load_avg_1m_end = Math.round(os.loadavg()[0]! * 100) / 100;
  report.total_seconds = Math.round((performance.now() - started) / 100) / 10;
  const goals: Goal[] = evaluateGoals(report);
  report.goals = goals;
  report.all_goals_met = goals.every((g) => g.met === true);
  if (cli.profileDir) report.cpu_profiles = summarizeProfiles(cli.profileDir);
  if (Object.keys(errors).length > 0) report.errors = errors;

  if (cli.json) process.stdout.write(`${JSON.stringify(report)}\n`);
  else printTable(report, (line) => process.stdout.write(`${line}\n`));
  return Object.keys(errors).length > 0 ? 1 : 0;
}

/**
 * The ten hottest functions (self time) per role: all timed windows of a workload together, or,
 * for the servers, the main thread's profile (the one with the most call-tree nodes; tsx's loader
 * thread writes a small one beside it).
 */
function summarizeProfiles(dir: string): Record<string, Array<{ fn: string; self_pct: number }>> {
  const out: Record<string, Array<{ fn: string; self_pct: number }>> = {};
  for (const role of fs.readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory())) {
    const files = fs.readdirSync(path.join(dir, role.name)).filter((f) => f.endsWith(".cpuprofile"));
    const profiles = files.map(
      (f) => JSON.parse(fs.readFileSync(path.join(dir, role.name, f), "utf8")) as CpuProfile,
    );
    const windows = files.some((f) => f.startsWith("window-"));
    const chosen = windows ? profiles : profiles.sort((a, b) => b.nodes.length - a.nodes.length).slice(0, 1);
    if (chosen.length === 0) continue;
    out[role.name] = hotFunctions(chosen, 10).map((f) => ({
      fn: `${f.name} (${f.location})`,
      self_pct: Math.round(f.selfPercent * 10) / 10,
    }));
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(
        `bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exit(1);
    },
  );
}
