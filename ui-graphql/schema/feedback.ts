import { auditNote } from "../audit-mutations.ts";
import { builder } from "../builder.ts";
import type { GraphQLContext } from "../context.ts";
import type { Alert, ProfileAdjustment } from "../db/generated/client.ts";
import type { Verdict } from "../feedback/threshold-policy.ts";
import { adjustmentReasonOf, type FeedbackOutcome } from "../feedback-store.ts";
import { AlertRef } from "./alert.ts";
import { ProfileRef } from "./profile.ts";

const VerdictRef = builder.enumType("AlertVerdict", {
  description: "The user's feedback on an alert",
  values: {
    UP: { description: "👍 a useful alert" },
    DOWN: { description: "👎 a false positive" },
    NONE: { description: "No vote (clears an earlier one)" },
  } as const,
});

/**
 * Alert.feedback for a whole page of alerts in one query: the ids asked for in the same tick are
 * read together. Nothing is kept past the batch, since a subscription's context lives on across
 * its events and a vote may change between them.
 */
const verdictLoaders = new WeakMap<GraphQLContext, (alertId: number) => Promise<Verdict | null>>();

function verdictLoader(ctx: GraphQLContext): (alertId: number) => Promise<Verdict | null> {
  let batch: { ids: number[]; read: Promise<Map<number, Verdict>> } | null = null;
  return (id) => {
    if (!batch) {
      const ids: number[] = [];
      const read = new Promise<void>((resolve) => queueMicrotask(resolve)).then(() => {
        batch = null;
        return ctx.services.feedback.verdictsOf(ids);
      });
      batch = { ids, read };
    }
    batch.ids.push(id);
    return batch.read.then((found) => found.get(id) ?? null);
  };
}

function verdictOf(ctx: GraphQLContext, alertId: number): Promise<Verdict | null> {
  let load = verdictLoaders.get(ctx);
  if (!load) {
    load = verdictLoader(ctx);
    verdictLoaders.set(ctx, load);
  }
  return load(alertId);
}

builder.objectField(AlertRef, "feedback", (t) =>
  t.field({
    type: VerdictRef,
    description: "The user's 👍/👎 on this alert (NONE when not voted)",
    resolve: async (alert, _a, ctx) => (await verdictOf(ctx, alert.id)) ?? "NONE",
  }),
);

const ProfileAdjustmentRef = builder.objectRef<ProfileAdjustment>("ProfileAdjustment").implement({
  description:
    "A threshold raised automatically after repeated 👎 on the profile's alerts; revertProfileAdjustment undoes it",
  fields: (t) => ({
    id: t.exposeInt("id"),
    profileId: t.exposeInt("profileId"),
    field: t.exposeString("field", { description: 'The definition field changed ("threshold")' }),
    from: t.exposeFloat("from"),
    to: t.exposeFloat("to"),
    downVotes: t.int({ resolve: (a) => Number(adjustmentReasonOf(a).down_votes ?? 0) }),
    upVotes: t.int({ resolve: (a) => Number(adjustmentReasonOf(a).up_votes ?? 0) }),
    windowDays: t.int({ resolve: (a) => Number(adjustmentReasonOf(a).window ?? 0) }),
    baseline: t.float({
      nullable: true,
      description: "The threshold last set by hand; automatic raises stay within +50% of it",
      resolve: (a) => {
        const b = adjustmentReasonOf(a).baseline;
        return typeof b === "number" ? b : null;
      },
    }),
    reason: t.field({
      type: "JSON",
      description: "As stored: {down_votes, up_votes, window (days), baseline}",
      resolve: (a) => adjustmentReasonOf(a),
    }),
    at: t.expose("at", { type: "DateTime" }),
    revertedAt: t.expose("revertedAt", { type: "DateTime", nullable: true }),
  }),
});

builder.objectField(ProfileRef, "adjustments", (t) =>
  t.field({
    type: [ProfileAdjustmentRef],
    description: "Automatic threshold adjustments of this profile, newest first",
    resolve: (profile, _a, ctx) => ctx.services.feedback.list(profile.id),
  }),
);

const AlertFeedbackPayloadRef = builder.objectRef<FeedbackOutcome>("AlertFeedbackPayload").implement({
  fields: (t) => ({
    alert: t.field({ type: AlertRef, resolve: (o): Alert => o.alert }),
    verdict: t.field({ type: VerdictRef, resolve: (o) => o.verdict ?? "NONE" }),
    adjustment: t.field({
      type: ProfileAdjustmentRef,
      nullable: true,
      description: "Set when this vote raised the profile's threshold",
      resolve: (o) => o.adjustment,
    }),
    adjustmentError: t.exposeString("adjustmentError", {
      nullable: true,
      description:
        "The error code when the votes called for a raise the sentinel did not take (the vote is kept)",
    }),
  }),
});

builder.queryField("profileAdjustments", (t) =>
  t.field({
    type: [ProfileAdjustmentRef],
    description: "Automatic threshold adjustments of one profile (by id), newest first",
    args: { profile: t.arg.int({ required: true }) },
    resolve: (_r, args, ctx) => ctx.services.feedback.list(args.profile),
  }),
);

builder.mutationFields((t) => ({
  alertFeedback: t.field({
    type: AlertFeedbackPayloadRef,
    description:
      "👍/👎 on an alert (NONE clears it). Repeated 👎 on a profile's alerts may raise its threshold (see ProfileAdjustment).",
    args: {
      alertId: t.arg.int({ required: true }),
      verdict: t.arg({ type: VerdictRef, required: true }),
    },
    resolve: async (_r, args, ctx, info) => {
      const actor = ctx.session?.username ?? null;
      const outcome = await ctx.services.feedback.vote(
        args.alertId,
        args.verdict === "NONE" ? null : args.verdict,
        actor,
      );
      const key = String(info.path.key);
      if (outcome.adjustment) {
        const a = outcome.adjustment;
        auditNote(ctx, key, {
          detail: `${args.verdict}; threshold ${a.from} -> ${a.to} (adjustment ${a.id})`,
        });
        await ctx.services.audit.write({
          actor,
          action: "profileAdjusted",
          target: `profile:${a.profileId}`,
          outcome: "ok",
          detail: `threshold ${a.from} -> ${a.to} (adjustment ${a.id})`,
          clientAddress: ctx.clientAddress,
        });
      } else {
        auditNote(ctx, key, {
          detail: outcome.adjustmentError
            ? `${args.verdict}; adjustment failed: ${outcome.adjustmentError}`
            : args.verdict,
        });
      }
      return outcome;
    },
  }),
  revertProfileAdjustment: t.field({
    type: ProfileAdjustmentRef,
    description:
      "Restores the threshold from before an automatic adjustment (and reverts later ones built on it); pushed to the sentinel",
    args: { id: t.arg.int({ required: true }) },
    resolve: async (_r, args, ctx, info) => {
      const reverted = await ctx.services.feedback.revert(args.id);
      auditNote(ctx, String(info.path.key), {
        target: `profile:${reverted.profileId}`,
        detail: `adjustment ${reverted.id}: threshold ${reverted.to} -> ${reverted.from}`,
      });
      return reverted;
    },
  }),
}));
