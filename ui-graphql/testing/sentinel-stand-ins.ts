/**
 * Test support: the sentinel REST routes the real sentinel does not serve yet, registered inside
 * the real sentinel app (same envelope, auth, error handler, sentinel.db and event bus). Each
 * route is added only when the sentinel has none, so real routes replace these as they land.
 */
import { fail, ok, SentinelError } from "@tgsentinel/contract/envelope.ts";
import type { FastifyInstance } from "fastify";
import type { NormalizedMessage } from "../../sentinel/ingestion/message.ts";
import { buildScorer } from "../../sentinel/scoring/engine.ts";
import { parseProfiles } from "../../sentinel/scoring/profile.ts";

type Route = { method: "GET" | "PUT" | "POST"; url: string };

export async function registerStandIns(app: FastifyInstance): Promise<Route[]> {
  const added: Route[] = [];
  const missing = (route: Route) => {
    if (app.hasRoute(route)) return false;
    added.push(route);
    return true;
  };

  if (missing({ method: "GET", url: "/api/alerts" })) {
    app.get("/api/alerts", async (req) => {
      const q = req.query as Record<string, string | undefined>;
      const limit = Math.min(500, Math.max(1, Number(q.limit ?? 100)));
      const rows = await app.prisma.alert.findMany({
        where: {
          ...(q.cursor ? { id: { lt: Number(q.cursor) } } : {}),
          ...(q.since ? { createdAt: { gte: new Date(q.since) } } : {}),
          ...(q.min_score ? { score: { gte: Number(q.min_score) } } : {}),
          ...(q.chat_id ? { chatId: q.chat_id } : {}),
        },
        orderBy: { id: "desc" },
        take: limit + 1,
      });
      const page = rows.slice(0, limit);
      return ok({
        alerts: page.map((a) => ({
          id: a.id,
          chat_id: a.chatId,
          chat_title: a.chatTitle,
          message_id: a.messageId,
          profile: a.profile,
          score: a.score,
          reasons: JSON.parse(a.reasons),
          text: a.text,
          sender_name: a.senderName,
          link: a.link,
          message_date: a.messageDate.toISOString(),
          created_at: a.createdAt.toISOString(),
        })),
        next_cursor: rows.length > limit ? String(page.at(-1)!.id) : null,
      });
    });
  }

  if (missing({ method: "GET", url: "/api/profiles" })) {
    app.get("/api/profiles", async () => {
      const rows = await app.prisma.profile.findMany({ orderBy: { name: "asc" } });
      return ok({
        profiles: rows.map((r) => ({ ...JSON.parse(r.definition), name: r.name, enabled: r.enabled })),
      });
    });
  }

  if (missing({ method: "PUT", url: "/api/profiles" })) {
    app.put("/api/profiles", async (req, reply) => {
      const parsed = parseProfiles(req.body);
      if (!parsed.ok) {
        return reply.code(400).send(fail("INVALID_PROFILES", "The profiles are not valid", parsed.errors));
      }
      await app.prisma.$transaction([
        app.prisma.profile.deleteMany({}),
        ...parsed.profiles.map((p) => {
          const { name, enabled, ...definition } = p;
          return app.prisma.profile.create({
            data: { name, enabled, definition: JSON.stringify(definition) },
          });
        }),
      ]);
      return ok({ profiles: parsed.profiles.length });
    });
  }

  if (missing({ method: "POST", url: "/api/profiles/test" })) {
    app.post("/api/profiles/test", async (req, reply) => {
      const body = req.body as { profile?: unknown; messages?: { text?: unknown }[] };
      const parsed = parseProfiles([body.profile]);
      if (!parsed.ok)
        return reply.code(400).send(fail("INVALID_PROFILES", "The profile is not valid", parsed.errors));
      const scorer = buildScorer(parsed.profiles.map((p) => ({ ...p, enabled: true })));
      const results = (body.messages ?? []).map((m, i) => {
        const message: NormalizedMessage = {
          chatId: "0",
          chatTitle: "test",
          chatType: "channel",
          chatUsername: null,
          messageId: i + 1,
          senderId: null,
          senderUsername: null,
          senderName: null,
          text: String(m.text ?? ""),
          date: new Date(),
          editDate: null,
          replyToMsgId: null,
          forwardFrom: null,
          link: null,
          mentionsMe: false,
          reactions: 0,
          forwards: 0,
        };
        const verdict = scorer.score(message)[0];
        return {
          score: verdict?.score ?? 0,
          matched: verdict?.alert ?? false,
          reasons: verdict?.reasons ?? [],
        };
      });
      return ok({ results });
    });
  }

  if (missing({ method: "GET", url: "/api/digests" })) {
    app.get("/api/digests", async () => {
      const rows = await app.prisma.digestRun.findMany({ orderBy: { id: "desc" }, take: 100 });
      return ok({
        digests: rows.map((r) => ({
          id: r.id,
          trigger: r.trigger,
          schedule: r.schedule,
          since: r.since.toISOString(),
          until: r.until.toISOString(),
          started_at: r.startedAt.toISOString(),
          finished_at: r.finishedAt?.toISOString() ?? null,
          alert_count: r.alertCount,
          content: JSON.parse(r.content),
          delivered: r.delivered,
          error: r.error,
        })),
        next_cursor: null,
      });
    });
  }

  if (missing({ method: "POST", url: "/api/digests/run" })) {
    app.post("/api/digests/run", async () => {
      const now = new Date();
      const alertCount = await app.prisma.alert.count();
      const run = await app.prisma.digestRun.create({
        data: {
          trigger: "manual",
          since: new Date(now.getTime() - 3_600_000),
          until: now,
          finishedAt: now,
          alertCount,
        },
      });
      await app.bus.publish("digest_completed", {
        id: run.id,
        trigger: "manual",
        schedule: null,
        alert_count: alertCount,
        finished_at: now.toISOString(),
      });
      return ok({ id: run.id });
    });
  }

  if (missing({ method: "GET", url: "/api/chats" })) {
    app.get("/api/chats", async () => {
      const rows = await app.prisma.chat.findMany({ orderBy: { title: "asc" } });
      return ok({
        chats: rows.map((c) => ({
          id: c.id,
          title: c.title,
          type: c.type,
          username: c.username,
          included: c.included,
          message_count: c.messageCount,
          last_message_at: c.lastMessageAt?.toISOString() ?? null,
        })),
      });
    });
  }

  if (missing({ method: "GET", url: "/api/stats" })) {
    app.get("/api/stats", async () =>
      ok({
        messages_ingested: await app.prisma.message.count(),
        alerts_created: await app.prisma.alert.count(),
        uptime_seconds: Math.round(process.uptime()),
        redis: { connected: app.bus.health().connected },
      }),
    );
  }

  if (added.length > 0 && !app.hasRoute({ method: "GET", url: "/api/health" })) {
    throw new SentinelError(
      "INTERNAL_ERROR",
      "the sentinel app did not register its routes before the stand-ins",
    );
  }
  return added;
}
