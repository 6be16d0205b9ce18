/**
 * MessageStore.saveBatch on a real sentinel.db file: idempotent on (chat, message id), edits
 * stored and due for re-scoring, per-chat counters exact, and a batch that fails half-way leaves
 * nothing behind (so the queue's retry stores it exactly once).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PrismaSqlite } from "../db/sqlite-library.ts";
import { IdleGateway } from "../telegram/idle-gateway.ts";
import { chatMessage } from "../testing/alerting-fixture.ts";
import { createTempSentinelDb, type TempSentinelDb } from "../testing/temp-sentinel-db.ts";
import { MessageIngestion } from "./message-ingestion.ts";
import { MessageStore } from "./message-store.ts";

describe("MessageStore", () => {
  let db: TempSentinelDb;
  let store: MessageStore;

  beforeEach(async () => {
    db = await createTempSentinelDb("message-store-");
    store = new MessageStore(db.prisma, db.writer);
  });
  afterEach(async () => {
    await db.dispose();
  });

  const messages = () => db.prisma.message.findMany({ orderBy: [{ chatId: "asc" }, { messageId: "asc" }] });
  const chat = (id: string) => db.prisma.chat.findUniqueOrThrow({ where: { id } });

  it("stores new messages once and counts them per chat; replays are unchanged, not counted again", async () => {
    const first = await store.saveBatch([
      chatMessage("-1001", 1, "one"),
      chatMessage("-1001", 2, "two"),
      chatMessage("-1002", 7, "seven"),
    ]);
    expect(first.inserted.map((m) => m.messageId)).toEqual([1, 2, 7]);
    expect(first).toMatchObject({ updated: [], unchanged: 0 });

    const again = await store.saveBatch([chatMessage("-1001", 2, "two"), chatMessage("-1001", 3, "three")]);
    expect(again.inserted.map((m) => m.messageId)).toEqual([3]);
    expect(again).toMatchObject({ updated: [], unchanged: 1 });

    const rows = await messages();
    expect(rows.map((m) => `${m.chatId}/${m.messageId}:${m.text}`)).toEqual([
      "-1001/1:one",
      "-1001/2:two",
      "-1001/3:three",
      "-1002/7:seven",
    ]);
    expect(rows[0]).toMatchObject({
      senderId: "42",
      senderUsername: "alice",
      senderName: "Alice",
      date: chatMessage("-1001", 1, "").date,
      editDate: null,
      link: "https://t.me/c/1/1",
      mentionsMe: false,
      scoredAt: null,
    });
    expect(await chat("-1001")).toMatchObject({
      title: "Crypto News",
      type: "channel",
      messageCount: 3,
      lastMessageId: 3,
      lastMessageAt: chatMessage("-1001", 3, "").date,
    });
    expect(await chat("-1002")).toMatchObject({ messageCount: 1, lastMessageId: 7 });
  });

  it("keeps the latest version of a message that appears twice in one batch", async () => {
    const saved = await store.saveBatch([
      chatMessage("-1001", 1, "draft"),
      chatMessage("-1001", 1, "final", { editDate: new Date("2026-03-01T12:05:00Z") }),
    ]);
    expect(saved.inserted.map((m) => m.text)).toEqual(["final"]);
    expect((await messages()).map((m) => m.text)).toEqual(["final"]);
    expect((await chat("-1001")).messageCount).toBe(1);
  });

  it("stores an edit and clears scored_at; new counts alone are stored and keep scored_at", async () => {
    await store.saveBatch([chatMessage("-1001", 1, "before"), chatMessage("-1001", 2, "steady")]);
    await db.prisma.message.updateMany({ data: { scoredAt: new Date("2026-03-01T13:00:00Z") } });

    const edited = await store.saveBatch([
      chatMessage("-1001", 1, "after", { editDate: new Date("2026-03-01T14:00:00Z") }),
      chatMessage("-1001", 2, "steady", { reactions: 5, forwards: 2, mentionsMe: true }),
    ]);
    expect(edited.updated.map((m) => m.messageId)).toEqual([1]);
    expect(edited).toMatchObject({ inserted: [], unchanged: 1 });

    const [one, two] = await messages();
    expect(one).toMatchObject({ text: "after", editDate: new Date("2026-03-01T14:00:00Z"), scoredAt: null });
    expect(two).toMatchObject({
      text: "steady",
      reactions: 5,
      forwards: 2,
      mentionsMe: true,
      scoredAt: new Date("2026-03-01T13:00:00Z"),
    });
    // Edits are not new messages.
    expect((await chat("-1001")).messageCount).toBe(2);
  });

  it("never lets an unknown title (the chat id) overwrite a known one", async () => {
    await store.saveBatch([chatMessage("-1001", 1, "x")]);
    await store.saveBatch([chatMessage("-1001", 2, "y", { chatTitle: "-1001", chatType: "group" })]);
    expect(await chat("-1001")).toMatchObject({ title: "Crypto News", type: "channel", messageCount: 2 });
  });

  it("rolls a failing batch back whole: no message of it, no counter moved, and a retry stores it once", async () => {
    await store.saveBatch([chatMessage("-1001", 1, "kept")]);
    // A real SQLite failure half-way through the batch, from another connection to the file.
    const other = new PrismaSqlite(db.file);
    other.exec(`CREATE TRIGGER fail_on_3 BEFORE INSERT ON messages WHEN NEW.message_id = 3
                BEGIN SELECT RAISE(ABORT, 'disk says no'); END`);
    const batch = [
      chatMessage("-1001", 2, "two"),
      chatMessage("-1001", 3, "three"),
      chatMessage("-1002", 1, "x"),
    ];
    await expect(store.saveBatch(batch)).rejects.toThrow(/disk says no/);
    expect((await messages()).map((m) => m.messageId)).toEqual([1]);
    expect(await chat("-1001")).toMatchObject({ messageCount: 1, lastMessageId: 1 });
    expect(await db.prisma.chat.count({ where: { id: "-1002" } })).toBe(0);

    other.exec("DROP TRIGGER fail_on_3");
    other.close();
    const retried = await store.saveBatch(batch);
    expect(retried.inserted).toHaveLength(3);
    expect((await messages()).map((m) => `${m.chatId}/${m.messageId}`)).toEqual([
      "-1001/1",
      "-1001/2",
      "-1001/3",
      "-1002/1",
    ]);
    expect(await chat("-1001")).toMatchObject({ messageCount: 3, lastMessageId: 3 });
  });

  it("through the ingestion queue: a batch that keeps failing is retried until it is stored, exactly once", async () => {
    const other = new PrismaSqlite(db.file);
    other.exec(`CREATE TRIGGER fail_all BEFORE INSERT ON messages BEGIN SELECT RAISE(ABORT, 'full'); END`);
    const errors: number[] = [];
    const ingestion = new MessageIngestion({
      gateway: new IdleGateway("test"),
      store,
      chats: { include: [], exclude: [] },
      maxMessagesPerChat: 0,
      log: {
        debug() {},
        info() {},
        warn() {},
        error: (obj) => errors.push((obj as { attempt: number }).attempt),
      },
    });
    const hooked: number[] = [];
    ingestion.onIngested((batch) => hooked.push(...batch.map((m) => m.messageId)));
    for (let id = 1; id <= 4; id += 1) await ingestion.accept(chatMessage("-1001", id, `m${id}`));
    while (errors.length < 2) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await db.prisma.message.count()).toBe(0);
    other.exec("DROP TRIGGER fail_all");
    other.close();
    await ingestion.flush();
    expect((await messages()).map((m) => m.messageId)).toEqual([1, 2, 3, 4]);
    expect(hooked).toEqual([1, 2, 3, 4]);
    expect((await chat("-1001")).messageCount).toBe(4);
    expect(ingestion.stats().messages_ingested).toBe(4);
    await ingestion.close();
  });
});
