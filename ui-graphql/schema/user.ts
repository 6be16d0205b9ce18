import { SentinelError } from "@tgsentinel/contract/envelope.ts";
import { auditNote } from "../audit-mutations.ts";
import { sessionOf } from "../auth/field-guard.ts";
import { publicSessionId, SESSION_COOKIE } from "../auth/sessions.ts";
import { builder } from "../builder.ts";
import type { GraphQLContext } from "../context.ts";
import type { UiSession, User } from "../db/generated/client.ts";

export const UserRef = builder.objectRef<User>("User").implement({
  description: "A person who may log in to the UI",
  fields: (t) => ({
    id: t.exposeInt("id"),
    username: t.exposeString("username"),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    passwordChangedAt: t.expose("passwordChangedAt", { type: "DateTime", nullable: true }),
  }),
});

const UiSessionRef = builder.objectRef<UiSession & { current: boolean }>("UiSession").implement({
  description: "A login session of the UI (the browser cookie's server side)",
  fields: (t) => ({
    id: t.string({
      description: "A public handle (never the cookie token)",
      resolve: (s) => publicSessionId(s.id),
    }),
    current: t.exposeBoolean("current", { description: "The session making this request" }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    expiresAt: t.expose("expiresAt", { type: "DateTime" }),
    lastSeenAt: t.expose("lastSeenAt", { type: "DateTime" }),
    clientAddress: t.exposeString("clientAddress", { nullable: true }),
    userAgent: t.exposeString("userAgent", { nullable: true }),
  }),
});

async function currentUser(ctx: GraphQLContext): Promise<User> {
  const session = sessionOf(ctx);
  const user = await ctx.services.db.user.findUnique({ where: { id: session.userId } });
  if (!user) throw new SentinelError("UNAUTHORIZED", "Log in first");
  return user;
}

function clearCookie(ctx: GraphQLContext): void {
  ctx.reply?.clearCookie(SESSION_COOKIE, { path: "/" });
}

builder.queryFields((t) => ({
  me: t.field({
    type: UserRef,
    description: "The logged-in user",
    resolve: (_r, _a, ctx) => currentUser(ctx),
  }),
  uiSessions: t.field({
    type: [UiSessionRef],
    description: "The logged-in user's live sessions",
    resolve: async (_r, _a, ctx) => {
      const session = sessionOf(ctx);
      const rows = await ctx.services.sessions.listLive(session.userId);
      return rows.map((row) => ({ ...row, current: row.id === session.id }));
    },
  }),
}));

builder.mutationFields((t) => ({
  login: t.field({
    type: UserRef,
    description:
      "Opens a session: sets an HttpOnly, SameSite=Strict cookie. Failures are rate limited per username and address.",
    args: { username: t.arg.string({ required: true }), password: t.arg.string({ required: true }) },
    resolve: async (_r, args, ctx) => {
      if (!ctx.reply) throw new SentinelError("BAD_REQUEST", "Log in over HTTP, not over the WebSocket");
      const { token, session } = await ctx.services.login.login(args.username, args.password, {
        clientAddress: ctx.clientAddress,
        userAgent: ctx.userAgent,
      });
      ctx.reply.setCookie(SESSION_COOKIE, token, {
        path: "/",
        httpOnly: true,
        sameSite: "strict",
        secure: ctx.secure || ctx.services.config.http.secureCookies,
        expires: session.expiresAt,
      });
      ctx.session = session;
      return currentUser(ctx);
    },
  }),
  logout: t.boolean({
    description: "Revokes the current session and clears the cookie",
    resolve: async (_r, _a, ctx) => {
      const session = sessionOf(ctx);
      await ctx.services.sessions.revoke(session.id);
      clearCookie(ctx);
      return true;
    },
  }),
  changePassword: t.field({
    type: UserRef,
    description: "Changes the password; every other session of the user is revoked",
    args: {
      currentPassword: t.arg.string({ required: true }),
      newPassword: t.arg.string({ required: true }),
    },
    resolve: async (_r, args, ctx, info) => {
      const session = sessionOf(ctx);
      const { revoked } = await ctx.services.login.changePassword(
        session,
        args.currentPassword,
        args.newPassword,
      );
      auditNote(ctx, String(info.path.key), {
        target: `user:${session.username}`,
        detail: `revoked ${revoked.length} other sessions`,
      });
      return currentUser(ctx);
    },
  }),
  revokeUiSession: t.boolean({
    description: "Revokes one of the user's sessions by its public id",
    args: { id: t.arg.string({ required: true }) },
    resolve: async (_r, args, ctx) => {
      const session = sessionOf(ctx);
      const rows = await ctx.services.sessions.listLive(session.userId);
      const row = rows.find((r) => publicSessionId(r.id) === args.id);
      if (!row) throw new SentinelError("NOT_FOUND", "No such live session");
      await ctx.services.sessions.revoke(row.id);
      if (row.id === session.id) clearCookie(ctx);
      return true;
    },
  }),
}));
