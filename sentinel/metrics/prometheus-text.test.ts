import { describe, expect, it } from "vitest";
import { escapeLabelValue, formatValue, MetricFormatError, renderMetrics } from "./prometheus-text.ts";

describe("Prometheus text format 0.0.4", () => {
  it("writes HELP and TYPE once per family, then one line per sample with escaped labels", () => {
    const body = renderMetrics([
      {
        name: "tgsentinel_alerts_total",
        help: "Alerts created.\nPer profile.",
        type: "counter",
        samples: [
          { labels: { profile: "security" }, value: 3 },
          { labels: { profile: 'a "quoted" \\ name\nwith a newline' }, value: 1 },
        ],
      },
      {
        name: "tgsentinel_worker_connected",
        help: "1 when connected.",
        type: "gauge",
        samples: [{ value: 0 }],
      },
    ]);
    expect(body).toBe(
      [
        "# HELP tgsentinel_alerts_total Alerts created.\\nPer profile.",
        "# TYPE tgsentinel_alerts_total counter",
        'tgsentinel_alerts_total{profile="security"} 3',
        'tgsentinel_alerts_total{profile="a \\"quoted\\" \\\\ name\\nwith a newline"} 1',
        "# HELP tgsentinel_worker_connected 1 when connected.",
        "# TYPE tgsentinel_worker_connected gauge",
        "tgsentinel_worker_connected 0",
        "",
      ].join("\n"),
    );
  });

  it("writes a histogram as cumulative buckets ending in +Inf = count, then sum and count", () => {
    const body = renderMetrics([
      {
        name: "tgsentinel_scoring_latency_seconds",
        help: "Scoring time.",
        type: "histogram",
        histograms: [
          {
            buckets: [
              { le: 0.0001, count: 2 },
              { le: 0.001, count: 5 },
            ],
            sum: 0.0042,
            count: 6,
          },
        ],
      },
    ]);
    expect(body.split("\n").slice(2, -1)).toEqual([
      'tgsentinel_scoring_latency_seconds_bucket{le="0.0001"} 2',
      'tgsentinel_scoring_latency_seconds_bucket{le="0.001"} 5',
      'tgsentinel_scoring_latency_seconds_bucket{le="+Inf"} 6',
      "tgsentinel_scoring_latency_seconds_sum 0.0042",
      "tgsentinel_scoring_latency_seconds_count 6",
    ]);
  });

  it("spells special values the way Prometheus parses them", () => {
    expect(
      [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1.5e-7, 12].map(formatValue),
    ).toEqual(["NaN", "+Inf", "-Inf", "1.5e-7", "12"]);
    expect(escapeLabelValue("plain")).toBe("plain");
  });

  it("refuses names, labels and histograms that would make the scrape unparseable", () => {
    const gauge = (name: string, labels?: Record<string, string>) => ({
      name,
      help: "h",
      type: "gauge" as const,
      samples: [{ value: 1, ...(labels ? { labels } : {}) }],
    });
    expect(() => renderMetrics([gauge("bad-name")])).toThrow(MetricFormatError);
    expect(() => renderMetrics([gauge("ok", { "bad-label": "x" })])).toThrow(/label name/);
    expect(() => renderMetrics([gauge("ok", { __reserved: "x" })])).toThrow(/label name/);
    expect(() => renderMetrics([gauge("twice"), gauge("twice")])).toThrow(/twice/);
    expect(() =>
      renderMetrics([
        {
          name: "h",
          help: "h",
          type: "histogram",
          histograms: [
            {
              buckets: [
                { le: 1, count: 3 },
                { le: 2, count: 1 },
              ],
              sum: 1,
              count: 3,
            },
          ],
        },
      ]),
    ).toThrow(/cumulative/);
  });
});
