import { SentinelError } from "@tgsentinel/contract/envelope.ts";
import { auditNote } from "../audit-mutations.ts";
import { builder } from "../builder.ts";
import type { SessionUpdatedView } from "../pubsub.ts";
import type { SessionUploadOutcome } from "../session-upload.ts";
import { TelegramUserRef, WorkerStatusRef } from "./worker-status.ts";

const OperationErrorRef = builder.objectRef<{ code: string; message: string }>("OperationError").implement({
  description: "A problem that did not fail the whole operation",
  fields: (t) => ({ code: t.exposeString("code"), message: t.exposeString("message") }),
});

const UploadSessionResultRef = builder.objectRef<SessionUploadOutcome>("UploadSessionResult").implement({
  description: "What a session upload achieved",
  fields: (t) => ({
    imported: t.exposeBoolean("imported", { description: "The sentinel accepted and stored the session" }),
    authorized: t.exposeBoolean("authorized", {
      description: "The worker reported an authorized Telegram session",
    }),
    sessionSize: t.exposeInt("sessionSize"),
    importedAt: t.field({ type: "DateTime", nullable: true, resolve: (r) => r.importedAt }),
    status: t.field({ type: WorkerStatusRef, nullable: true, resolve: (r) => r.status }),
    user: t.field({ type: TelegramUserRef, nullable: true, resolve: (r) => r.status?.user ?? null }),
    error: t.field({ type: OperationErrorRef, nullable: true, resolve: (r) => r.error }),
  }),
});

const SessionEventRef = builder.objectRef<SessionUpdatedView>("SessionEvent").implement({
  description: "The sentinel's Telegram session was imported or removed",
  fields: (t) => ({
    action: t.exposeString("action", { description: '"imported" or "removed"' }),
    size: t.exposeInt("size"),
    importedAt: t.field({ type: "DateTime", resolve: (e) => e.importedAt }),
    at: t.field({ type: "DateTime", resolve: (e) => e.at }),
  }),
});

builder.mutationFields((t) => ({
  uploadSession: t.field({
    type: UploadSessionResultRef,
    description:
      "Uploads a Telethon .session file (GraphQL multipart request; at most 10 MiB). It is checked, forwarded " +
      "to the sentinel, then the worker's authorization is awaited (up to 60 s).",
    args: { file: t.arg({ type: "Upload", required: true }) },
    resolve: async (_r, args, ctx, info) => {
      const file = await args.file;
      if (!file || typeof file.createReadStream !== "function") {
        throw new SentinelError("BAD_REQUEST", "Send the file as a GraphQL multipart request");
      }
      const filename = String(file.filename ?? "upload.session").slice(0, 100);
      auditNote(ctx, String(info.path.key), { target: `file:${filename}` });
      const outcome = await ctx.services.uploads.upload(file.createReadStream(), filename);
      auditNote(ctx, String(info.path.key), {
        detail: `size=${outcome.sessionSize} authorized=${outcome.authorized}${outcome.error ? ` ${outcome.error.code}` : ""}`,
      });
      return outcome;
    },
  }),
  logoutTelegram: t.field({
    type: WorkerStatusRef,
    description: "Logs the worker out of Telegram (DELETE /api/session) and returns the new status",
    resolve: async (_r, _a, ctx) => {
      await ctx.services.sentinel.deleteSession();
      return ctx.services.worker.current();
    },
  }),
}));

builder.subscriptionField("sessionUpdated", (t) =>
  t.field({
    type: SessionEventRef,
    subscribe: (_r, _a, ctx) => ctx.services.pubsub.subscribe("sessionUpdated"),
    resolve: (event) => event,
  }),
);
