/**
 * Workload "alert_latency": the sentinel creates alerts at a steady rate through its real alert
 * recorder; each is announced on Redis (`alert_created`), the UI's event relay pulls it into
 * ui.db's cache over GET /api/alerts and publishes it to `alertsAdded` (and `alertAdded`), and N
 * graphql-ws clients (the `ws` package with the logged-in cookie, the web UI's subscription by
 * default) receive it. Latency is
 * from the moment the sentinel starts creating an alert to the moment a subscriber has it, per
 * alert and subscriber, on the same machine's wall clock.
 */
import type { Client } from "graphql-ws";
import { login, wsClient } from "../ui-graphql/testing/graphql-client.ts";
import type { RoleProcess } from "./child-rpc.ts";
import { ALERT_FIELDS } from "./graphql-alerts-page.ts";
import { progress } from "./progress.ts";
import { type LatencySummary, summarize, wallClockMs } from "./sample-stats.ts";
import type { CreatedAlerts } from "./sentinel-server.ts";
import { BENCH_ADMIN } from "./ui-server.ts";

/**
 * The subscriptions a subscriber can take: the web UI's live feed (`alertsAdded`, one message per
 * cache sync page) — the default, what the goal is about — or the API's one-alert-per-message
 * `alertAdded`.
 */
export const ALERT_SUBSCRIPTIONS = {
  alertsAdded: `subscription AlertsAdded($minScore: Float) { alertsAdded(minScore: $minScore) { ${ALERT_FIELDS} } }`,
  alertAdded: `subscription AlertAdded($minScore: Float) { alertAdded(minScore: $minScore) { ${ALERT_FIELDS} } }`,
} as const;
export type AlertSubscription = keyof typeof ALERT_SUBSCRIPTIONS;

export interface AlertLatencyOptions {
  uiUrl: string;
  sentinel: RoleProcess;
  ui: RoleProcess;
  subscribers: number;
  rate: number;
  alerts: number;
  /** Which subscription the subscribers take; `alertsAdded` (the web UI's) by default. */
  subscription?: AlertSubscription;
}

export interface AlertLatencyResult {
  ms: LatencySummary;
  subscribers: number;
  alerts: number;
  rate_per_s: number;
  achieved_rate_per_s: number;
  subscription: AlertSubscription;
  /** graphql-ws messages each subscriber received for the timed alerts (mean). */
  messages_per_subscriber: number;
  /** (alert, subscriber) pairs expected and received. */
  expected_receipts: number;
  received_receipts: number;
  /** Time the sentinel's recorder took per batch (write, caps, announce). */
  record_ms: LatencySummary;
  /**
   * CPU seconds per second of the run, per process (1.0 = one core fully busy): the UI fans every
   * alert out to every subscriber, and the subscribers run in the benchmark's own process.
   */
  cpu_cores_busy: { sentinel: number; ui: number; subscribers: number };
  /**
   * CPU time per alert, per process (µs), over the same span: what the work costs, which moves
   * far less with the machine's load than the latencies do.
   */
  cpu_us_per_alert: { sentinel: number; ui: number; subscribers: number };
}

interface Subscriber {
  client: Client;
  received: Map<string, number>;
  /** Messages received (one per alert with alertAdded, one per batch with alertsAdded). */
  messages: number;
  dispose: () => void;
}

type AlertNode = { id: number; chatId: string; messageId: number; profile: string };

function subscribe(
  url: string,
  cookie: string,
  subscription: AlertSubscription,
  onError: (error: unknown) => void,
): Subscriber {
  const client = wsClient(url, cookie);
  const received = new Map<string, number>();
  const subscriber: Subscriber = { client, received, messages: 0, dispose: () => {} };
  let lastId = 0;
  subscriber.dispose = client.subscribe<{ alertAdded?: AlertNode; alertsAdded?: AlertNode[] }>(
    { query: ALERT_SUBSCRIPTIONS[subscription], variables: {} },
    {
      next: (value) => {
        const at = wallClockMs();
        subscriber.messages += 1;
        const data = value.data;
        const alerts = data?.alertsAdded ?? (data?.alertAdded ? [data.alertAdded] : []);
        for (const alert of alerts) {
          const key = `${alert.chatId}:${alert.messageId}:${alert.profile}`;
          if (received.has(key)) onError(`${key} received twice`);
          if (alert.id <= lastId) onError(`alert ${alert.id} received after alert ${lastId}`);
          lastId = alert.id;
          received.set(key, at);
        }
        if (value.errors) onError(value.errors);
      },
      error: onError,
      complete: () => {},
    },
  );
  return subscriber;
}

type CpuSample = { user: number; system: number };

/** CPU time (µs) used so far by the sentinel, the UI and this process (the subscribers). */
async function cpuOf(
  options: AlertLatencyOptions,
): Promise<{ sentinel: number; ui: number; subscribers: number }> {
  const [sentinel, ui] = await Promise.all([
    options.sentinel.call<CpuSample>("cpuUsage"),
    options.ui.call<CpuSample>("cpuUsage"),
  ]);
  const own = process.cpuUsage();
  const total = (s: CpuSample) => s.user + s.system;
  return { sentinel: total(sentinel), ui: total(ui), subscribers: total(own) };
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      progress(`alert_latency: gave up waiting for ${what}`);
      return false;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

export async function runAlertLatency(options: AlertLatencyOptions): Promise<AlertLatencyResult> {
  const cookie = await login(options.uiUrl, BENCH_ADMIN.username, BENCH_ADMIN.password);
  const errors: unknown[] = [];
  const subscription = options.subscription ?? "alertsAdded";
  const subscribers = Array.from({ length: options.subscribers }, () =>
    subscribe(options.uiUrl, cookie, subscription, (error) => errors.push(error)),
  );
  const everyoneHas = (keys: string[]) => () =>
    errors.length === 0 && subscribers.every((s) => keys.every((key) => s.received.has(key)));
  try {
    // Warm-up: a few alerts every subscriber must receive, so every subscription is live.
    progress(`alert_latency: ${options.subscribers} subscribers connecting`);
    for (let attempt = 0; ; attempt++) {
      const warm = await options.sentinel.call<CreatedAlerts>("createAlerts", { rate: 1_000, count: 10 });
      if (await waitFor(everyoneHas(warm.created.map(([key]) => key)), 5_000, "the warm-up alerts")) break;
      if (errors.length > 0) throw new Error(`subscription failed: ${JSON.stringify(errors[0])}`);
      if (attempt >= 3) throw new Error("subscribers did not receive the warm-up alerts");
    }
    for (const s of subscribers) {
      s.received.clear();
      s.messages = 0;
    }

    progress(`alert_latency: creating ${options.alerts} alerts at ${options.rate}/s`);
    const cpuBefore = await cpuOf(options);
    const started = performance.now();
    const run = await options.sentinel.call<CreatedAlerts>("createAlerts", {
      rate: options.rate,
      count: options.alerts,
    });
    const keys = run.created.map(([key]) => key);
    await waitFor(everyoneHas(keys), 15_000 + (options.alerts / options.rate) * 5_000, "every receipt");
    const seconds = (performance.now() - started) / 1_000;
    const cpuAfter = await cpuOf(options);
    const busy = (key: keyof typeof cpuAfter) =>
      Math.round(((cpuAfter[key] - cpuBefore[key]) / 1e6 / seconds) * 100) / 100;
    const perAlert = (key: keyof typeof cpuAfter) =>
      Math.round((cpuAfter[key] - cpuBefore[key]) / options.alerts);
    if (errors.length > 0) throw new Error(`subscription failed: ${JSON.stringify(errors[0])}`);

    const latencies: number[] = [];
    for (const s of subscribers) {
      for (const [key, createdAt] of run.created) {
        const at = s.received.get(key);
        if (at !== undefined) latencies.push(at - createdAt);
      }
    }
    return {
      ms: summarize(latencies),
      subscribers: options.subscribers,
      alerts: options.alerts,
      rate_per_s: options.rate,
      achieved_rate_per_s: run.achieved_rate,
      subscription,
      messages_per_subscriber:
        Math.round((subscribers.reduce((sum, s) => sum + s.messages, 0) / subscribers.length) * 10) / 10,
      expected_receipts: options.alerts * options.subscribers,
      received_receipts: latencies.length,
      record_ms: summarize(run.record_ms),
      cpu_cores_busy: { sentinel: busy("sentinel"), ui: busy("ui"), subscribers: busy("subscribers") },
      cpu_us_per_alert: {
        sentinel: perAlert("sentinel"),
        ui: perAlert("ui"),
        subscribers: perAlert("subscribers"),
      },
    };
  } finally {
    for (const s of subscribers) {
      s.dispose();
      await s.client.dispose();
    }
  }
}
