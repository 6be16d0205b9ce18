import { builder } from "../builder.ts";

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
        ctx.services.db.alert.count(),
        ctx.services.db.alert.count({ where: { readAt: null } }),
      ]);
      return { raw, cachedAlerts, unreadAlerts };
    },
  }),
);
