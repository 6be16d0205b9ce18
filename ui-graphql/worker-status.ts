import type { WorkerStatusData } from "@tgsentinel/contract/events.ts";
import { SentinelApiError, type SentinelClient, type SentinelWorkerStatus } from "./sentinel-client.ts";

/** The worker's status as the UI shows it (camelCase, dates parsed). */
export interface WorkerStatusView {
  authorized: boolean;
  connected: boolean;
  user: { id: string; username: string | null; firstName: string | null } | null;
  lastSync: Date | null;
  lastError: string | null;
  rateLimit: { floodWaitUntil: Date | null; details: unknown };
  /** Whether a session is stored on the sentinel; null when it did not say (older sentinel). */
  sessionPresent: boolean | null;
  sessionImportedAt: Date | null;
  /** false when the sentinel could not be asked and this is the last status seen */
  sentinelReachable: boolean;
  observedAt: Date;
}

function dateOrNull(value: unknown): Date | null {
  if (typeof value !== "string") return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** The latest `until` of the active flood waits in the sentinel's rate_limit object. */
function floodWaitUntilOf(rateLimit: unknown): string | undefined {
  if (rateLimit === null || typeof rateLimit !== "object") return undefined;
  const { flood_wait_until: direct, flood_waits: waits } = rateLimit as {
    flood_wait_until?: unknown;
    flood_waits?: unknown;
  };
  if (typeof direct === "string") return direct;
  if (!Array.isArray(waits)) return undefined;
  const untils = waits
    .map((w) => (w !== null && typeof w === "object" ? (w as { until?: unknown }).until : undefined))
    .filter((u): u is string => typeof u === "string" && !Number.isNaN(Date.parse(u)))
    .sort((a, b) => Date.parse(b) - Date.parse(a));
  return untils[0];
}

/** Converts the sentinel's status (REST answer or worker_status event) to the view. */
export function statusViewOf(
  data: WorkerStatusData | SentinelWorkerStatus,
  sentinelReachable = true,
  observedAt = new Date(),
): WorkerStatusView {
  const rateLimit = "rate_limit" in data ? data.rate_limit : undefined;
  const nestedUntil = floodWaitUntilOf(rateLimit);
  const user = data.user_info;
  return {
    authorized: data.authorized,
    connected: data.connected,
    user: user
      ? { id: String(user.user_id), username: user.username ?? null, firstName: user.first_name ?? null }
      : null,
    lastSync: dateOrNull(data.last_sync),
    lastError: data.last_error ?? null,
    rateLimit: {
      floodWaitUntil: dateOrNull(data.flood_wait_until ?? nestedUntil),
      details: rateLimit ?? null,
    },
    sessionPresent: typeof data.session_present === "boolean" ? data.session_present : null,
    sessionImportedAt: dateOrNull(data.session_imported_at),
    sentinelReachable,
    observedAt,
  };
}

/**
 * A status that answers "did the import work?": authorized, or connected but refused, or an
 * error reported. A bare "not connected, no error" may still be connecting.
 */
export function isSettledStatus(status: WorkerStatusView): boolean {
  return status.authorized || status.connected || status.lastError !== null;
}

const UNKNOWN: WorkerStatusView = statusViewOf(
  { authorized: false, connected: false, user_info: null, last_sync: null, last_error: null },
  false,
  new Date(0),
);

/** Collects status events from the moment it is created (see WorkerStatusTracker.watch). */
export interface StatusWatch {
  /** Every status seen since the watch began, oldest first. */
  readonly seen: readonly WorkerStatusView[];
  /** Resolves with the first settled status (possibly one already seen), or null after timeoutMs. */
  untilSettled(timeoutMs: number): Promise<WorkerStatusView | null>;
  dispose(): void;
}

/** The last worker status seen on the bus, plus a way to wait for the next ones. */
export class WorkerStatusTracker {
  private latest: WorkerStatusView | null = null;
  private readonly listeners = new Set<(status: WorkerStatusView) => void>();

  constructor(private readonly sentinel: SentinelClient) {}

  /** Records a worker_status event and tells the watchers. */
  observe(data: WorkerStatusData): WorkerStatusView {
    const view = statusViewOf(data);
    this.latest = view;
    for (const listener of this.listeners) listener(view);
    return view;
  }

  lastSeen(): WorkerStatusView | null {
    return this.latest;
  }

  /** Asks the sentinel; when it cannot answer, the last status seen marked unreachable. */
  async current(): Promise<WorkerStatusView> {
    try {
      const view = statusViewOf(await this.sentinel.status());
      this.latest = view;
      return view;
    } catch (err) {
      if (
        err instanceof SentinelApiError &&
        ["SENTINEL_UNAVAILABLE", "SENTINEL_TIMEOUT"].includes(err.remoteCode)
      ) {
        return { ...(this.latest ?? UNKNOWN), sentinelReachable: false };
      }
      throw err;
    }
  }

  watch(): StatusWatch {
    const seen: WorkerStatusView[] = [];
    let wake: (() => void) | null = null;
    const listener = (status: WorkerStatusView) => {
      seen.push(status);
      wake?.();
    };
    this.listeners.add(listener);
    const dispose = () => {
      this.listeners.delete(listener);
    };
    return {
      seen,
      dispose,
      untilSettled: (timeoutMs) =>
        new Promise((resolve) => {
          const settled = () => [...seen].reverse().find(isSettledStatus) ?? null;
          const now = settled();
          if (now) return resolve(now);
          const timer = setTimeout(() => {
            wake = null;
            resolve(null);
          }, timeoutMs);
          wake = () => {
            const found = settled();
            if (!found) return;
            clearTimeout(timer);
            wake = null;
            resolve(found);
          };
        }),
    };
  }
}
