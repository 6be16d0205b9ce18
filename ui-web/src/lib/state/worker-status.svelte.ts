import type { GraphQLClient } from "../graphql/client.ts";
import { describeError } from "../graphql/errors.ts";
import {
  WorkerStatusChangedDocument,
  WorkerStatusDocument,
  type WorkerStatusFieldsFragment,
} from "../graphql/generated/graphql.ts";

export type WorkerStatus = WorkerStatusFieldsFragment;

export type WorkerState =
  | { kind: "unknown" }
  | { kind: "unreachable" }
  | { kind: "flood-wait"; until: number }
  | { kind: "authorized"; handle: string }
  /** Authorized, but the link to Telegram is down and being re-established. */
  | { kind: "connecting"; handle: string }
  /** The worker has no session file: one has to be uploaded. */
  | { kind: "no-session" }
  /** A session is stored and the worker is still trying it (no answer from Telegram yet). */
  | { kind: "session-connecting" }
  /** Telegram refused the session, or the worker reported an error (`sessionPresent` may be unknown). */
  | { kind: "not-authorized"; error: string | null; sessionPresent: boolean | null };

/** "@name", or the first name, or the numeric id when the account has no username. */
export function handleOf(user: WorkerStatus["user"]): string {
  if (!user) return "unknown account";
  if (user.username) return `@${user.username}`;
  return user.firstName ?? `id ${user.id}`;
}

/** When the current flood wait ends (ms), from its end time or else its seconds left when observed. */
export function floodWaitEnd(status: WorkerStatus): number | null {
  const { rateLimit } = status;
  const until = rateLimit.floodWaitUntil ? Date.parse(rateLimit.floodWaitUntil) : Number.NaN;
  if (!Number.isNaN(until)) return until;
  if (rateLimit.active && rateLimit.floodWaitSeconds > 0) {
    return Date.parse(status.observedAt) + rateLimit.floodWaitSeconds * 1000;
  }
  return null;
}

/** Classifies a status for display; a flood wait wins while it lasts. */
export function workerStateOf(status: WorkerStatus | null, now: number): WorkerState {
  if (!status) return { kind: "unknown" };
  if (!status.sentinelReachable) return { kind: "unreachable" };
  const until = floodWaitEnd(status);
  if (until !== null && until > now) return { kind: "flood-wait", until };
  if (status.authorized) {
    const handle = handleOf(status.user);
    return status.connected ? { kind: "authorized", handle } : { kind: "connecting", handle };
  }
  const sessionPresent = status.sessionPresent ?? null;
  if (sessionPresent === false) return { kind: "no-session" };
  if (sessionPresent === true && !status.connected && status.lastError === null)
    return { kind: "session-connecting" };
  return { kind: "not-authorized", error: status.lastError, sessionPresent };
}

/**
 * The Telegram worker's status: read once, then kept live by the `workerStatus` subscription,
 * and read again after every reconnection so a change missed while offline still shows.
 */
export class WorkerStatusStore {
  status = $state<WorkerStatus | null>(null);
  error = $state<string | null>(null);
  private stops: (() => void)[] = [];

  constructor(private readonly client: GraphQLClient) {}

  start(): void {
    void this.refresh();
    this.stops.push(
      this.client.subscribe(WorkerStatusChangedDocument, {}, (data) => this.set(data.workerStatus)),
      this.client.onReconnect(() => void this.refresh()),
    );
  }

  stop(): void {
    for (const stop of this.stops.splice(0)) stop();
  }

  set(status: WorkerStatus): void {
    this.status = status;
    this.error = null;
  }

  async refresh(): Promise<void> {
    try {
      const { workerStatus } = await this.client.request(WorkerStatusDocument);
      this.set(workerStatus);
    } catch (error) {
      this.error = describeError(error);
    }
  }
}
