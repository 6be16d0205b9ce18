/** The speed and memory goals of the benchmark, and whether a run met them. */

export interface Goal {
  workload: string;
  goal: string;
  measured: number | null;
  limit: number;
  /** null when the workload did not run (or failed to run). */
  met: boolean | null;
}

/** The pipeline must sustain this many messages per second on a 2-core machine. */
export const PIPELINE_MIN_MSGS_PER_S = 20_000;
/** …and at least this share of its same-run baseline. */
export const PIPELINE_MIN_BASELINE_RATIO = 0.5;
/** 1,000 profiles may cost at most this multiple of 10 profiles per message. */
export const SCORING_MAX_SCALE_RATIO = 3;
export const ALERT_LATENCY_MAX_P99_MS = 50;
/** Memory growth during one session upload, as a multiple of the file size, per process. */
export const SESSION_IMPORT_MAX_GROWTH_RATIO = 3;
export const ALERTS_PAGE_MAX_P99_MS = 20;

type Report = Record<string, unknown>;

function figure(report: Report, section: string, key: string): number | null {
  const value = (report[section] as Record<string, unknown> | undefined)?.[key];
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

function atLeast(measured: number | null, limit: number): boolean | null {
  return measured === null ? null : measured >= limit;
}

function atMost(measured: number | null, limit: number): boolean | null {
  return measured === null ? null : measured <= limit;
}

export function evaluateGoals(report: Report): Goal[] {
  const msgs = figure(report, "pipeline", "msgs_per_s");
  const ratio = figure(report, "pipeline", "ratio_to_baseline");
  const scale = figure(report, "scoring_scale", "ratio");
  const latency = figure(report, "alert_latency_ms", "p99");
  const expected = figure(report, "alert_latency_ms", "expected_receipts");
  const received = figure(report, "alert_latency_ms", "received_receipts");
  const growth = figure(report, "session_import_ms", "max_memory_growth_ratio");
  const page = figure(report, "graphql_alerts_page_ms", "p99");
  const everyReceipt = expected !== null && received !== null && received >= expected;
  const latencyMet = atMost(latency, ALERT_LATENCY_MAX_P99_MS);
  return [
    {
      workload: "pipeline",
      goal: `msgs_per_s >= ${PIPELINE_MIN_MSGS_PER_S}`,
      measured: msgs,
      limit: PIPELINE_MIN_MSGS_PER_S,
      met: atLeast(msgs, PIPELINE_MIN_MSGS_PER_S),
    },
    {
      workload: "pipeline",
      goal: `msgs_per_s >= ${PIPELINE_MIN_BASELINE_RATIO} x baseline`,
      measured: ratio,
      limit: PIPELINE_MIN_BASELINE_RATIO,
      met: atLeast(ratio, PIPELINE_MIN_BASELINE_RATIO),
    },
    {
      workload: "scoring_scale",
      goal: `1,000-profile cost <= ${SCORING_MAX_SCALE_RATIO} x 10-profile cost`,
      measured: scale,
      limit: SCORING_MAX_SCALE_RATIO,
      met: atMost(scale, SCORING_MAX_SCALE_RATIO),
    },
    {
      workload: "alert_latency",
      goal: `p99 <= ${ALERT_LATENCY_MAX_P99_MS} ms, every subscriber receives every alert`,
      measured: latency,
      limit: ALERT_LATENCY_MAX_P99_MS,
      met: latencyMet === null ? null : latencyMet && everyReceipt,
    },
    {
      workload: "session_import",
      goal: `memory growth <= ${SESSION_IMPORT_MAX_GROWTH_RATIO} x file size (RSS, heap, external; UI and sentinel)`,
      measured: growth,
      limit: SESSION_IMPORT_MAX_GROWTH_RATIO,
      met: atMost(growth, SESSION_IMPORT_MAX_GROWTH_RATIO),
    },
    {
      workload: "graphql_alerts_page",
      goal: `p99 <= ${ALERTS_PAGE_MAX_P99_MS} ms`,
      measured: page,
      limit: ALERTS_PAGE_MAX_P99_MS,
      met: atMost(page, ALERTS_PAGE_MAX_P99_MS),
    },
  ];
}
