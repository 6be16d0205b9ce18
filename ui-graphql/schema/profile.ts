import { SentinelError } from "@tgsentinel/contract/envelope.ts";
import { builder } from "../builder.ts";
import type { Profile } from "../db/generated/client.ts";
import { definitionOf, type ProfileInput } from "../profile-store.ts";
import type { ProfileTestScore } from "../sentinel-client.ts";

export const ProfileRef = builder.objectRef<Profile>("Profile").implement({
  description: "A scoring profile (stored in ui.db; the full set is pushed to the sentinel on every change)",
  fields: (t) => ({
    id: t.exposeInt("id"),
    name: t.exposeString("name"),
    enabled: t.exposeBoolean("enabled"),
    definition: t.field({
      type: "JSON",
      description:
        "The scoring definition (threshold, keywords, regexes, VIP senders, chats, signals, examples)",
      resolve: definitionOf,
    }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
  }),
});

const ProfileInputRef = builder.inputType("ProfileInput", {
  fields: (t) => ({
    name: t.string({ required: true }),
    enabled: t.boolean({ defaultValue: true }),
    definition: t.field({ type: "JSON", required: true }),
  }),
});

const ProfilePatchRef = builder.inputType("ProfilePatch", {
  fields: (t) => ({
    name: t.string(),
    enabled: t.boolean(),
    definition: t.field({ type: "JSON" }),
  }),
});

const ProfileTestResultRef = builder
  .objectRef<ProfileTestScore & { text: string }>("ProfileTestResult")
  .implement({
    fields: (t) => ({
      text: t.exposeString("text"),
      score: t.exposeFloat("score"),
      matched: t.exposeBoolean("matched", { description: "The score reaches the profile's threshold" }),
      reasons: t.field({ type: "JSON", resolve: (r) => r.reasons }),
    }),
  });

function definitionArg(value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new SentinelError("VALIDATION_FAILED", "The profile definition must be an object", {
      details: [{ path: ["definition"], message: "must be an object" }],
    });
  }
  return value as Record<string, unknown>;
}

function inputOf(input: { name: string; enabled?: boolean | null; definition?: unknown }): ProfileInput {
  return { name: input.name, enabled: input.enabled ?? true, definition: definitionArg(input.definition) };
}

builder.queryField("profiles", (t) =>
  t.field({ type: [ProfileRef], resolve: (_r, _a, ctx) => ctx.services.profiles.list() }),
);

builder.mutationFields((t) => ({
  createProfile: t.field({
    type: ProfileRef,
    description:
      "Adds a profile. A sentinel rejection is an INVALID_PROFILES error with field paths; ui.db is then unchanged.",
    args: { input: t.arg({ type: ProfileInputRef, required: true }) },
    resolve: (_r, args, ctx) => ctx.services.profiles.create(inputOf(args.input)),
  }),
  updateProfile: t.field({
    type: ProfileRef,
    args: { id: t.arg.int({ required: true }), patch: t.arg({ type: ProfilePatchRef, required: true }) },
    resolve: (_r, args, ctx) =>
      ctx.services.profiles.update(args.id, {
        ...(args.patch.name != null ? { name: args.patch.name } : {}),
        ...(args.patch.enabled != null ? { enabled: args.patch.enabled } : {}),
        ...(args.patch.definition != null ? { definition: definitionArg(args.patch.definition) } : {}),
      }),
  }),
  deleteProfile: t.field({
    type: ProfileRef,
    description: "Removes a profile; returns it as it was",
    args: { id: t.arg.int({ required: true }) },
    resolve: (_r, args, ctx) => ctx.services.profiles.delete(args.id),
  }),
  testProfile: t.field({
    type: [ProfileTestResultRef],
    description: "Scores sample texts against a profile (saved or not) without changing anything",
    args: {
      profile: t.arg({ type: ProfileInputRef, required: true }),
      texts: t.arg.stringList({ required: true }),
    },
    resolve: async (_r, args, ctx) => {
      if (args.texts.length === 0 || args.texts.length > 50) {
        throw new SentinelError("VALIDATION_FAILED", "Give 1-50 texts to test", {
          details: [{ path: ["texts"], message: "1-50 items" }],
        });
      }
      const texts = args.texts.map((text) => text.slice(0, 10_000));
      const scores = await ctx.services.profiles.test(inputOf(args.profile), texts);
      return scores.map((s, i) => ({ ...s, text: texts[i] ?? "" }));
    },
  }),
}));
