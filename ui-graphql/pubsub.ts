import { setMaxListeners } from "node:events";
import { createPubSub } from "graphql-yoga";
import type { Alert, DigestRun } from "./db/generated/client.ts";
import type { WorkerStatusView } from "./worker-status.ts";

/** What sessionUpdated subscribers receive. */
export interface SessionUpdatedView {
  action: "imported" | "removed";
  size: number;
  importedAt: string;
  at: string;
}

/** The typed topics of GraphQL subscriptions; fed from the EventBus by event-relay.ts. */
export type UiTopics = {
  workerStatus: [WorkerStatusView];
  alertAdded: [Alert];
  /** A cached alert was revised (its message edited): the row as it is now. */
  alertUpdated: [Alert];
  sessionUpdated: [SessionUpdatedView];
  digestCompleted: [DigestRun];
};

export function createUiPubSub() {
  // Every subscriber adds a listener per topic; hundreds of open tabs are normal, not a leak,
  // so Node's warning at more than 10 listeners is turned off (0 = no limit).
  const eventTarget = new EventTarget();
  setMaxListeners(0, eventTarget);
  return createPubSub<UiTopics>({ eventTarget });
}

export type UiPubSub = ReturnType<typeof createUiPubSub>;
