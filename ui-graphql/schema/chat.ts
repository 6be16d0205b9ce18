import { builder } from "../builder.ts";
import type { SentinelChat } from "../sentinel-client.ts";

const ChatRef = builder.objectRef<SentinelChat>("Chat").implement({
  description: "A dialog the worker sees, with its include/exclude state (GET /api/chats)",
  fields: (t) => ({
    id: t.exposeString("id", { description: "Marked peer id (channels -100…)" }),
    title: t.exposeString("title"),
    type: t.string({ nullable: true, resolve: (c) => c.type ?? null }),
    username: t.string({ nullable: true, resolve: (c) => c.username ?? null }),
    included: t.boolean({ resolve: (c) => c.included ?? true }),
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
