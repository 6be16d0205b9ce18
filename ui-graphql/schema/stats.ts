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
