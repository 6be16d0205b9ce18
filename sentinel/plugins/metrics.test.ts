/**
 * GET /metrics through the app: the token rule, the 0.0.4 text format (checked line by line),
 * and figures that follow what really happened (messages through ingestion and scoring, alerts
 * and suppressions in SQLite, worker, Redis and flood-wait state).
 */
import { MemoryEventBus } from "@tgsentinel/contract/event-bus.ts";
import { MemoryTtlStore } from "@tgsentinel/contract/ttl-store.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROMETHEUS_CONTENT_TYPE } from "../metrics/prometheus-text.ts";
import { chatMessage, Feeder, redisAdapters, sendJson, TestClock } from "../testing/alerting-fixture.ts";
import { RecordingGateway } from "../testing/recording-gateway.ts";
import { authHeaders, buildTestApp, type TestApp } from "../testing/sentinel-fixture.ts";

/** A gateway that can report a flood wait, as the GramJS gateway does. */
class FloodReportingGateway extends RecordingGateway {
  floodUntil: Date | null = null;
  override floodWaits() {
    return this.floodUntil
      ? [{ method: "messages.GetHistory", seconds: 30, until: this.floodUntil.toISOString() }]
      : [];
  }
}

interface Scrape {
  types: Map<string, string>;
  samples: Array<{ name: string; labels: Record<string, string>; value: number }>;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Parses an exposition strictly: every line a comment of the right form or a sample of a declared family. */
function parseExposition(body: string): Scrape {
  expect(body.endsWith("\n")).toBe(true);
  const types = new Map<string, string>();
  const samples: Scrape["samples"] = [];
  for (const line of body.slice(0, -1).split("\n")) {
    if (line.startsWith("# HELP ")) continue;
    const type = /^# TYPE (\S+) (counter|gauge|histogram)$/.exec(line);
    if (type) {
      expect(types.has(type[1]!), `TYPE of ${type[1]} once`).toBe(false);
      types.set(type[1]!, type[2]!);
      continue;
    }
    const match = SAMPLE.exec(line);
    expect(match, `a sample line: ${line}`).not.toBeNull();
    const [, name, , labelText, value] = match!;
    const family = name!.replace(/_(bucket|sum|count)$/, "");
    expect(types.has(name!) || types.get(family) === "histogram", `${name} declared before use`).toBe(true);
    const labels: Record<string, string> = {};
    for (const l of (labelText ?? "").matchAll(LABEL)) labels[l[1]!] = l[2]!;
    const number = value === "+Inf" ? Number.POSITIVE_INFINITY : Number(value);
    expect(Number.isNaN(number), `numeric value in ${line}`).toBe(false);
    samples.push({ name: name!, labels, value: number });
  }
  return { types, samples };
}

function value(scrape: Scrape, name: string, labels: Record<string, string> = {}): number | undefined {
  return scrape.samples.find(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  )?.value;
}

describe("GET /metrics", () => {
  const redis = redisAdapters();
  const clock = new TestClock(new Date("2026-06-03T12:00:00Z"));
  const gateway = new FloodReportingGateway();
  let t: TestApp;

  const scrape = async (): Promise<Scrape> => {
    const response = await t.app.inject({ method: "GET", url: "/metrics", headers: authHeaders() });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toBe(PROMETHEUS_CONTENT_TYPE);
    return parseExposition(response.body);
  };

  beforeAll(async () => {
    t = await buildTestApp({
      yaml: "alerts: { per_chat_per_hour: 2, per_profile_per_hour: 1000 }\n",
      bus: redis.bus,
      ttl: redis.ttl,
      gateway,
      now: clock.now,
      digestTimer: false,
      retentionTimer: false,
    });
    await t.app.ready();
    await sendJson(t.app, "PUT", "/api/profiles", [
      { name: "security", keywords: ["breach"] },
      { name: "crypto", keywords: ["bitcoin"] },
    ]);
  });

  afterAll(async () => {
    await t.close();
    await redis.close();
  });

  it("needs the API's bearer token", async () => {
    const none = await t.app.inject({ method: "GET", url: "/metrics" });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toMatchObject({ status: "error", code: "UNAUTHORIZED" });
    const wrong = await t.app.inject({ method: "GET", url: "/metrics", headers: authHeaders("nope") });
    expect(wrong.statusCode).toBe(401);
  });

  it("starts from zero, with every family declared and the worker idle", async () => {
    const s = await scrape();
    expect(s.types.get("tgsentinel_scoring_latency_seconds")).toBe("histogram");
    expect(s.types.get("tgsentinel_alerts_total")).toBe("counter");
    for (const name of [
      "tgsentinel_messages_ingested_total",
      "tgsentinel_alerts_suppressed_total",
      "tgsentinel_worker_authorized",
      "tgsentinel_worker_connected",
      "tgsentinel_redis_connected",
      "tgsentinel_ingest_queue_depth",
      "tgsentinel_flood_wait_seconds",
      "tgsentinel_uptime_seconds",
    ])
      expect(s.types.has(name), name).toBe(true);
    expect(value(s, "tgsentinel_messages_ingested_total")).toBe(0);
    expect(value(s, "tgsentinel_worker_authorized")).toBe(0);
    expect(value(s, "tgsentinel_redis_connected")).toBe(1);
    expect(value(s, "tgsentinel_scoring_latency_seconds_count")).toBe(0);
    // Alert delivery (mode none) and webhooks (none configured) add no families.
    expect(s.types.has("tgsentinel_delivery_sent_total")).toBe(false);
    expect(s.types.has("tgsentinel_webhook_attempts_total")).toBe(false);
  });

  it("follows messages, alerts per profile, suppressions and the scoring histogram", async () => {
    const feeder = new Feeder(t.app);
    await feeder.feed(
      chatMessage("-1001", 1, "breach one"),
      chatMessage("-1001", 2, "breach two"),
      chatMessage("-1001", 3, "breach three"), // over the per-chat cap of 2: suppressed
      chatMessage("-1002", 4, "bitcoin"),
      chatMessage("-1002", 5, "nothing"),
    );
    const s = await scrape();
    expect(value(s, "tgsentinel_messages_ingested_total")).toBe(5);
    expect(value(s, "tgsentinel_messages_scored_total")).toBe(5);
    expect(value(s, "tgsentinel_alerts_total", { profile: "security" })).toBe(2);
    expect(value(s, "tgsentinel_alerts_total", { profile: "crypto" })).toBe(1);
    expect(value(s, "tgsentinel_alerts_suppressed_total")).toBe(1);
    expect(value(s, "tgsentinel_ingest_queue_depth")).toBe(0);

    const buckets = s.samples.filter((x) => x.name === "tgsentinel_scoring_latency_seconds_bucket");
    expect(buckets.length).toBeGreaterThan(5);
    expect(buckets.at(-1)).toMatchObject({ labels: { le: "+Inf" }, value: 5 });
    const le = (label: string | undefined) => (label === "+Inf" ? Number.POSITIVE_INFINITY : Number(label));
    for (let i = 1; i < buckets.length; i += 1) {
      expect(buckets[i]!.value).toBeGreaterThanOrEqual(buckets[i - 1]!.value);
      expect(le(buckets[i]!.labels.le)).toBeGreaterThan(le(buckets[i - 1]!.labels.le));
    }
    expect(value(s, "tgsentinel_scoring_latency_seconds_count")).toBe(5);
    expect(value(s, "tgsentinel_scoring_latency_seconds_sum")).toBeGreaterThan(0);
    expect(value(s, "tgsentinel_scoring_latency_seconds_sum")).toBeLessThan(5);
    // The same figures as /api/stats, not a second count.
    const stats = (await t.app.inject({ method: "GET", url: "/api/stats", headers: authHeaders() })).json()
      .data;
    expect(stats.alerts.per_profile).toEqual({ security: 2, crypto: 1 });
    expect(stats.suppressed.total).toBe(1);
    expect(stats.scoring_latency_ms.total).toBe(5);
  });

  it("shows the worker authorized and connected, a flood wait in seconds, and uptime on the app's clock", async () => {
    await gateway.start({ sessionString: "x", dcId: 2, serverAddress: "127.0.0.1", port: 1 });
    gateway.floodUntil = new Date(Date.now() + 29_500);
    clock.advance(90_000);
    const s = await scrape();
    expect(value(s, "tgsentinel_worker_authorized")).toBe(1);
    expect(value(s, "tgsentinel_worker_connected")).toBe(1);
    expect(value(s, "tgsentinel_flood_wait_seconds")).toBe(30);
    expect(value(s, "tgsentinel_uptime_seconds")).toBe(90);
    gateway.floodUntil = null;
    expect(value(await scrape(), "tgsentinel_flood_wait_seconds")).toBe(0);
  });
});

describe("GET /metrics without Redis", () => {
  it("reports redis_connected 0 with the in-memory event bus", async () => {
    const t = await buildTestApp({
      bus: new MemoryEventBus(),
      ttl: new MemoryTtlStore(),
      digestTimer: false,
      retentionTimer: false,
    });
    try {
      const response = await t.app.inject({ method: "GET", url: "/metrics", headers: authHeaders() });
      expect(value(parseExposition(response.body), "tgsentinel_redis_connected")).toBe(0);
    } finally {
      await t.close();
    }
  });
});
