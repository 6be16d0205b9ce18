/**
 * `GET /metrics`: Prometheus text exposition format 0.0.4 (metrics/prometheus-text.ts). Behind the
 * same Bearer token as the API (scrape with `authorization: { credentials_file: … }`; see the
 * README) and the same rate limit. Every figure is read from where it already lives, when
 * scraped: ingestion and scoring counters of this process, alert and suppression totals from
 * sentinel.db, worker and Redis state, and the retention, delivery and webhook plugins' figures.
 */
import type { FastifyPluginAsync } from "fastify";
import fp from "fastify-plugin";
import {
  type MetricFamily,
  PROMETHEUS_CONTENT_TYPE,
  renderMetrics,
  type Sample,
} from "../metrics/prometheus-text.ts";

export interface MetricsOptions {
  /** The clock (uptime); tests pass a fake one. */
  now?: () => Date;
}

const counter = (name: string, help: string, samples: Sample[]): MetricFamily => ({
  name,
  help,
  type: "counter",
  samples,
});
const gauge = (name: string, help: string, samples: Sample[]): MetricFamily => ({
  name,
  help,
  type: "gauge",
  samples,
});
const one = (value: number): Sample[] => [{ value }];
const flag = (value: boolean): Sample[] => [{ value: value ? 1 : 0 }];

const metrics: FastifyPluginAsync<MetricsOptions> = async (app, opts) => {
  const now = opts.now ?? (() => new Date());
  const startedAt = now();

  app.get("/metrics", async (_request, reply) => {
    const at = now();
    const [alertsPerProfile, suppressed] = await Promise.all([
      app.prisma.alert.groupBy({ by: ["profile"], _count: { _all: true }, orderBy: { profile: "asc" } }),
      app.prisma.alertSuppression.aggregate({ _sum: { count: true } }),
    ]);
    const ingestion = app.ingestion.stats();
    const scoring = app.scoring.stats();
    const latency = app.scoring.latencyHistogram();
    const status = app.telegram.status();
    const bus = app.bus.health();
    const floodUntil = Math.max(
      0,
      ...app.telegram.floodWaits().map((w) => Date.parse(w.until)),
      status.flood_wait_until ? Date.parse(status.flood_wait_until) : 0,
    );

    const families: MetricFamily[] = [
      counter(
        "tgsentinel_messages_ingested_total",
        "New messages stored since the sentinel started (edits not counted).",
        one(ingestion.messages_ingested),
      ),
      counter(
        "tgsentinel_messages_edited_total",
        "Message edits stored since start.",
        one(ingestion.messages_edited),
      ),
      counter(
        "tgsentinel_messages_scored_total",
        "Messages scored since start.",
        one(scoring.messages_scored),
      ),
      counter(
        "tgsentinel_alerts_total",
        "Alerts created, per profile (all time, from sentinel.db).",
        alertsPerProfile.map((row) => ({ labels: { profile: row.profile }, value: row._count._all })),
      ),
      counter(
        "tgsentinel_alerts_suppressed_total",
        "Matches held back by the hourly alert caps (all time, from sentinel.db).",
        one(suppressed._sum.count ?? 0),
      ),
      {
        name: "tgsentinel_scoring_latency_seconds",
        help: "Time to score one message against the whole profile set, since start.",
        type: "histogram",
        histograms: [
          {
            buckets: latency.buckets.map((b) => ({ le: b.leMs / 1000, count: b.count })),
            sum: latency.sumMs / 1000,
            count: latency.count,
          },
        ],
      },
      gauge(
        "tgsentinel_worker_authorized",
        "1 when the Telegram session is authorized.",
        flag(status.authorized),
      ),
      gauge("tgsentinel_worker_connected", "1 when connected to Telegram.", flag(status.connected)),
      gauge(
        "tgsentinel_redis_connected",
        "1 when the event bus is Redis and connected (0 with in-memory events).",
        flag(bus.kind === "redis" && bus.connected),
      ),
      gauge(
        "tgsentinel_ingest_queue_depth",
        "Messages waiting in the ingestion queue.",
        one(ingestion.queue.depth),
      ),
      gauge("tgsentinel_ingest_queue_capacity", "Capacity of the ingestion queue.", one(ingestion.queue.max)),
      gauge(
        "tgsentinel_flood_wait_seconds",
        "Seconds left of the longest Telegram flood wait in force (0 when none).",
        one(Math.max(0, Math.ceil((floodUntil - Date.now()) / 1000))),
      ),
      gauge(
        "tgsentinel_uptime_seconds",
        "Seconds since the sentinel started.",
        one(Math.max(0, Math.round((at.getTime() - startedAt.getTime()) / 1000))),
      ),
      gauge(
        "process_start_time_seconds",
        "Start time of the process since the Unix epoch, in seconds.",
        one(Math.round(startedAt.getTime() / 1000)),
      ),
    ];

    const delivery = app.delivery.stats();
    if (delivery.peer !== null) {
      families.push(
        counter(
          "tgsentinel_delivery_sent_total",
          "Alerts sent into Telegram since start.",
          one(delivery.sent ?? 0),
        ),
        counter(
          "tgsentinel_delivery_dropped_total",
          "Alerts dropped because the delivery outbox was full, since start.",
          one(delivery.dropped ?? 0),
        ),
        counter(
          "tgsentinel_delivery_failed_total",
          "Alerts given up on after repeated send failures, since start.",
          one(delivery.failed ?? 0),
        ),
        gauge(
          "tgsentinel_delivery_outbox_depth",
          "Alerts waiting to be sent into Telegram.",
          one(delivery.queued ?? 0),
        ),
      );
    }
    const hooks = app.webhooks.stats();
    if (hooks.webhooks > 0) {
      families.push(
        counter(
          "tgsentinel_webhook_attempts_total",
          "Webhook HTTP attempts since start.",
          one(hooks.attempts),
        ),
        counter(
          "tgsentinel_webhook_deliveries_total",
          "Webhook deliveries finished since start, by outcome.",
          [
            { labels: { outcome: "delivered" }, value: hooks.delivered },
            { labels: { outcome: "failed" }, value: hooks.failed },
          ],
        ),
      );
    }
    const retention = app.retention.stats();
    families.push(
      counter(
        "tgsentinel_retention_deleted_messages_total",
        "Messages deleted by retention (all time).",
        one(retention.deleted_total.messages),
      ),
    );

    reply.type(PROMETHEUS_CONTENT_TYPE);
    return renderMetrics(families);
  });
};

export default fp(metrics, {
  name: "metrics",
  dependencies: [
    "database",
    "events",
    "telegram",
    "ingestion",
    "scoring",
    "retention",
    "delivery",
    "webhooks",
  ],
  fastify: "5.x",
});
