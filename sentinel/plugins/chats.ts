/**
 * `GET /api/chats`: the monitored dialogs as synced from Telegram (or the export), with their
 * include state and what was stored from each. `data.chats`: [{id, title, type, username,
 * included, included_override, included_override_at, message_count, last_message_id,
 * last_message_at}], most recently active first. `included` is what ingestion applies: the user's
 * override when one is set, else chats.include / chats.exclude.
 *
 * `PATCH /api/chats/:id` `{ included: boolean }`: the user's choice for one chat, stored in
 * sentinel.db (it survives restarts and wins over the config rules) and applied by ingestion to
 * the next message. Answers the updated chat; 404 NOT_FOUND for a chat the sentinel never saw.
 * Each change is logged as an audit line (chat, choice, request id).
 */
import { ok, SentinelError } from "@tgsentinel/contract/envelope.ts";
import type { FastifyPluginAsync } from "fastify";
import fp from "fastify-plugin";
import { z } from "zod";

const CHAT_ID = /^-?\d{1,20}$/;
const patchBody = z.strictObject({ included: z.boolean() });

const chats: FastifyPluginAsync = async (app) => {
  app.get("/api/chats", async () => {
    const list = await app.ingestion.listChats();
    return ok({ chats: list, total: list.length, included: list.filter((c) => c.included).length });
  });

  app.patch<{ Params: { id: string } }>("/api/chats/:id", async (request) => {
    const { id } = request.params;
    if (!CHAT_ID.test(id))
      throw new SentinelError("VALIDATION_FAILED", "id must be a marked chat id such as -1001234567890", {
        details: [{ path: "id", message: "must be a marked chat id" }],
      });
    const body = patchBody.safeParse(request.body);
    if (!body.success)
      throw new SentinelError("VALIDATION_FAILED", 'The body must be {"included": true|false}', {
        details: body.error.issues.map((issue) => ({
          path: issue.path.join(".") || "body",
          message: issue.message,
        })),
      });
    const chat = await app.ingestion.setChatIncluded(id, body.data.included);
    if (!chat) throw new SentinelError("NOT_FOUND", `No chat with id ${id}`);
    request.log.info(
      { audit: "chat_included", chat_id: id, included: chat.included },
      chat.included ? "chat included by the user" : "chat excluded by the user",
    );
    return ok({ chat }, chat.included ? "Chat included" : "Chat excluded");
  });
};

export default fp(chats, { name: "chats", dependencies: ["ingestion"], fastify: "5.x" });
