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
  return createPubSub<UiTopics>();
}

export type UiPubSub = ReturnType<typeof createUiPubSub>;
