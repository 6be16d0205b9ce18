import { SentinelError } from "@tgsentinel/contract/envelope.ts";
import { cachedAlertCount } from "../alert-cache.ts";
import { builder } from "../builder.ts";
import type { Alert, Prisma } from "../db/generated/client.ts";
import { filterEvents, mapEvents, SKIP } from "../pubsub.ts";
import {
  type Connection,
  connectionOf,
  decodeCursor,
  encodeCursor,
  PageInfoRef,
  pageSize,
} from "./connection.ts";

interface ReasonShape {
  kind: string;
  term: string | null;
  weight: number | null;
  start: number | null;
  end: number | null;
  text: string | null;
  similarity: number | null;
  raw: unknown;
}

// One alert object goes to every subscriber of alertAdded: its reasons are parsed once, not once
// per subscriber (the parsed list is never changed by the resolvers).
const parsedReasons = new WeakMap<Alert, ReasonShape[]>();

function reasonsOf(alert: Alert): ReasonShape[] {
  let parsed = parsedReasons.get(alert);
  if (parsed === undefined) {
    parsed = parseReasons(alert);
    parsedReasons.set(alert, parsed);
  }
  return parsed;
}

function parseReasons(alert: Alert): ReasonShape[] {
  let list: unknown;
  try {
    list = JSON.parse(alert.reasons);
  } catch {
    return [];
  }
  if (!Array.isArray(list)) return [];
  return list.map((item) => {
    const r = (item !== null && typeof item === "object" ? item : { kind: String(item) }) as Record<
      string,
      unknown
    >;
    const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null);
    const str = (v: unknown) => (typeof v === "string" ? v : null);
    return {
      kind: str(r.kind) ?? "unknown",
      term: str(r.term),
      weight: num(r.weight),
      start: num(r.start),
      end: num(r.end),
      text: str(r.text),
      similarity: num(r.similarity),
      raw: item,
    };
  });
}

const AlertReasonRef = builder.objectRef<ReasonShape>("AlertReason").implement({
  description: "Why a message scored: which term or signal, its weight and where it matched",
  fields: (t) => ({
    kind: t.exposeString("kind"),
    term: t.exposeString("term", { nullable: true }),
    weight: t.exposeFloat("weight", { nullable: true }),
    start: t.exposeInt("start", { nullable: true }),
    end: t.exposeInt("end", { nullable: true }),
    text: t.exposeString("text", { nullable: true }),
    similarity: t.exposeFloat("similarity", {
      nullable: true,
      description: "How close the message came (0-1) for similarity and semantic reasons",
    }),
    raw: t.field({
      type: "JSON",
      description: "The reason as the sentinel stored it",
      resolve: (r) => r.raw,
    }),
  }),
});

export const AlertRef = builder.objectRef<Alert>("Alert").implement({
  description: "A message that reached a profile's threshold (cached from the sentinel)",
  fields: (t) => ({
    id: t.exposeInt("id", { description: "The sentinel's alert id" }),
    chatId: t.exposeString("chatId"),
    chatTitle: t.exposeString("chatTitle"),
    messageId: t.exposeInt("messageId"),
    profile: t.exposeString("profile"),
    score: t.exposeFloat("score"),
    reasons: t.field({ type: [AlertReasonRef], resolve: reasonsOf }),
    text: t.exposeString("text"),
    senderName: t.exposeString("senderName", { nullable: true }),
    link: t.exposeString("link", { nullable: true }),
    messageDate: t.expose("messageDate", { type: "DateTime" }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.field({
      type: "DateTime",
      description: "When the alert last changed: createdAt, or the revision after its message was edited",
      resolve: (a) => a.updatedAt ?? a.createdAt,
    }),
    edited: t.boolean({
      description: "The message was edited after the alert was made, and the alert revised to match",
      resolve: (a) => a.updatedAt !== null && a.updatedAt.getTime() > a.createdAt.getTime(),
    }),
    read: t.boolean({ resolve: (a) => a.readAt !== null }),
    readAt: t.expose("readAt", { type: "DateTime", nullable: true }),
  }),
});

const AlertEdgeRef = builder.objectRef<{ cursor: string; node: Alert }>("AlertEdge").implement({
  fields: (t) => ({
    cursor: t.exposeString("cursor"),
    node: t.field({ type: AlertRef, resolve: (e) => e.node }),
  }),
});

/** A page of alerts; the total is counted only when a query selects it (a full scan on a big cache). */
type AlertConnection = Omit<Connection<Alert>, "totalCount"> & { countTotal: () => Promise<number> };

const AlertConnectionRef = builder.objectRef<AlertConnection>("AlertConnection").implement({
  fields: (t) => ({
    edges: t.field({ type: [AlertEdgeRef], resolve: (c) => c.edges }),
    pageInfo: t.field({ type: PageInfoRef, resolve: (c) => c.pageInfo }),
    totalCount: t.int({
      description: "Alerts matching the filters (all pages)",
      resolve: (c) => c.countTotal(),
    }),
  }),
});

const AlertOrderRef = builder.enumType("AlertOrder", {
  values: {
    NEWEST: { description: "Newest first (by creation time)" },
    SCORE: { description: "Highest score first" },
  } as const,
});

interface AlertCursor {
  o: "NEWEST" | "SCORE";
  id: number;
  c: number;
  s: number;
}

function isAlertCursor(v: unknown): v is AlertCursor {
  const c = v as AlertCursor;
  return (
    c !== null &&
    typeof c === "object" &&
    (c.o === "NEWEST" || c.o === "SCORE") &&
    Number.isInteger(c.id) &&
    typeof c.c === "number" &&
    typeof c.s === "number"
  );
}

builder.queryFields((t) => ({
  alerts: t.field({
    type: AlertConnectionRef,
    description: "Alerts from ui.db's cache, newest first by default",
    args: {
      first: t.arg.int({ description: "Page size (1-200, default 50)" }),
      after: t.arg.string(),
      minScore: t.arg.float(),
      chatId: t.arg.string(),
      profile: t.arg.string(),
      query: t.arg.string({ description: "Words to find in the text, chat title or sender" }),
      unreadOnly: t.arg.boolean(),
      since: t.arg({ type: "DateTime", description: "Only alerts created at or after this time" }),
      orderBy: t.arg({ type: AlertOrderRef, defaultValue: "NEWEST" }),
    },
    resolve: async (_r, args, ctx) => {
      const order = args.orderBy ?? "NEWEST";
      const first = pageSize(args.first);
      const where: Prisma.AlertWhereInput = {};
      if (args.minScore != null) where.score = { gte: args.minScore };
      if (args.chatId) where.chatId = args.chatId;
      if (args.profile) where.profile = args.profile;
      if (args.unreadOnly) where.readAt = null;
      if (args.since) where.createdAt = { gte: args.since };
      const words = (args.query ?? "").trim().split(/\s+/).filter(Boolean).slice(0, 10);
      if (words.length > 0) {
        where.AND = words.map((w) => ({
          OR: [{ text: { contains: w } }, { chatTitle: { contains: w } }, { senderName: { contains: w } }],
        }));
      }
      let afterWhere: Prisma.AlertWhereInput = {};
      if (args.after) {
        const c = decodeCursor(args.after, isAlertCursor);
        if (!c || c.o !== order) throw new SentinelError("BAD_REQUEST", "Invalid cursor for this order");
        afterWhere =
          order === "NEWEST"
            ? { OR: [{ createdAt: { lt: new Date(c.c) } }, { createdAt: new Date(c.c), id: { lt: c.id } }] }
            : { OR: [{ score: { lt: c.s } }, { score: c.s, id: { lt: c.id } }] };
      }
      const orderBy: Prisma.AlertOrderByWithRelationInput[] =
        order === "NEWEST" ? [{ createdAt: "desc" }, { id: "desc" }] : [{ score: "desc" }, { id: "desc" }];
      const db = ctx.services.db;
      const rows = await db.alert.findMany({ where: { AND: [where, afterWhere] }, orderBy, take: first + 1 });
      const { totalCount: _unused, ...page } = connectionOf(
        rows,
        first,
        (a) => encodeCursor({ o: order, id: a.id, c: a.createdAt.getTime(), s: a.score }),
        0,
        Boolean(args.after),
      );
      const unfiltered = Object.keys(where).length === 0;
      return {
        ...page,
        // The unfiltered total is the figure ui.db maintains (a count would scan the whole cache);
        // filtered totals still count the matching rows.
        countTotal: () => (unfiltered ? cachedAlertCount(db) : db.alert.count({ where })),
      };
    },
  }),
  alert: t.field({
    type: AlertRef,
    nullable: true,
    args: { id: t.arg.int({ required: true }) },
    resolve: (_r, args, ctx) => ctx.services.db.alert.findUnique({ where: { id: args.id } }),
  }),
}));

builder.mutationFields((t) => ({
  markAlertRead: t.field({
    type: AlertRef,
    args: { id: t.arg.int({ required: true }), read: t.arg.boolean({ defaultValue: true }) },
    resolve: async (_r, args, ctx) => {
      const found = await ctx.services.db.alert.findUnique({ where: { id: args.id } });
      if (!found) throw new SentinelError("NOT_FOUND", `No alert with id ${args.id}`);
      return ctx.services.db.alert.update({
        where: { id: args.id },
        data: { readAt: args.read === false ? null : (found.readAt ?? new Date()) },
      });
    },
  }),
  markAllAlertsRead: t.int({
    description: "Marks every unread alert (optionally up to a time) read; returns how many",
    args: { before: t.arg({ type: "DateTime" }) },
    resolve: async (_r, args, ctx) => {
      const result = await ctx.services.db.alert.updateMany({
        where: { readAt: null, ...(args.before ? { createdAt: { lte: args.before } } : {}) },
        data: { readAt: new Date() },
      });
      return result.count;
    },
  }),
}));

/** The alerts at or above `minScore` (all when it is not given). */
function atLeast(minScore: number | null | undefined): (alert: Alert) => boolean {
  return (alert) => minScore == null || alert.score >= minScore;
}

builder.subscriptionField("alertAdded", (t) =>
  t.field({
    type: AlertRef,
    description:
      "Alerts as they reach the cache (after they are stored in ui.db), one message each; alertsAdded delivers the same alerts in batches",
    args: { minScore: t.arg.float() },
    subscribe: (_r, args, ctx) =>
      filterEvents(ctx.services.pubsub.subscribe("alertAdded"), atLeast(args.minScore)),
    resolve: (alert) => alert,
  }),
);

builder.subscriptionField("alertsAdded", (t) =>
  t.field({
    type: [AlertRef],
    description:
      "Alerts as they reach the cache, in batches: each message holds the new alerts of one cache sync page (oldest first, up to 500, never empty). The web UI's live feed uses it; at a high alert rate it costs one message per batch instead of one per alert.",
    args: { minScore: t.arg.float({ description: "Only alerts at or above this score" }) },
    subscribe: (_r, args, ctx) => {
      const keep = atLeast(args.minScore);
      return mapEvents(ctx.services.pubsub.subscribe("alertsAdded"), (alerts) => {
        const kept = args.minScore == null ? alerts : alerts.filter(keep);
        return kept.length > 0 ? kept : SKIP;
      });
    },
    resolve: (alerts) => alerts,
  }),
);

builder.subscriptionField("alertUpdated", (t) =>
  t.field({
    type: AlertRef,
    description:
      "Cached alerts as they are revised (their message was edited and scored again), after ui.db has the new version",
    args: {
      minScore: t.arg.float({ description: "Only revisions that leave the alert at or above this score" }),
    },
    subscribe: (_r, args, ctx) =>
      filterEvents(ctx.services.pubsub.subscribe("alertUpdated"), atLeast(args.minScore)),
    resolve: (alert) => alert,
  }),
);
