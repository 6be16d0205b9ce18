import type { EventBus } from "@tgsentinel/contract/event-bus.ts";
import type { DigestCompletedData } from "@tgsentinel/contract/events.ts";
import type { AlertCache } from "./alert-cache.ts";
import type { PrismaClient } from "./db/generated/client.ts";
import type { DigestCache } from "./digest-cache.ts";
import type { UiPubSub } from "./pubsub.ts";
import { SentinelApiError, type SentinelClient } from "./sentinel-client.ts";
import type { WorkerStatusTracker } from "./worker-status.ts";

/** While the sentinel is down, its health is probed this often; recovery triggers a resync. */
export const SENTINEL_PROBE_MS = 2_000;
/** A full resync also runs this often, in case a pub/sub message was dropped without a disconnect. */
export const RESYNC_INTERVAL_MS = 120_000;

interface RelayLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface EventRelayDeps {
  bus: EventBus;
  db: PrismaClient;
  sentinel: SentinelClient;
  worker: WorkerStatusTracker;
  alerts: AlertCache;
  digests: DigestCache;
  pubsub: UiPubSub;
  log: RelayLog;
  probeMs?: number;
  resyncIntervalMs?: number;
}

function isUnavailable(err: unknown): boolean {
  return (
    err instanceof SentinelApiError && ["SENTINEL_UNAVAILABLE", "SENTINEL_TIMEOUT"].includes(err.remoteCode)
  );
}

/**
 * Bus → caches → GraphQL subscriptions. Live alerts reach subscribers only after they are in
 * ui.db (alertAdded is published by the cache's onNew). After a bus reconnect or when the
 * sentinel comes back, the caches resync over HTTP, so events missed meanwhile are recovered.
 */
export class EventRelay {
  private readonly unsubscribe: (() => void)[] = [];
  private probe: NodeJS.Timeout | null = null;
  private periodic: NodeJS.Timeout | null = null;
  private stopped = false;
  /** true while the last sync failed because the sentinel was unreachable */
  sentinelDown = false;

  constructor(private readonly deps: EventRelayDeps) {}

  start(): void {
    const { bus, worker, pubsub } = this.deps;
    this.unsubscribe.push(
      bus.subscribe("worker_status", (m) => pubsub.publish("workerStatus", worker.observe(m.data))),
      bus.subscribe("session_updated", (m) =>
        pubsub.publish("sessionUpdated", {
          action: m.data.action,
          size: m.data.size,
          importedAt: m.data.imported_at,
          at: m.at,
        }),
      ),
      // A new alert needs only the id listing; revisions come with alert_updated (and resyncs).
      bus.subscribe("alert_created", () => void this.syncAlerts({ updates: false })),
      bus.subscribe("alert_updated", () => void this.syncAlerts()),
      bus.subscribe("digest_completed", (m) => void this.syncDigests(m.data)),
      bus.onReconnect(() => {
        this.deps.log.info({}, "event bus reconnected; resyncing the caches");
        void this.resync();
      }),
    );
    const every = this.deps.resyncIntervalMs ?? RESYNC_INTERVAL_MS;
    this.periodic = setInterval(() => void this.resync(), every);
    this.periodic.unref();
  }

  /** Syncs alerts and digests now; never throws. */
  async resync(): Promise<void> {
    await Promise.all([this.syncAlerts(), this.syncDigests(null)]);
  }

  async syncAlerts(options: { updates?: boolean } = {}): Promise<void> {
    try {
      await this.deps.alerts.sync(options);
      this.markUp();
    } catch (err) {
      this.failed(err, "alert cache sync failed");
    }
  }

  private async syncDigests(completed: DigestCompletedData | null): Promise<void> {
    try {
      await this.deps.digests.sync();
      this.markUp();
    } catch (err) {
      this.failed(err, "digest mirror sync failed");
    }
    if (completed === null) return;
    const run = await this.deps.db.digestRun.findUnique({ where: { id: completed.id } }).catch(() => null);
    const finished = new Date(completed.finished_at);
    this.deps.pubsub.publish(
      "digestCompleted",
      run ?? {
        id: completed.id,
        trigger: completed.trigger,
        schedule: completed.schedule,
        since: finished,
        until: finished,
        startedAt: finished,
        finishedAt: finished,
        alertCount: completed.alert_count,
        content: "[]",
        delivered: false,
        error: null,
      },
    );
  }

  private markUp(): void {
    this.sentinelDown = false;
    if (this.probe) {
      clearInterval(this.probe);
      this.probe = null;
    }
  }

  private failed(err: unknown, what: string): void {
    if (!isUnavailable(err)) {
      this.deps.log.warn({ code: (err as { code?: string }).code, err: (err as Error).message }, what);
      return;
    }
    if (!this.sentinelDown)
      this.deps.log.warn({ code: (err as SentinelApiError).remoteCode }, `${what}: sentinel unreachable`);
    this.sentinelDown = true;
    if (this.probe || this.stopped) return;
    this.probe = setInterval(async () => {
      if (!(await this.deps.sentinel.reachable()) || this.stopped) return;
      if (this.probe) clearInterval(this.probe);
      this.probe = null;
      this.deps.log.info({}, "sentinel reachable again; resyncing the caches");
      await this.resync();
    }, this.deps.probeMs ?? SENTINEL_PROBE_MS);
    this.probe.unref();
  }

  stop(): void {
    this.stopped = true;
    for (const off of this.unsubscribe.splice(0)) off();
    if (this.probe) clearInterval(this.probe);
    if (this.periodic) clearInterval(this.periodic);
    this.probe = null;
    this.periodic = null;
  }
}
