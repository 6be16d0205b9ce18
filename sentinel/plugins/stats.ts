/**
 * `GET /api/stats`: real figures, read when asked. Totals come from sentinel.db (they survive
 * restarts); rates, scoring latency and backfill progress come from the running process
 * (`app.ingestion.stats()` and `app.scoring.stats()`).
 *
 * `data`: `started_at`, `uptime_seconds`, `messages_ingested` (stored, all time),
 * `messages_scored` (since start), `messages_per_minute` (new messages in the last 60 s),
 * `last_message_at` (newest message date), `per_chat` [{chat_id, title, messages, alerts,
 * suppressed, last_message_at}] (busiest first, at most 200), `alerts_created`, `alerts`
 * {total, last_hour, per_profile}, `suppressed` {total, last_hour, per_profile, per_chat},
 * `scoring_latency_ms` {p50, p99, max, samples, total}, `scoring` (profile and batch counts),
 * `digests` {runs, last_run_at, next_run_at}, `redis` {kind, connected, ttl_store},
 * `ingestion` (the ingestion counters since start: per chat, edits, queue), `backfill` (progress),
 * `activity` {time_zone, hourly: [{at, messages, alerts}] × 24 clock hours, daily: [...] × 14 local
 * days} (messages by their date, alerts by creation time; oldest first, the last point is the
 * current hour/day), `today` {since, messages, alerts} (since local midnight in the server's TZ).
 */

import { ok } from "@tgsentinel/contract/envelope.ts";
import type { EventBus } from "@tgsentinel/contract/event-bus.ts";
import type { FastifyPluginAsync } from "fastify";
import fp from "fastify-plugin";
import type { PrismaClient } from "../db/generated/client.ts";
import { activityBuckets, serverTimeZone } from "../stats/activity-buckets.ts";
import { countActivity } from "../stats/activity-counts.ts";

declare module "fastify" {
  interface FastifyInstance {
    /**
     * More sections of GET /api/stats by key, added by plugins registered after this one
     * (retention, delivery, webhooks). A section's figures are read when the route answers.
     */
    statsSections: Map<string, () => unknown>;
  }
}

export const STATS_CHATS_MAX = 200;
const HOUR_MS = 3_600_000;

export interface StatsOptions {
  /** The clock (tests pass a fake one). */
  now?: () => Date;
}

interface ChatStat {
  chat_id: string;
  title: string;
  messages: number;
  alerts: number;
  suppressed: number;
  last_message_at: string | null;
}

async function perChat(prisma: PrismaClient): Promise<ChatStat[]> {
  const [chats, alerts, suppressed] = await Promise.all([
    prisma.chat.findMany({
      where: { messageCount: { gt: 0 } },
      orderBy: [{ messageCount: "desc" }, { id: "asc" }],
      take: STATS_CHATS_MAX,
      select: { id: true, title: true, messageCount: true, lastMessageAt: true },
    }),
    prisma.alert.groupBy({ by: ["chatId"], _count: { _all: true } }),
    prisma.alertSuppression.groupBy({ by: ["chatId"], _sum: { count: true } }),
  ]);
  const alertsByChat = new Map(alerts.map((a) => [a.chatId, a._count._all]));
  const suppressedByChat = new Map(suppressed.map((s) => [s.chatId, s._sum.count ?? 0]));
  return chats.map((chat) => ({
    chat_id: chat.id,
    title: chat.title,
    messages: chat.messageCount,
    alerts: alertsByChat.get(chat.id) ?? 0,
    suppressed: suppressedByChat.get(chat.id) ?? 0,
    last_message_at: chat.lastMessageAt?.toISOString() ?? null,
  }));
}

function busState(bus: EventBus, ttlKind: "redis" | "memory") {
  const health = bus.health();
  return { kind: health.kind, connected: health.connected, ttl_store: ttlKind };
}

const stats: FastifyPluginAsync<StatsOptions> = async (app, opts) => {
  const now = opts.now ?? (() => new Date());
  const startedAt = now();
  const sections = new Map<string, () => unknown>();
  app.decorate("statsSections", sections);

  app.get("/api/stats", async () => {
    const at = now();
    const hourAgo = new Date(at.getTime() - HOUR_MS);
    const buckets = activityBuckets(at);
    const ingestion = app.ingestion.stats();
    const { prisma } = app;
    const [
      messages,
      newest,
      alertsTotal,
      alertsLastHour,
      alertsPerProfile,
      suppressedPerProfile,
      suppressedLastHour,
      chats,
      digestRuns,
      lastDigest,
      hourly,
      daily,
    ] = await Promise.all([
      prisma.message.count(),
      prisma.message.findFirst({ orderBy: { date: "desc" }, select: { date: true } }),
      prisma.alert.count(),
      prisma.alert.count({ where: { createdAt: { gte: hourAgo } } }),
      prisma.alert.groupBy({ by: ["profile"], _count: { _all: true } }),
      prisma.alertSuppression.groupBy({ by: ["profile"], _sum: { count: true } }),
      prisma.alertSuppression.aggregate({
        where: { hour: { gte: new Date(Math.floor(at.getTime() / HOUR_MS) * HOUR_MS - HOUR_MS) } },
        _sum: { count: true },
      }),
      perChat(prisma),
      prisma.digestRun.count(),
      prisma.digestRun.findFirst({ orderBy: { id: "desc" }, select: { startedAt: true } }),
      countActivity(prisma, buckets.hourly),
      countActivity(prisma, buckets.daily),
    ]);
    const today = daily.at(-1);
    const suppressedByProfile = Object.fromEntries(
      suppressedPerProfile.map((s) => [s.profile, s._sum.count ?? 0]),
    );
    const scoring = app.scoring.stats();
    const extra = await Promise.all([...sections].map(async ([key, read]) => [key, await read()] as const));
    return ok({
      started_at: startedAt.toISOString(),
      uptime_seconds: Math.max(0, Math.round((at.getTime() - startedAt.getTime()) / 1000)),
      messages_ingested: messages,
      messages_scored: scoring.messages_scored,
      messages_per_minute: ingestion.messages_per_minute,
      last_message_at: newest?.date.toISOString() ?? null,
      per_chat: chats,
      alerts_created: alertsTotal,
      alerts: {
        total: alertsTotal,
        last_hour: alertsLastHour,
        per_profile: Object.fromEntries(alertsPerProfile.map((a) => [a.profile, a._count._all])),
      },
      suppressed: {
        total: Object.values(suppressedByProfile).reduce((sum, n) => sum + n, 0),
        // Suppressions are counted per clock hour: this is the current and the previous hour.
        last_hour: suppressedLastHour._sum.count ?? 0,
        per_profile: suppressedByProfile,
        per_chat: Object.fromEntries(
          chats.filter((c) => c.suppressed > 0).map((c) => [c.chat_id, c.suppressed]),
        ),
      },
      scoring_latency_ms: scoring.latency_ms,
      scoring,
      digests: {
        runs: digestRuns,
        last_run_at: lastDigest?.startedAt.toISOString() ?? null,
        next_run_at: app.digests.nextRunAt()?.toISOString() ?? null,
      },
      redis: busState(app.bus, app.ttl.kind),
      ingestion,
      backfill: ingestion.backfill,
      activity: { time_zone: serverTimeZone(), hourly, daily },
      today: {
        since: buckets.daily.at(-1)?.start.toISOString() ?? null,
        messages: today?.messages ?? 0,
        alerts: today?.alerts ?? 0,
      },
      ...Object.fromEntries(extra),
    });
  });
};

export default fp(stats, {
  name: "stats",
  dependencies: ["database", "events", "ingestion", "scoring", "digests"],
  fastify: "5.x",
});
