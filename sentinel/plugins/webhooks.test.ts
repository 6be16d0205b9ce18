/**
 * Webhooks end to end: alerts made by the real ingestion → scoring → alerts path, POSTed to a
 * local HTTP receiver (node:http on port 0) that checks every signature, fails first attempts,
 * times out once, refuses, and recovers; the history through GET /api/webhooks/deliveries;
 * secrets encrypted in sentinel.db; pending deliveries resumed after a restart.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebhookSecretBox } from "../delivery/webhook-secrets.ts";
import { verifyWebhookSignature } from "../delivery/webhook-signature.ts";
import {
  chatMessage,
  Feeder,
  getJson,
  redisAdapters,
  sendJson,
  TestClock,
} from "../testing/alerting-fixture.ts";
import { buildTestApp, makeTempDir, TEST_TOKEN, type TestApp } from "../testing/sentinel-fixture.ts";

const SIEM_SECRET = "siem-secret-0123456789";
const ALL_SECRET = "all-secret-from-the-environment";
const TIMEOUT_MS = 300;

interface Received {
  path: string;
  raw: string;
  headers: http.IncomingHttpHeaders;
  signatureValid: boolean;
  at: number;
}

/** A webhook receiver whose answers are scripted per alert text and attempt. */
class Receiver {
  readonly received: Received[] = [];
  /**
   * text marker → the siem webhook's answers for attempts 1, 2, … ("timeout" holds the answer
   * past the timeout); the "*" webhook always answers 200.
   */
  script = new Map<string, Array<number | "timeout">>();
  private server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const secret = req.url === "/siem/hook?token=abc" ? SIEM_SECRET : ALL_SECRET;
      this.received.push({
        path: req.url ?? "",
        raw,
        headers: req.headers,
        signatureValid: verifyWebhookSignature(secret, raw, req.headers["x-webhook-signature"]),
        at: Date.now(),
      });
      const text: string = JSON.parse(raw).alert.text;
      const scripted =
        req.url === "/all" ? undefined : [...this.script].find(([marker]) => text.includes(marker));
      const plan = scripted?.[1] ?? [200];
      const attempt = Number(req.headers["x-webhook-attempt"]);
      const answer = plan[Math.min(attempt, plan.length) - 1]!;
      if (answer === "timeout") setTimeout(() => res.writeHead(200).end(), TIMEOUT_MS * 4).unref();
      else
        res.writeHead(answer, answer === 429 ? { "retry-after": "0" } : {}).end(answer >= 400 ? "no" : "ok");
    });
  });
  base = "";

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  of(marker: string, path?: string): Received[] {
    return this.received.filter(
      (r) => JSON.parse(r.raw).alert.text.includes(marker) && (path === undefined || r.path === path),
    );
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

function yaml(base: string): string {
  return [
    "alerts: { per_chat_per_hour: 1000, per_profile_per_hour: 1000 }",
    "webhooks:",
    `  - { name: siem, profile: security, url: '${base}/siem/hook?token=abc', secret: '${SIEM_SECRET}' }`,
    `  - { name: everything, profile: '*', url: '${base}/all', secret_env: ALL_HOOK_SECRET }`,
    "",
  ].join("\n");
}

const PROFILES = [
  { name: "security", keywords: ["breach"] },
  { name: "crypto", keywords: ["bitcoin"] },
];

describe("webhooks", () => {
  const receiver = new Receiver();
  const redis = redisAdapters();
  const dir = makeTempDir("webhooks-");
  const clock = new TestClock(new Date("2026-06-03T12:00:00Z"));
  let t: TestApp;
  let feeder: Feeder;
  let nextId = 1;

  const build = (backoffMs: number[]) =>
    buildTestApp({
      dir,
      yaml: yaml(receiver.base),
      env: { ALL_HOOK_SECRET: ALL_SECRET },
      bus: redis.bus,
      ttl: redis.ttl,
      now: clock.now,
      digestTimer: false,
      retentionTimer: false,
      webhooks: { timeoutMs: TIMEOUT_MS, backoffMs },
    });

  async function alertOn(text: string): Promise<number> {
    await feeder.feed(chatMessage("-1001", nextId++, text));
    const alert = await t.app.prisma.alert.findFirstOrThrow({ where: { text }, orderBy: { id: "desc" } });
    return alert.id;
  }

  beforeAll(async () => {
    await receiver.start();
    t = await build([50, 100, 150]);
    await t.app.ready();
    feeder = new Feeder(t.app);
    expect((await sendJson(t.app, "PUT", "/api/profiles", PROFILES)).status).toBe(200);
  });

  afterAll(async () => {
    await t.close();
    await redis.close();
    await receiver.stop();
  });

  it("retries through failures and a timeout, then delivers; every request is signed over the identical body", async () => {
    receiver.script.set("flaky", [500, "timeout", 503, 204]);
    const alertId = await alertOn("data breach flaky");
    await t.app.webhooks.idle();

    const requests = receiver.of("flaky", "/siem/hook?token=abc");
    expect(requests.map((r) => r.headers["x-webhook-attempt"])).toEqual(["1", "2", "3", "4"]);
    expect(requests.every((r) => r.signatureValid)).toBe(true);
    expect(new Set(requests.map((r) => r.raw)).size).toBe(1);
    // Backoff between attempts (50, 100, 150 ms); the attempt that timed out waited its 300 ms
    // first. Its timer starts before the request reaches the receiver, so arrival gaps are short by
    // that request's latency: up to the 100 ms backoff of slack is allowed (seen: 39 ms under load).
    const gaps = requests.slice(1).map((r, i) => r.at - requests[i]!.at);
    expect(gaps[0]).toBeGreaterThanOrEqual(45);
    expect(gaps[1]).toBeGreaterThanOrEqual(TIMEOUT_MS);
    expect(gaps[1]).toBeLessThan(TIMEOUT_MS * 4);
    expect(gaps[2]).toBeGreaterThanOrEqual(145);

    const body = JSON.parse(requests[0]!.raw);
    expect(body).toMatchObject({
      event: "alert.created",
      webhook: "siem",
      alert: { id: alertId, profile: "security", text: "data breach flaky", chat_id: "-1001", message_id: 1 },
    });
    expect(requests[0]!.headers).toMatchObject({
      "content-type": "application/json",
      "x-webhook-event": "alert.created",
      "x-webhook-delivery": String(body.delivery_id),
    });

    const history = (await getJson(t.app, `/api/webhooks/deliveries?alert_id=${alertId}&webhook=siem`)).body
      .data;
    expect(history.deliveries).toEqual([
      expect.objectContaining({
        id: body.delivery_id,
        webhook: "siem",
        alert_id: alertId,
        profile: "security",
        status: "delivered",
        attempts: 4,
        response_status: 204,
        last_error: null,
        next_attempt_at: null,
      }),
    ]);
    // The "*" webhook got the same alert once, first time, under its own secret.
    const all = receiver.of("flaky", "/all");
    expect(all).toHaveLength(1);
    expect(all[0]!.signatureValid).toBe(true);
  });

  it("gives up after 4 attempts on 5xx, and at once on a refusing 4xx, recording why", async () => {
    receiver.script.set("down", [500]);
    receiver.script.set("gone", [410]);
    const down = await alertOn("breach while down");
    const gone = await alertOn("breach gone");
    await t.app.webhooks.idle();
    expect(receiver.of("down", "/siem/hook?token=abc")).toHaveLength(4);
    expect(receiver.of("gone", "/siem/hook?token=abc")).toHaveLength(1);

    const failed = (await getJson(t.app, "/api/webhooks/deliveries?status=failed&webhook=siem")).body.data
      .deliveries;
    expect(failed.map((d: { alert_id: number }) => d.alert_id)).toEqual([gone, down]);
    expect(failed[1]).toMatchObject({ attempts: 4, response_status: 500, last_error: "HTTP 500" });
    expect(failed[0]).toMatchObject({ attempts: 1, response_status: 410, last_error: "HTTP 410" });
    expect(failed[0].finished_at).not.toBeNull();
  });

  it("sends an alert only to the webhooks of its profile", async () => {
    await alertOn("bitcoin up");
    await t.app.webhooks.idle();
    expect(receiver.of("bitcoin", "/siem/hook?token=abc")).toHaveLength(0);
    expect(receiver.of("bitcoin", "/all")).toHaveLength(1);
  });

  it("stores secrets encrypted (key from the API token) and never shows them or full URLs", async () => {
    const rows = await t.app.prisma.webhook.findMany({ orderBy: { name: "asc" } });
    expect(rows.map((r) => r.name)).toEqual(["everything", "siem"]);
    const box = new WebhookSecretBox(TEST_TOKEN);
    for (const row of rows) {
      expect(row.secretEncrypted).not.toContain(SIEM_SECRET);
      expect(row.secretEncrypted).not.toContain(ALL_SECRET);
    }
    expect(box.open(rows[1]!.secretEncrypted, "siem")).toBe(SIEM_SECRET);
    expect(box.open(rows[0]!.secretEncrypted, "everything")).toBe(ALL_SECRET);

    const listed = await getJson(t.app, "/api/webhooks");
    expect(listed.body.data.webhooks).toEqual([
      { name: "everything", profile: "*", origin: receiver.base },
      { name: "siem", profile: "security", origin: receiver.base },
    ]);
    const everything = JSON.stringify([
      listed.body,
      (await getJson(t.app, "/api/webhooks/deliveries?limit=200")).body,
      (await getJson(t.app, "/api/stats")).body,
    ]);
    for (const secret of [SIEM_SECRET, ALL_SECRET, "token=abc"]) expect(everything).not.toContain(secret);
  });

  it("pages the history newest first with a cursor, validates the query, and counts in /api/stats", async () => {
    const first = (await getJson(t.app, "/api/webhooks/deliveries?limit=3")).body.data;
    expect(first.deliveries).toHaveLength(3);
    const second = (await getJson(t.app, `/api/webhooks/deliveries?limit=200&cursor=${first.next_cursor}`))
      .body.data;
    const ids = [...first.deliveries, ...second.deliveries].map((d: { id: number }) => d.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(new Set(ids).size).toBe(ids.length);
    expect(second.next_cursor).toBeNull();

    const bad = await getJson(t.app, "/api/webhooks/deliveries?status=lost&limit=0");
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe("VALIDATION_FAILED");
    expect(bad.body.error.details.map((d: { path: string }) => d.path)).toEqual(["limit", "status"]);

    const stats = (await getJson(t.app, "/api/stats")).body.data.webhooks;
    expect(stats.deliveries).toEqual({ pending: 0, delivered: ids.length - 2, failed: 2 });
    expect(stats).toMatchObject({ webhooks: 2, failed: 2, retries_scheduled: 0, in_flight: 0 });
  });

  it("resumes a delivery left pending by a stopped sentinel", async () => {
    await t.close();
    t = await build([60_000]);
    await t.app.ready();
    feeder = new Feeder(t.app);
    receiver.script.set("restart", [503, 200]);
    const alertId = await alertOn("breach across a restart");
    // First attempt fails; the retry is a (virtual) minute away when the sentinel stops.
    for (let i = 0; i < 100 && receiver.of("restart", "/siem/hook?token=abc").length === 0; i += 1)
      await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 100));
    const stopped = (await getJson(t.app, `/api/webhooks/deliveries?alert_id=${alertId}&webhook=siem`)).body
      .data;
    expect(stopped.deliveries[0]).toMatchObject({ status: "pending", attempts: 1, last_error: "HTTP 503" });
    await t.close();

    clock.advance(61_000);
    t = await build([60_000]);
    await t.app.ready();
    await t.app.webhooks.idle();
    expect(receiver.of("restart", "/siem/hook?token=abc").map((r) => r.headers["x-webhook-attempt"])).toEqual(
      ["1", "2"],
    );
    const row = (await getJson(t.app, `/api/webhooks/deliveries?alert_id=${alertId}&webhook=siem`)).body.data
      .deliveries[0];
    expect(row).toMatchObject({ status: "delivered", attempts: 2, response_status: 200 });
  });
});
