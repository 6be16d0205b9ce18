/** The human-readable form of a benchmark report (what `npm run bench` prints without --json). */
import type { Goal } from "./goals.ts";

type Section = Record<string, unknown> | undefined;

function fmt(value: unknown, unit = ""): string {
  if (typeof value !== "number" || !Number.isFinite(value)) return "—";
  const text = Math.abs(value) >= 100 ? Math.round(value).toLocaleString("en-US") : String(value);
  return unit ? `${text} ${unit}` : text;
}

function mb(bytes: unknown): string {
  return typeof bytes === "number" ? `${(bytes / 1_048_576).toFixed(1)} MB` : "—";
}

/** External memory growth: the larger of `external` and its `arrayBuffers` part (peaks differ). */
function ext(growth: Record<string, number>): number {
  return Math.max(growth.external ?? 0, growth.arrayBuffers ?? 0);
}

function rows(lines: Array<[string, string]>, print: (line: string) => void): void {
  const width = Math.max(...lines.map(([label]) => label.length));
  for (const [label, value] of lines) print(`  ${label.padEnd(width)}  ${value}`);
}

export function printTable(report: Record<string, unknown>, print: (line: string) => void): void {
  const machine = report.machine as Record<string, unknown>;
  print(
    `TG Sentinel benchmark (${report.mode}) — ${machine.cores} cores, ${machine["cpu model"]}, Node ${machine.node}, ` +
      `load average ${machine.load_avg_1m_start} → ${machine.load_avg_1m_end}`,
  );

  const pipeline = report.pipeline as Section;
  if (pipeline) {
    print("\npipeline (GramJS message → normalise → sentinel.db → scoring → alerts → Redis)");
    rows(
      [
        [
          "messages/s",
          `${fmt(pipeline.msgs_per_s)}   (baseline ${fmt(pipeline.baseline_msgs_per_s)}, ratio ${fmt(pipeline.ratio_to_baseline)})`,
        ],
        [
          "CPU per message",
          `${fmt(pipeline.cpu_us_per_msg, "µs")}   (baseline ${fmt(pipeline.baseline_cpu_us_per_msg, "µs")})`,
        ],
        ["peak RSS", fmt(pipeline.rss_mb_peak, "MB")],
        ["messages / alerts", `${fmt(pipeline.messages)} / ${fmt(pipeline.alerts_created)}`],
        ["profiles", `${pipeline.profiles} (${pipeline.keywords} keywords, ${pipeline.regexes} regexes)`],
      ],
      print,
    );
  }

  const scoring = report.scoring_scale as Section;
  if (scoring) {
    print("\nscoring_scale (per message, 50 keywords per profile)");
    rows(
      [
        ["10 profiles", fmt(scoring.us_per_msg_10_profiles, "µs")],
        ["1,000 profiles", fmt(scoring.us_per_msg_1000_profiles, "µs")],
        ["ratio", fmt(scoring.ratio)],
      ],
      print,
    );
  }

  const latency = report.alert_latency_ms as Section;
  if (latency) {
    print(`\nalert_latency (sentinel creates → graphql-ws ${latency.subscription ?? "alertAdded"} received)`);
    rows(
      [
        [
          "p50 / p99 / max",
          `${fmt(latency.p50, "ms")} / ${fmt(latency.p99, "ms")} / ${fmt(latency.max, "ms")}`,
        ],
        ["subscribers", fmt(latency.subscribers)],
        [
          "alerts (rate)",
          `${fmt(latency.alerts)} at ${fmt(latency.rate_per_s)}/s (achieved ${fmt(latency.achieved_rate_per_s)}/s)`,
        ],
        ["receipts", `${fmt(latency.received_receipts)} of ${fmt(latency.expected_receipts)}`],
        ["messages per subscriber", fmt(latency.messages_per_subscriber)],
      ],
      print,
    );
  }

  const session = report.session_import_ms as Section;
  if (session) {
    print("\nsession_import (UI upload → sentinel import → authorized)");
    const sizes = (session.by_size as Array<Record<string, unknown>>) ?? [];
    rows(
      sizes.map((s) => {
        const ms = s.ms as Record<string, number>;
        const ui = s.ui_growth as Record<string, number>;
        const sentinel = s.sentinel_growth as Record<string, number>;
        return [
          `${((s.file_bytes as number) / 1e6).toFixed(1)} MB × ${s.uploads}`,
          `p50 ${fmt(ms.p50, "ms")}, p99 ${fmt(ms.p99, "ms")}; growth UI rss ${mb(ui.rss)} heap ${mb(ui.heapUsed)} ext ${mb(ext(ui))}, ` +
            `sentinel rss ${mb(sentinel.rss)} heap ${mb(sentinel.heapUsed)} ext ${mb(ext(sentinel))} (×${s.max_growth_ratio})`,
        ] as [string, string];
      }),
      print,
    );
  }

  const page = report.graphql_alerts_page_ms as Section;
  if (page) {
    print("\ngraphql_alerts_page (first 50 by score)");
    const newest = page.newest_first as Record<string, number> | undefined;
    rows(
      [
        ["p50 / p99", `${fmt(page.p50, "ms")} / ${fmt(page.p99, "ms")}`],
        ["cached alerts", fmt(page.cached_alerts)],
        ["newest first p50 / p99", `${fmt(newest?.p50, "ms")} / ${fmt(newest?.p99, "ms")}`],
      ],
      print,
    );
  }

  print("\ngoals");
  rows(
    (report.goals as Goal[]).map((g) => [
      `${g.workload}: ${g.goal}`,
      g.met === null ? "not measured" : `${g.met ? "met" : "MISSED"} (${fmt(g.measured)})`,
    ]),
    print,
  );
  const errors = report.errors as Record<string, string> | undefined;
  if (errors) {
    print("\nfailed to run");
    for (const [name, message] of Object.entries(errors)) print(`  ${name}: ${message.split("\n")[0]}`);
  }
  print(`\n${report.total_seconds} s in total`);
}
