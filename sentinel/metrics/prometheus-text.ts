/**
 * Prometheus text exposition format 0.0.4, written by hand (no client library): metric families
 * in, the scrape body out. Pure; the metrics plugin gathers the figures.
 *
 * Rules kept here: `# HELP` / `# TYPE` once per family, label values escaped (`\\`, `"`, newline),
 * histogram buckets cumulative with a final `le="+Inf"` equal to `_count`, then `_sum` and `_count`.
 */

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export type Labels = Readonly<Record<string, string>>;

export interface Sample {
  labels?: Labels;
  value: number;
}

/** A cumulative histogram: `buckets[i].count` observations were ≤ `buckets[i].le`. */
export interface HistogramSample {
  labels?: Labels;
  buckets: ReadonlyArray<{ le: number; count: number }>;
  sum: number;
  count: number;
}

export type MetricFamily =
  | { name: string; help: string; type: "counter" | "gauge"; samples: readonly Sample[] }
  | { name: string; help: string; type: "histogram"; histograms: readonly HistogramSample[] };

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A family that breaks the format's rules (a programming error, not a runtime condition). */
export class MetricFormatError extends Error {
  readonly code = "METRIC_FORMAT";
  constructor(message: string) {
    super(message);
    this.name = "MetricFormatError";
  }
}

/** A number as the format spells it (`+Inf`, `-Inf`, `NaN`, shortest round-trip decimal otherwise). */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function labelText(labels: Labels | undefined, extra?: [string, string]): string {
  const pairs = Object.entries(labels ?? {});
  if (extra) pairs.push(extra);
  if (pairs.length === 0) return "";
  for (const [name] of pairs) {
    if (!LABEL_NAME.test(name) || name.startsWith("__"))
      throw new MetricFormatError(`invalid label name ${JSON.stringify(name)}`);
  }
  return `{${pairs.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(",")}}`;
}

/** Renders the families in the order given; the body ends with a newline. */
export function renderMetrics(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const family of families) {
    if (!METRIC_NAME.test(family.name))
      throw new MetricFormatError(`invalid metric name ${JSON.stringify(family.name)}`);
    if (seen.has(family.name)) throw new MetricFormatError(`metric ${family.name} is listed twice`);
    seen.add(family.name);
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`);
    if (family.type !== "histogram") {
      for (const sample of family.samples)
        lines.push(`${family.name}${labelText(sample.labels)} ${formatValue(sample.value)}`);
      continue;
    }
    for (const histogram of family.histograms) {
      let previous = 0;
      for (const bucket of histogram.buckets) {
        if (bucket.count < previous)
          throw new MetricFormatError(`histogram ${family.name} buckets are not cumulative`);
        previous = bucket.count;
        lines.push(
          `${family.name}_bucket${labelText(histogram.labels, ["le", formatValue(bucket.le)])} ${formatValue(bucket.count)}`,
        );
      }
      if (histogram.count < previous)
        throw new MetricFormatError(`histogram ${family.name} count is below its last bucket`);
      lines.push(
        `${family.name}_bucket${labelText(histogram.labels, ["le", "+Inf"])} ${formatValue(histogram.count)}`,
        `${family.name}_sum${labelText(histogram.labels)} ${formatValue(histogram.sum)}`,
        `${family.name}_count${labelText(histogram.labels)} ${formatValue(histogram.count)}`,
      );
    }
  }
  return `${lines.join("\n")}\n`;
}
