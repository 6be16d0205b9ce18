import { SentinelError } from "@tgsentinel/contract/envelope.ts";
import { defaultFieldResolver, GraphQLError, type GraphQLSchema } from "graphql";
import type { GraphQLContext } from "./context.ts";
import { SentinelApiError } from "./sentinel-client.ts";

/**
 * What to record as the target of each mutation, from its arguments. Only names and ids:
 * passwords, file contents and setting values never appear here.
 */
const TARGETS: Record<string, (args: Record<string, unknown>) => string | null> = {
  login: (a) => `user:${String(a.username ?? "").slice(0, 100)}`,
  updateProfile: (a) => `profile:${a.id}`,
  deleteProfile: (a) => `profile:${a.id}`,
  createProfile: (a) =>
    `profile:${String((a.input as { name?: unknown } | undefined)?.name ?? "").slice(0, 100)}`,
  setSetting: (a) => `setting:${String(a.key).slice(0, 100)}`,
  markAlertRead: (a) => `alert:${a.id}`,
  alertFeedback: (a) => `alert:${a.alertId}`,
  revertProfileAdjustment: (a) => `profile-adjustment:${a.id}`,
  setChatIncluded: (a) => `chat:${String(a.chatId).slice(0, 24)}`,
  revokeUiSession: (a) => `ui-session:${String(a.id).slice(0, 16)}`,
};

/** Notes a resolver may add to its own audit entry (keyed by the field's response key). */
export function auditNote(
  ctx: GraphQLContext,
  key: string,
  note: { target?: string; detail?: string },
): void {
  ctx.auditNotes ??= new Map();
  ctx.auditNotes.set(key, { ...ctx.auditNotes.get(key), ...note });
}

function codeOf(err: unknown): string {
  if (err instanceof SentinelApiError) return err.remoteCode;
  if (err instanceof SentinelError) return err.code;
  if (err instanceof GraphQLError && typeof err.extensions?.code === "string") return err.extensions.code;
  return "INTERNAL_ERROR";
}

const DENIED = new Set(["UNAUTHORIZED", "INVALID_CREDENTIALS", "TOO_MANY_ATTEMPTS", "FORBIDDEN"]);

/**
 * Wraps every Mutation field so each call writes one audit_log row (who, what, when, outcome,
 * client address) whether it succeeds or fails. Applied outside the session guard, so refused
 * calls are recorded too.
 */
export function auditMutations(schema: GraphQLSchema): GraphQLSchema {
  const mutation = schema.getMutationType();
  if (!mutation) return schema;
  for (const field of Object.values(mutation.getFields())) {
    const resolve = field.resolve ?? defaultFieldResolver;
    const action = field.name;
    field.resolve = async (source, args, ctx: GraphQLContext, info) => {
      const base = () => {
        const note = ctx.auditNotes?.get(String(info.path.key));
        return {
          actor:
            ctx.session?.username ?? (action === "login" ? String(args.username ?? "").slice(0, 100) : null),
          action,
          target: note?.target ?? TARGETS[action]?.(args) ?? null,
          clientAddress: ctx.clientAddress,
          note,
        };
      };
      try {
        const result = await resolve(source, args, ctx, info);
        const { note, ...entry } = base();
        await ctx.services.audit.write({ ...entry, outcome: "ok", detail: note?.detail ?? null });
        return result;
      } catch (err) {
        const { note, ...entry } = base();
        const code = codeOf(err);
        await ctx.services.audit
          .write({
            ...entry,
            outcome: DENIED.has(code) ? "denied" : "error",
            detail: note?.detail ? `${code}: ${note.detail}` : code,
          })
          .catch(() => {});
        throw err;
      }
    };
  }
  return schema;
}
