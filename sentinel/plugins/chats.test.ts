import fs from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import type { NormalizedMessage } from "../ingestion/message.ts";
import type { DialogInfo } from "../telegram/gateway.ts";
import { authHeaders, buildTestApp, makeTempDir, type TestApp } from "../testing/sentinel-fixture.ts";

let t: TestApp | undefined;
let dir: string | undefined;
afterEach(async () => {
  await t?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  t = dir = undefined;
});

const NEWS: DialogInfo = {
  id: "-1001",
  title: "News",
  type: "channel",
  username: "news",
  topMessageId: 0,
  lastMessageAt: null,
};
const NOISE: DialogInfo = { ...NEWS, id: "-1002", title: "Noise", username: null };
// Excluded by the config file; the user's choice must win over it.
const YAML = "chats:\n  exclude: [Noise]\n";

let nextId = 0;
function message(chat: DialogInfo): NormalizedMessage {
  nextId += 1;
  return {
    chatId: chat.id,
    chatTitle: chat.title,
    chatType: chat.type,
    chatUsername: chat.username,
    messageId: nextId,
    senderId: "5",
    senderUsername: null,
    senderName: "Bob",
    text: `message ${nextId}`,
    date: new Date(),
    editDate: null,
    replyToMsgId: null,
    forwardFrom: null,
    link: null,
    mentionsMe: false,
    reactions: 0,
    forwards: 0,
  };
}

async function start(): Promise<TestApp> {
  const app = await buildTestApp({ dir, yaml: YAML, digestTimer: false });
  app.gateway.dialogs = [NEWS, NOISE];
  await app.app.ready();
  await app.app.ingestion.catchUp();
  return app;
}

/** Accepts one message from each chat and returns the chats whose message was stored. */
async function stored(app: TestApp): Promise<string[]> {
  const sent = [message(NEWS), message(NOISE)];
  for (const m of sent) await app.app.ingestion.accept(m);
  await app.app.ingestion.flush();
  const rows = await app.app.prisma.message.findMany({
    where: { messageId: { in: sent.map((m) => m.messageId) } },
    select: { chatId: true },
  });
  return rows.map((r) => r.chatId).sort();
}

async function patch(app: TestApp, id: string, body: unknown, headers = authHeaders()) {
  return app.app.inject({ method: "PATCH", url: `/api/chats/${id}`, headers, payload: body as object });
}

async function listed(app: TestApp) {
  const res = await app.app.inject({ method: "GET", url: "/api/chats", headers: authHeaders() });
  return res.json().data.chats as Array<{ id: string; included: boolean; included_override: boolean | null }>;
}

describe("PATCH /api/chats/:id", () => {
  it("includes and excludes chats for ingestion at once, over the config, and across restarts", async () => {
    dir = makeTempDir();
    t = await start();
    expect(await stored(t)).toEqual([NEWS.id]);
    expect(await listed(t)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: NOISE.id, included: false, included_override: null }),
        expect.objectContaining({ id: NEWS.id, included: true, included_override: null }),
      ]),
    );

    const include = await patch(t, NOISE.id, { included: true });
    expect(include.statusCode).toBe(200);
    expect(include.json().data.chat).toMatchObject({ id: NOISE.id, included: true, included_override: true });
    expect(include.json().data.chat.included_override_at).toEqual(expect.any(String));
    const exclude = await patch(t, NEWS.id, { included: false });
    expect(exclude.json().data.chat).toMatchObject({
      id: NEWS.id,
      included: false,
      included_override: false,
    });
    expect(await stored(t)).toEqual([NOISE.id]);

    // A dialog sync (every reconnect) recomputes the config rules, but the choices stand.
    await t.app.ingestion.catchUp();
    expect(await stored(t)).toEqual([NOISE.id]);

    await t.close();
    t = await start();
    expect(await stored(t)).toEqual([NOISE.id]);
    expect(await listed(t)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: NOISE.id, included: true, included_override: true }),
        expect.objectContaining({ id: NEWS.id, included: false, included_override: false }),
      ]),
    );
  });

  it("answers 404 for an unknown chat and 400 for a bad id or body, and needs the token", async () => {
    t = await start();
    const unknown = await patch(t, "-1009", { included: true });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().code).toBe("NOT_FOUND");
    for (const [id, body] of [
      ["news", { included: true }],
      [NEWS.id, { included: "yes" }],
      [NEWS.id, { included: true, extra: 1 }],
      [NEWS.id, {}],
    ] as const) {
      const res = await patch(t, id, body);
      expect(res.statusCode).toBe(400);
      expect(res.json().code).toBe("VALIDATION_FAILED");
    }
    const anonymous = await patch(t, NEWS.id, { included: false }, {});
    expect(anonymous.statusCode).toBe(401);
    expect((await listed(t)).find((c) => c.id === NEWS.id)?.included).toBe(true);
  });
});
