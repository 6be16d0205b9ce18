import { builder } from "../builder.ts";
import type { DigestRun } from "../db/generated/client.ts";

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
    content: t.field({
      type: "JSON",
      description: "The digest: top alerts grouped by chat",
      resolve: (r) => {
        try {
          return JSON.parse(r.content);
        } catch {
          return [];
        }
      },
    }),
    delivered: t.exposeBoolean("delivered"),
    error: t.exposeString("error", { nullable: true }),
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
    description: "Asks the sentinel to run a digest now; digestCompleted reports the result",
    resolve: async (_r, _a, ctx) => {
      await ctx.services.sentinel.runDigest();
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
