import { builder } from "../builder.ts";
import type { DigestRun } from "../db/generated/client.ts";
import { type DigestGroupView, digestGroupsOf, digestOutcomeOf } from "../digest-content.ts";
import { loadPreferences } from "./setting.ts";

const DigestEntryRef = builder.objectRef<DigestGroupView["entries"][number]>("DigestEntry").implement({
  description: "One message in a digest: its best alert and every profile it matched",
  fields: (t) => ({
    alertId: t.exposeInt("alertId", { description: "The best-scoring alert of the message" }),
    alertIds: t.exposeIntList("alertIds", {
      description: "Every alert of the message in the period, best first",
    }),
    messageId: t.exposeInt("messageId"),
    score: t.exposeFloat("score"),
    profiles: t.exposeStringList("profiles", { description: "Matched profiles, best first" }),
    text: t.exposeString("text", { description: "The message text, cut to 500 characters" }),
    senderName: t.exposeString("senderName", { nullable: true }),
    link: t.exposeString("link", {
      nullable: true,
      description: "t.me link to the message, when it has one",
    }),
    messageDate: t.expose("messageDate", { type: "DateTime", nullable: true }),
  }),
});

const DigestGroupRef = builder.objectRef<DigestGroupView>("DigestGroup").implement({
  description: "The digest's entries of one chat, best first",
  fields: (t) => ({
    chatId: t.exposeString("chatId"),
    chatTitle: t.exposeString("chatTitle"),
    bestScore: t.exposeFloat("bestScore"),
    entries: t.field({ type: [DigestEntryRef], resolve: (g) => g.entries }),
  }),
});

const DigestRunRef = builder.objectRef<DigestRun>("DigestRun").implement({
  description: "One digest run, mirrored from the sentinel",
  fields: (t) => ({
    id: t.exposeInt("id"),
    trigger: t.exposeString("trigger", { description: '"schedule" or "manual"' }),
    schedule: t.exposeString("schedule", { nullable: true }),
    since: t.expose("since", { type: "DateTime" }),
    until: t.expose("until", { type: "DateTime" }),
    startedAt: t.expose("startedAt", { type: "DateTime" }),
    finishedAt: t.expose("finishedAt", { type: "DateTime", nullable: true }),
    alertCount: t.exposeInt("alertCount"),
    groups: t.field({
      type: [DigestGroupRef],
      description: "The digest: top alerts grouped by chat, best chat first",
      resolve: (r) => digestGroupsOf(r.content),
    }),
    content: t.field({
      type: "JSON",
      description: "The digest as the sentinel stored it (see groups for the typed view)",
      resolve: (r) => {
        try {
          return JSON.parse(r.content);
        } catch {
          return [];
        }
      },
    }),
    delivered: t.exposeBoolean("delivered"),
    error: t.exposeString("error", { nullable: true, description: "failure or deliveryError, as stored" }),
    failure: t.string({
      nullable: true,
      description: "Why the run itself failed (no digest was made), or null",
      resolve: (r) => digestOutcomeOf(r).failure,
    }),
    deliveryError: t.string({
      nullable: true,
      description: 'Why a finished digest was not sent to Saved Messages ("not delivered: …"), or null',
      resolve: (r) => digestOutcomeOf(r).deliveryError,
    }),
  }),
});

builder.queryField("digestRuns", (t) =>
  t.field({
    type: [DigestRunRef],
    description: "Past digest runs, newest first",
    args: { first: t.arg.int({ description: "At most this many (1-200, default 50)" }) },
    resolve: (_r, args, ctx) =>
      ctx.services.db.digestRun.findMany({
        orderBy: [{ startedAt: "desc" }, { id: "desc" }],
        take: Math.max(1, Math.min(200, args.first ?? 50)),
      }),
  }),
);

builder.mutationField("runDigest", (t) =>
  t.boolean({
    description:
      'Asks the sentinel to run a digest now, with as many entries as the "digests.runNowTopN" preference; digestCompleted reports the result',
    resolve: async (_r, _a, ctx) => {
      const preferences = await loadPreferences(ctx.services.db);
      await ctx.services.sentinel.runDigest({ topN: preferences["digests.runNowTopN"] });
      return true;
    },
  }),
);

builder.subscriptionField("digestCompleted", (t) =>
  t.field({
    type: DigestRunRef,
    subscribe: (_r, _a, ctx) => ctx.services.pubsub.subscribe("digestCompleted"),
    resolve: (run) => run,
  }),
);
