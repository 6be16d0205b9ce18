import { describe, expect, it } from "vitest";
import { VirtualTime } from "../testing/virtual-time.ts";
import { AlertSender, type AlertSenderOptions } from "./alert-sender.ts";
import { perMinuteBucket } from "./token-bucket.ts";

class RateLimited extends Error {
  readonly code = "RATE_LIMITED";
  constructor(readonly retryAfterSeconds: number) {
    super(`Telegram asked to wait ${retryAfterSeconds}s (FLOOD_WAIT)`);
  }
}

class NotAuthorized extends Error {
  readonly code = "NOT_AUTHORIZED";
}

/** A Telegram stand-in on virtual time: records each send with its time. */
function harness(options: { perMinute?: number; capacity?: number } & Partial<AlertSenderOptions> = {}) {
  const time = new VirtualTime();
  const sent: Array<{ at: number; peer: string; text: string }> = [];
  const logs: string[] = [];
  const state = { ready: true, floodUntil: 0, fail: (_text: string): Error | null => null };
  const sender = new AlertSender({
    send: async (peer, text) => {
      const error = state.fail(text);
      if (error) throw error;
      sent.push({ at: time.now(), peer, text });
      return { messageId: sent.length };
    },
    floodWaitMs: () => Math.max(0, state.floodUntil - time.now()),
    ready: () => state.ready,
    bucket: perMinuteBucket(options.perMinute ?? 20, { capacity: options.capacity ?? 1, now: time.now }),
    now: time.now,
    sleep: time.sleep,
    log: { info: (_o, m) => logs.push(String(m)), warn: (_o, m) => logs.push(String(m)) },
    ...options,
  });
  const start = time.now();
  return { time, sent, logs, state, sender, start, offsets: () => sent.map((s) => s.at - start) };
}

const alerts = (n: number, from = 1) =>
  Array.from({ length: n }, (_, i) => ({ alertId: from + i, peer: "me", text: `alert ${from + i}` }));

describe("AlertSender pacing", () => {
  it("sends 100 alerts at exactly max_per_minute (20/min → every 3 s), in order, none lost", async () => {
    const h = harness({ perMinute: 20 });
    for (const alert of alerts(100)) h.sender.enqueue(alert);
    await h.time.run();
    expect(h.sent.map((s) => s.text)).toEqual(alerts(100).map((a) => a.text));
    const offsets = h.offsets();
    expect(offsets.slice(0, 3)).toEqual([0, 3_000, 6_000]);
    const gaps = offsets.slice(1).map((t, i) => t - offsets[i]!);
    expect(Math.min(...gaps)).toBe(3_000);
    expect(Math.max(...gaps)).toBe(3_000);
    // No 60 s window holds more than 20 sends.
    for (const t of offsets)
      expect(offsets.filter((u) => u >= t && u < t + 60_000).length).toBeLessThanOrEqual(20);
    expect(h.sender.stats()).toMatchObject({ queued: 0, sent: 100, dropped: 0, failed: 0 });
  });

  it("allows a burst of the bucket's capacity, then paces", async () => {
    const h = harness({ perMinute: 60, capacity: 3 });
    for (const alert of alerts(6)) h.sender.enqueue(alert);
    await h.time.run();
    expect(h.offsets()).toEqual([0, 0, 0, 1_000, 2_000, 3_000]);
  });
});

describe("AlertSender and Telegram flood waits", () => {
  it("pauses for a RATE_LIMITED send's wait, resends the same alert, and keeps the order", async () => {
    const h = harness({ perMinute: 60 });
    let floods = 0;
    h.state.fail = (text) => {
      if (text === "alert 5" && floods === 0) {
        floods += 1;
        h.state.floodUntil = h.time.now() + 30_000;
        return new RateLimited(30);
      }
      return null;
    };
    for (const alert of alerts(8)) h.sender.enqueue(alert);
    await h.time.run({ until: h.start + 10_000 });
    expect(h.sender.stats().paused_until).toBe(new Date(h.start + 4_000 + 30_000).toISOString());
    await h.time.run();
    expect(h.sent.map((s) => s.text)).toEqual(alerts(8).map((a) => a.text));
    expect(h.offsets()).toEqual([0, 1_000, 2_000, 3_000, 34_000, 35_000, 36_000, 37_000]);
    expect(h.sender.stats()).toMatchObject({ sent: 8, failed: 0, flood_waits: 1, paused_until: null });
    expect(h.logs).toContain("alert delivery paused: Telegram flood wait");
  });

  it("sends nothing while the gateway reports a flood wait for sending", async () => {
    const h = harness({ perMinute: 60 });
    h.state.floodUntil = h.start + 45_000;
    for (const alert of alerts(2)) h.sender.enqueue(alert);
    await h.time.run();
    expect(h.offsets()).toEqual([45_000, 46_000]);
  });
});

describe("AlertSender outbox and failures", () => {
  it("bounds the outbox: the oldest waiting alerts are dropped and counted", async () => {
    const h = harness({ outboxMax: 5 });
    h.state.ready = false;
    for (const alert of alerts(8)) h.sender.enqueue(alert);
    expect(h.sender.stats()).toMatchObject({ queued: 5, dropped: 3 });
    h.state.ready = true;
    await h.time.run();
    expect(h.sent.map((s) => s.text)).toEqual(["alert 4", "alert 5", "alert 6", "alert 7", "alert 8"]);
    expect(h.logs.filter((l) => l.startsWith("alert outbox full"))).toHaveLength(1);
  });

  it("retries a failing send with growing pauses, then gives up on that alert only", async () => {
    const h = harness({ perMinute: 60, maxAttempts: 3, retryMs: 5_000 });
    h.state.fail = (text) => (text === "alert 2" ? new Error("PEER_ID_INVALID") : null);
    for (const alert of alerts(3)) h.sender.enqueue(alert);
    await h.time.run();
    expect(h.sent.map((s) => s.text)).toEqual(["alert 1", "alert 3"]);
    // alert 2 tried at 1 s, 6 s (1 + 5), 16 s (6 + 10); alert 3 goes once the bucket allows.
    expect(h.offsets()).toEqual([0, 17_000]);
    expect(h.sender.stats()).toMatchObject({ sent: 2, failed: 1, last_error: "PEER_ID_INVALID" });
  });

  it("waits for authorization without spending attempts", async () => {
    const h = harness({ perMinute: 60, maxAttempts: 1 });
    let refusals = 0;
    h.state.fail = () => (refusals++ < 3 ? new NotAuthorized("no authorized Telegram session") : null);
    h.sender.enqueue(alerts(1)[0]!);
    await h.time.run();
    expect(h.sent).toHaveLength(1);
    expect(h.sender.stats()).toMatchObject({ sent: 1, failed: 0 });
  });

  it("close() ends a long pause at once and sends nothing more", async () => {
    const h = harness({ perMinute: 1 });
    for (const alert of alerts(3)) h.sender.enqueue(alert);
    await h.time.run({ until: h.start + 1 });
    expect(h.sent).toHaveLength(1);
    await h.sender.close();
    await h.time.run();
    expect(h.sent).toHaveLength(1);
    expect(h.logs).toContain("alert delivery stopped with alerts still waiting");
    h.sender.enqueue(alerts(1, 9)[0]!);
    expect(h.sender.stats().queued).toBe(0);
  });
});
