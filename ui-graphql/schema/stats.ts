import { cachedAlertCount } from "../alert-cache.ts";
import { builder } from "../builder.ts";
import type { SentinelWebhookDelivery } from "../sentinel-client.ts";

interface ChatStatShape {
  chatId: string;
  title: string | null;
  messages: number | null;
  alerts: number | null;
}

interface StatsShape {
  raw: Record<string, unknown>;
  cachedAlerts: number;
  unreadAlerts: number;
}

function pick(obj: Record<string, unknown>, ...keys: string[]): unknown {
  for (const key of keys) {
    let value: unknown = obj;
    for (const part of key.split(".")) value = (value as Record<string, unknown> | null)?.[part];
    if (value !== undefined && value !== null) return value;
  }
  return null;
}

const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null);
const date = (v: unknown) => (typeof v === "string" && !Number.isNaN(Date.parse(v)) ? new Date(v) : null);

const ChatStatRef = builder.objectRef<ChatStatShape>("ChatStat").implement({
  fields: (t) => ({
    chatId: t.exposeString("chatId"),
    title: t.exposeString("title", { nullable: true }),
    messages: t.exposeFloat("messages", { nullable: true }),
    alerts: t.exposeFloat("alerts", { nullable: true }),
  }),
});

interface ActivityPointShape {
  at: Date;
  messages: number;
  alerts: number;
}

interface ActivityShape {
  timeZone: string | null;
  hourly: ActivityPointShape[];
  daily: ActivityPointShape[];
}

/** The sentinel's `activity.hourly`/`daily` list; points that do not parse are dropped. */
function pointsOf(list: unknown): ActivityPointShape[] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((item) => {
    if (item === null || typeof item !== "object") return [];
    const { at, messages, alerts } = item as Record<string, unknown>;
    const when = date(at);
    const m = num(messages);
    const a = num(alerts);
    return when && m !== null && a !== null ? [{ at: when, messages: m, alerts: a }] : [];
  });
}

function activityOf(raw: Record<string, unknown>): ActivityShape | null {
  const activity = raw.activity;
  if (activity === null || typeof activity !== "object" || Array.isArray(activity)) return null;
  const a = activity as Record<string, unknown>;
  return {
    timeZone: typeof a.time_zone === "string" ? a.time_zone : null,
    hourly: pointsOf(a.hourly),
    daily: pointsOf(a.daily),
  };
}

const ActivityPointRef = builder.objectRef<ActivityPointShape>("ActivityPoint").implement({
  description: "Messages (by their date) and alerts (by creation) in one time bucket",
  fields: (t) => ({
    at: t.expose("at", { type: "DateTime", description: "Start of the bucket" }),
    messages: t.exposeInt("messages"),
    alerts: t.exposeInt("alerts"),
  }),
});

const ActivityRef = builder.objectRef<ActivityShape>("Activity").implement({
  description: "Activity over time, counted by the sentinel in sentinel.db",
  fields: (t) => ({
    timeZone: t.exposeString("timeZone", {
      nullable: true,
      description: "The sentinel's time zone: days start at its local midnight",
    }),
    hourly: t.field({
      type: [ActivityPointRef],
      description: "The last 24 clock hours, oldest first (the last point is the current hour)",
      resolve: (a) => a.hourly,
    }),
    daily: t.field({
      type: [ActivityPointRef],
      description: "The last 14 days, oldest first (the last point is today)",
      resolve: (a) => a.daily,
    }),
  }),
});

interface TodayShape {
  since: Date | null;
  messages: number;
  alerts: number;
}

const TodayRef = builder.objectRef<TodayShape>("Today").implement({
  description: "Totals since local midnight (the sentinel's time zone)",
  fields: (t) => ({
    since: t.expose("since", { type: "DateTime", nullable: true }),
    messages: t.exposeInt("messages"),
    alerts: t.exposeInt("alerts"),
  }),
});

const record = (v: unknown): Record<string, unknown> | null =>
  v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
const text = (v: unknown) => (typeof v === "string" ? v : null);
const count = (v: unknown) => num(v) ?? 0;

interface DeliveryShape {
  mode: string;
  peer: string | null;
  alsoDigest: boolean;
  maxPerMinute: number | null;
  sent: number;
  queued: number;
  dropped: number;
  failed: number;
  pausedUntil: Date | null;
  lastSentAt: Date | null;
  lastError: string | null;
}

/** The sentinel's `delivery` section; the counters are absent (0 here) when the mode sends nothing. */
function deliveryOf(raw: Record<string, unknown>): DeliveryShape | null {
  const d = record(raw.delivery);
  if (!d || typeof d.mode !== "string") return null;
  return {
    mode: d.mode,
    peer: text(d.peer),
    alsoDigest: d.digest === true,
    maxPerMinute: num(d.max_per_minute),
    sent: count(d.sent),
    queued: count(d.queued),
    dropped: count(d.dropped),
    failed: count(d.failed),
    pausedUntil: date(d.paused_until),
    lastSentAt: date(d.last_sent_at),
    lastError: text(d.last_error),
  };
}

const AlertDeliveryStatsRef = builder.objectRef<DeliveryShape>("AlertDeliveryStats").implement({
  description: "Alert delivery into Telegram (the sentinel's `alerts.delivery`), counted since it started",
  fields: (t) => ({
    mode: t.exposeString("mode", { description: "none, saved, dm, digest or both" }),
    peer: t.exposeString("peer", {
      nullable: true,
      description: '"me" (Saved Messages), the target, or null when nothing is sent right away',
    }),
    alsoDigest: t.exposeBoolean("alsoDigest", { description: "New alerts also wait for the next digest" }),
    maxPerMinute: t.exposeInt("maxPerMinute", { nullable: true }),
    sent: t.exposeInt("sent"),
    queued: t.exposeInt("queued", { description: "Alerts waiting in the outbox" }),
    dropped: t.exposeInt("dropped", { description: "Dropped because the outbox was full" }),
    failed: t.exposeInt("failed", { description: "Given up after the retries" }),
    pausedUntil: t.expose("pausedUntil", { type: "DateTime", nullable: true }),
    lastSentAt: t.expose("lastSentAt", { type: "DateTime", nullable: true }),
    lastError: t.exposeString("lastError", { nullable: true }),
  }),
});

interface WebhooksShape {
  count: number;
  attempts: number;
  delivered: number;
  failed: number;
  pending: number;
  failedStored: number;
}

function webhooksOf(raw: Record<string, unknown>): WebhooksShape | null {
  const w = record(raw.webhooks);
  if (!w) return null;
  const stored = record(w.deliveries) ?? {};
  return {
    count: count(w.webhooks),
    attempts: count(w.attempts),
    delivered: count(w.delivered),
    failed: count(w.failed),
    pending: count(stored.pending),
    failedStored: count(stored.failed),
  };
}

/** How many failed deliveries `recentFailures` lists. */
export const RECENT_WEBHOOK_FAILURES = 5;

const WebhookDeliveryRef = builder.objectRef<SentinelWebhookDelivery>("WebhookDelivery").implement({
  description: "One webhook delivery (GET /api/webhooks/deliveries); never the webhook's URL or secret",
  fields: (t) => ({
    id: t.exposeInt("id"),
    webhook: t.exposeString("webhook"),
    profile: t.exposeString("profile"),
    alertId: t.exposeInt("alert_id"),
    status: t.exposeString("status", { description: "pending, delivered or failed" }),
    attempts: t.exposeInt("attempts"),
    responseStatus: t.int({ nullable: true, resolve: (d) => d.response_status ?? null }),
    lastError: t.string({ nullable: true, resolve: (d) => d.last_error ?? null }),
    createdAt: t.field({ type: "DateTime", resolve: (d) => new Date(d.created_at) }),
    finishedAt: t.field({
      type: "DateTime",
      nullable: true,
      resolve: (d) => (d.finished_at ? new Date(d.finished_at) : null),
    }),
  }),
});

const WebhookStatsRef = builder.objectRef<WebhooksShape>("WebhookStats").implement({
  description: "Webhooks (the sentinel's `webhooks`): attempts since it started, deliveries as stored",
  fields: (t) => ({
    count: t.exposeInt("count", { description: "Configured webhooks" }),
    attempts: t.exposeInt("attempts", { description: "Attempts since the sentinel started" }),
    delivered: t.exposeInt("delivered", { description: "Delivered since the sentinel started" }),
    failed: t.exposeInt("failed", { description: "Failed (all attempts used) since the sentinel started" }),
    pending: t.exposeInt("pending", { description: "Stored deliveries still to be sent or retried" }),
    failedStored: t.exposeInt("failedStored", { description: "Stored failed deliveries" }),
    recentFailures: t.field({
      type: [WebhookDeliveryRef],
      description: `The newest failed deliveries (at most ${RECENT_WEBHOOK_FAILURES})`,
      resolve: (w, _a, ctx) =>
        w.failedStored === 0
          ? []
          : ctx.services.sentinel.webhookDeliveries({ status: "failed", limit: RECENT_WEBHOOK_FAILURES }),
    }),
  }),
});

interface RetentionShape {
  enabled: boolean;
  messagesDays: number | null;
  alertedMessagesDays: number | null;
  deletedMessagesTotal: number;
  lastPurgeAt: Date | null;
  lastPurgeMessages: number | null;
  nextPurgeAt: Date | null;
  lastVacuumAt: Date | null;
  lastError: string | null;
}

function retentionOf(raw: Record<string, unknown>): RetentionShape | null {
  const r = record(raw.retention);
  if (!r) return null;
  const lastPurge = record(r.last_purge);
  const deleted = record(r.deleted_total) ?? {};
  return {
    enabled: r.enabled === true,
    messagesDays: num(r.messages_days),
    alertedMessagesDays: num(r.alerted_messages_days),
    deletedMessagesTotal: count(deleted.messages) + count(deleted.alerted_messages),
    lastPurgeAt: lastPurge ? date(lastPurge.at) : null,
    lastPurgeMessages: lastPurge ? count(lastPurge.messages) + count(lastPurge.alerted_messages) : null,
    nextPurgeAt: date(r.next_purge_at),
    lastVacuumAt: date(record(r.last_vacuum)?.at),
    lastError: text(r.last_error),
  };
}

const RetentionStatsRef = builder.objectRef<RetentionShape>("RetentionStats").implement({
  description: "Retention of old messages in sentinel.db (the sentinel's `retention`)",
  fields: (t) => ({
    enabled: t.exposeBoolean("enabled", {
      description: "False when everything is kept (or an export replays)",
    }),
    messagesDays: t.exposeInt("messagesDays", { nullable: true, description: "0 keeps forever" }),
    alertedMessagesDays: t.exposeInt("alertedMessagesDays", {
      nullable: true,
      description: "0 keeps forever",
    }),
    deletedMessagesTotal: t.exposeInt("deletedMessagesTotal", {
      description: "Messages deleted by all purges so far (alerted ones included)",
    }),
    lastPurgeAt: t.expose("lastPurgeAt", { type: "DateTime", nullable: true }),
    lastPurgeMessages: t.exposeInt("lastPurgeMessages", {
      nullable: true,
      description: "Messages the last purge deleted (alerted ones included)",
    }),
    nextPurgeAt: t.expose("nextPurgeAt", { type: "DateTime", nullable: true }),
    lastVacuumAt: t.expose("lastVacuumAt", { type: "DateTime", nullable: true }),
    lastError: t.exposeString("lastError", { nullable: true }),
  }),
});

const StatsRef = builder.objectRef<StatsShape>("Stats").implement({
  description: "The sentinel's counters (GET /api/stats) plus the UI cache's own",
  fields: (t) => ({
    messagesIngested: t.float({
      nullable: true,
      resolve: (s) => num(pick(s.raw, "messages_ingested", "messages.ingested")),
    }),
    alertsCreated: t.float({
      nullable: true,
      resolve: (s) => num(pick(s.raw, "alerts_created", "alerts.created", "alerts")),
    }),
    messagesPerMinute: t.float({ nullable: true, resolve: (s) => num(pick(s.raw, "messages_per_minute")) }),
    scoringLatencyP50Ms: t.float({
      nullable: true,
      resolve: (s) => num(pick(s.raw, "scoring_latency_ms.p50", "scoring_latency_p50_ms")),
    }),
    scoringLatencyP99Ms: t.float({
      nullable: true,
      resolve: (s) => num(pick(s.raw, "scoring_latency_ms.p99", "scoring_latency_p99_ms")),
    }),
    uptimeSeconds: t.float({ nullable: true, resolve: (s) => num(pick(s.raw, "uptime_seconds")) }),
    lastMessageAt: t.field({
      type: "DateTime",
      nullable: true,
      resolve: (s) => date(pick(s.raw, "last_message_at")),
    }),
    redisConnected: t.boolean({
      nullable: true,
      resolve: (s) => {
        const v = pick(s.raw, "redis.connected", "redis_connected");
        return typeof v === "boolean" ? v : null;
      },
    }),
    perChat: t.field({
      type: [ChatStatRef],
      resolve: (s) => {
        const list = pick(s.raw, "per_chat", "chats");
        if (!Array.isArray(list)) return [];
        return list
          .filter((c): c is Record<string, unknown> => c !== null && typeof c === "object")
          .map((c) => ({
            chatId: String(c.chat_id ?? c.id ?? ""),
            title:
              typeof c.title === "string" ? c.title : typeof c.chat_title === "string" ? c.chat_title : null,
            messages: num(c.messages ?? c.message_count),
            alerts: num(c.alerts ?? c.alert_count),
          }));
      },
    }),
    activity: t.field({
      type: ActivityRef,
      nullable: true,
      description: "Messages and alerts per hour and per day (null from a sentinel that does not report it)",
      resolve: (s) => activityOf(s.raw),
    }),
    today: t.field({
      type: TodayRef,
      nullable: true,
      resolve: (s) => {
        const today = s.raw.today as Record<string, unknown> | null | undefined;
        if (today === null || typeof today !== "object") return null;
        const messages = num(today.messages);
        const alerts = num(today.alerts);
        if (messages === null || alerts === null) return null;
        return { since: date(today.since), messages, alerts };
      },
    }),
    delivery: t.field({
      type: AlertDeliveryStatsRef,
      nullable: true,
      description: "Alert delivery into Telegram (null from a sentinel that does not report it)",
      resolve: (s) => deliveryOf(s.raw),
    }),
    webhooks: t.field({
      type: WebhookStatsRef,
      nullable: true,
      resolve: (s) => webhooksOf(s.raw),
    }),
    retention: t.field({
      type: RetentionStatsRef,
      nullable: true,
      resolve: (s) => retentionOf(s.raw),
    }),
    cachedAlerts: t.exposeInt("cachedAlerts", { description: "Alerts in the UI's cache" }),
    unreadAlerts: t.exposeInt("unreadAlerts"),
    raw: t.field({
      type: "JSON",
      description: "GET /api/stats data as the sentinel sent it",
      resolve: (s) => s.raw,
    }),
  }),
});

builder.queryField("stats", (t) =>
  t.field({
    type: StatsRef,
    resolve: async (_r, _a, ctx) => {
      const [raw, cachedAlerts, unreadAlerts] = await Promise.all([
        ctx.services.sentinel.stats(),
        cachedAlertCount(ctx.services.db),
        ctx.services.db.alert.count({ where: { readAt: null } }),
      ]);
      return { raw, cachedAlerts, unreadAlerts };
    },
  }),
);
