import { builder } from "../builder.ts";
import type { WorkerStatusView } from "../worker-status.ts";

export const TelegramUserRef = builder
  .objectRef<NonNullable<WorkerStatusView["user"]>>("TelegramUser")
  .implement({
    description: "The Telegram account the worker is logged in as",
    fields: (t) => ({
      id: t.exposeString("id", { description: "Telegram user id (decimal)" }),
      username: t.exposeString("username", { nullable: true }),
      firstName: t.exposeString("firstName", { nullable: true }),
    }),
  });

const RateLimitRef = builder.objectRef<WorkerStatusView["rateLimit"]>("RateLimit").implement({
  description: "Telegram flood waits and API limits in force",
  fields: (t) => ({
    active: t.boolean({
      description: "A flood wait is in force now",
      resolve: (r) => r.floodWaitUntil !== null && r.floodWaitUntil.getTime() > Date.now(),
    }),
    floodWaitUntil: t.expose("floodWaitUntil", { type: "DateTime", nullable: true }),
    floodWaitSeconds: t.int({
      description: "Seconds left of the current flood wait (0 when none)",
      resolve: (r) =>
        r.floodWaitUntil ? Math.max(0, Math.ceil((r.floodWaitUntil.getTime() - Date.now()) / 1000)) : 0,
    }),
    details: t.field({
      type: "JSON",
      nullable: true,
      description: "The sentinel's rate_limit object as it sent it",
      resolve: (r) => r.details,
    }),
  }),
});

export const WorkerStatusRef = builder.objectRef<WorkerStatusView>("WorkerStatus").implement({
  description: "The sentinel worker's Telegram connection",
  fields: (t) => ({
    authorized: t.exposeBoolean("authorized"),
    connected: t.exposeBoolean("connected"),
    user: t.field({ type: TelegramUserRef, nullable: true, resolve: (s) => s.user }),
    lastSync: t.expose("lastSync", { type: "DateTime", nullable: true }),
    lastError: t.exposeString("lastError", { nullable: true }),
    rateLimit: t.field({ type: RateLimitRef, resolve: (s) => s.rateLimit }),
    sessionPresent: t.exposeBoolean("sessionPresent", {
      nullable: true,
      description:
        "Whether a Telegram session is stored on the worker: false means none was imported; true while not authorized means it is connecting or was refused. Null when the worker did not say",
    }),
    sessionImportedAt: t.expose("sessionImportedAt", {
      type: "DateTime",
      nullable: true,
      description: "When the stored session was imported",
    }),
    sentinelReachable: t.exposeBoolean("sentinelReachable", {
      description: "false when the sentinel did not answer and this is the last status seen",
    }),
    observedAt: t.expose("observedAt", { type: "DateTime" }),
  }),
});

builder.queryField("workerStatus", (t) =>
  t.field({ type: WorkerStatusRef, resolve: (_r, _a, ctx) => ctx.services.worker.current() }),
);

builder.subscriptionField("workerStatus", (t) =>
  t.field({
    type: WorkerStatusRef,
    description: "Every status change the worker publishes (worker_status)",
    subscribe: (_r, _a, ctx) => ctx.services.pubsub.subscribe("workerStatus"),
    resolve: (status) => status,
  }),
);
