/**
 * `GET /api/chats`: the monitored dialogs as synced from Telegram (or the export), with their
 * include state from chats.include / chats.exclude and what was stored from each.
 * `data.chats`: [{id, title, type, username, included, message_count, last_message_id,
 * last_message_at}], most recently active first.
 */
import { ok } from "@tgsentinel/contract/envelope.ts";
import type { FastifyPluginAsync } from "fastify";
import fp from "fastify-plugin";

const chats: FastifyPluginAsync = async (app) => {
  app.get("/api/chats", async () => {
    const list = await app.ingestion.listChats();
    return ok({ chats: list, total: list.length, included: list.filter((c) => c.included).length });
  });
};

export default fp(chats, { name: "chats", dependencies: ["ingestion"], fastify: "5.x" });
