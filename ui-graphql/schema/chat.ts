import { SentinelError } from "@tgsentinel/contract/envelope.ts";
import { auditNote } from "../audit-mutations.ts";
import { builder } from "../builder.ts";
import type { SentinelChat } from "../sentinel-client.ts";

const CHAT_ID = /^-?\d{1,20}$/;

const ChatRef = builder.objectRef<SentinelChat>("Chat").implement({
  description: "A dialog the worker sees, with its include/exclude state (GET /api/chats)",
  fields: (t) => ({
    id: t.exposeString("id", { description: "Marked peer id (channels -100…)" }),
    title: t.exposeString("title"),
    type: t.string({ nullable: true, resolve: (c) => c.type ?? null }),
    username: t.string({ nullable: true, resolve: (c) => c.username ?? null }),
    included: t.boolean({
      description:
        "Whether its messages are ingested and scored: your choice if you made one, else the config",
      resolve: (c) => c.included ?? true,
    }),
    includedOverride: t.boolean({
      nullable: true,
      description: "Your choice (setChatIncluded), or null when the config's include/exclude lists decide",
      resolve: (c) => c.included_override ?? null,
    }),
    messageCount: t.int({ nullable: true, resolve: (c) => c.message_count ?? null }),
    lastMessageAt: t.field({
      type: "DateTime",
      nullable: true,
      resolve: (c) => (c.last_message_at ? new Date(c.last_message_at) : null),
    }),
  }),
});

builder.queryField("chats", (t) =>
  t.field({ type: [ChatRef], resolve: (_r, _a, ctx) => ctx.services.sentinel.chats() }),
);

builder.mutationField("setChatIncluded", (t) =>
  t.field({
    type: ChatRef,
    description:
      "Includes or excludes a chat from monitoring (PATCH /api/chats/:id). Applied by the worker to the next message, kept across restarts, and wins over the config's lists",
    args: {
      chatId: t.arg.string({ required: true }),
      included: t.arg.boolean({ required: true }),
    },
    resolve: async (_r, args, ctx, info) => {
      if (!CHAT_ID.test(args.chatId))
        throw new SentinelError(
          "VALIDATION_FAILED",
          "chatId must be a marked chat id such as -1001234567890",
          {
            details: [{ path: ["chatId"], message: "invalid chat id" }],
          },
        );
      auditNote(ctx, String(info.path.key), { detail: args.included ? "included" : "excluded" });
      return ctx.services.sentinel.setChatIncluded(args.chatId, args.included);
    },
  }),
);
