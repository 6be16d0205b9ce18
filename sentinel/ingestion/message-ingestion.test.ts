import type { WorkerStatusData } from "@tgsentinel/contract/events.ts";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type DialogInfo,
  type GatewayReady,
  idleStatus,
  type MessageListener,
  type TelegramGateway,
} from "../telegram/gateway.ts";
import { createTempSentinelDb, type TempSentinelDb } from "../testing/temp-sentinel-db.ts";
import type { NormalizedMessage } from "./message.ts";
import { MessageIngestion } from "./message-ingestion.ts";
import { MessageStore } from "./message-store.ts";

const silent = { debug() {}, info() {}, warn() {}, error() {} };

function message(chatId: string, messageId: number, text = `message ${messageId}`): NormalizedMessage {
  return {
    chatId,
    chatTitle: chatId === "-100111" ? "Alpha" : "Beta",
    chatType: "channel",
    chatUsername: null,
    messageId,
    senderId: null,
    senderUsername: null,
    senderName: null,
    text,
    date: new Date(1_700_000_000_000 + messageId * 1000),
    editDate: null,
    replyToMsgId: null,
    forwardFrom: null,
    link: null,
    mentionsMe: false,
    reactions: 0,
    forwards: 0,
  };
}

/** A scripted TelegramGateway: history per chat, pushes messages and status changes on demand. */
class ScriptedGateway implements TelegramGateway {
  readonly source = "telegram" as const;
  current: WorkerStatusData = idleStatus();
  history = new Map<string, NormalizedMessage[]>();
  historyCalls: Array<{ chatId: string; minId: number; limit: number }> = [];
  private readonly messageListeners = new Set<MessageListener>();
  private readonly statusListeners = new Set<(s: WorkerStatusData) => void>();
  private readonly readyListeners = new Set<(r: GatewayReady) => void | Promise<void>>();

  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  status(): WorkerStatusData {
    return this.current;
  }
  onStatus(listener: (s: WorkerStatusData) => void) {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }
  onMessage(listener: MessageListener) {
    this.messageListeners.add(listener);
    return () => this.messageListeners.delete(listener);
  }
  onReady(listener: (r: GatewayReady) => void | Promise<void>) {
    this.readyListeners.add(listener);
    return () => this.readyListeners.delete(listener);
  }
  async listDialogs(): Promise<DialogInfo[]> {
    return [...this.history].map(([id, list]) => ({
      id,
      title: id === "-100111" ? "Alpha" : "Beta",
      type: "channel" as const,
      username: null,
      topMessageId: list.at(-1)?.messageId ?? 0,
      lastMessageAt: list.at(-1)?.date ?? null,
    }));
  }
  async fetchHistory(
    chatId: string,
    options: { minId: number; limit: number },
  ): Promise<NormalizedMessage[]> {
    this.historyCalls.push({ chatId, ...options });
    const all = this.history.get(chatId) ?? [];
    return options.minId > 0
      ? all.filter((m) => m.messageId > options.minId).slice(0, options.limit)
      : all.slice(-options.limit);
  }
  async sendMessage(): Promise<{ messageId: number }> {
    return { messageId: 1 };
  }
  floodWaits() {
    return [];
  }

  async push(m: NormalizedMessage): Promise<void> {
    const list = this.history.get(m.chatId) ?? [];
    list.push(m);
    this.history.set(m.chatId, list);
    for (const listener of this.messageListeners) await listener(m, "new");
  }
  setConnected(connected: boolean): void {
    this.current = { ...this.current, authorized: true, connected };
    for (const listener of this.statusListeners) listener(this.current);
  }
  async ready(reconnect: boolean): Promise<void> {
    for (const listener of this.readyListeners) await listener({ reconnect, at: new Date() });
  }
}

describe("MessageIngestion", () => {
  let db: TempSentinelDb;
  let gateway: ScriptedGateway;
  let ingestion: MessageIngestion;

  beforeEach(async () => {
    db = await createTempSentinelDb();
    gateway = new ScriptedGateway();
  });

  afterEach(async () => {
    await ingestion.close();
    await db.dispose();
  });

  it("stores a burst of 10,000 messages exactly once, in batches, with at most INGEST_QUEUE_MAX held in memory", async () => {
    ingestion = new MessageIngestion({
      gateway,
      store: new MessageStore(db.prisma, db.writer),
      chats: { include: [], exclude: [] },
      maxMessagesPerChat: 200,
      log: silent,
    });
    const handed: number[] = [];
    ingestion.onIngested((batch) => {
      handed.push(batch.length);
    });
    const started = performance.now();
    const burst = Array.from({ length: 10_000 }, (_, i) =>
      ingestion.accept(message(i % 2 === 0 ? "-100111" : "-100222", i + 1)),
    );
    await Promise.all(burst);
    await ingestion.flush();
    const elapsedMs = performance.now() - started;

    expect(await db.prisma.message.count()).toBe(10_000);
    const stats = ingestion.stats();
    expect(stats.messages_ingested).toBe(10_000);
    expect(stats.messages_per_minute).toBe(10_000);
    expect(stats.queue.high_water).toBeLessThanOrEqual(5_000);
    expect(stats.queue.depth).toBe(0);
    expect(handed.reduce((a, b) => a + b, 0)).toBe(10_000);
    expect(Math.max(...handed)).toBeLessThanOrEqual(500);
    const chats = await ingestion.listChats();
    expect(chats.map((c) => [c.id, c.message_count]).sort()).toEqual([
      ["-100111", 5_000],
      ["-100222", 5_000],
    ]);
    // Replaying the whole burst adds nothing.
    await Promise.all(
      Array.from({ length: 10_000 }, (_, i) =>
        ingestion.accept(message(i % 2 === 0 ? "-100111" : "-100222", i + 1)),
      ),
    );
    await ingestion.flush();
    expect(await db.prisma.message.count()).toBe(10_000);
    expect(ingestion.stats().messages_ingested).toBe(10_000);
    console.info(
      `10,000 messages stored in ${Math.round(elapsedMs)} ms (high water ${stats.queue.high_water})`,
    );
  });

  it("stores the next batch while the previous one is handed on, never more than one ahead, in order", async () => {
    ingestion = new MessageIngestion({
      gateway,
      store: new MessageStore(db.prisma, db.writer),
      chats: { include: [], exclude: [] },
      maxMessagesPerChat: 0,
      log: silent,
      batchSize: 2,
    });
    const handed: number[][] = [];
    let release!: () => void;
    let blocked = new Promise<void>((resolve) => {
      release = resolve;
    });
    ingestion.onIngested(async (batch) => {
      handed.push(batch.map((m) => m.messageId));
      if (handed.length === 1) await blocked;
    });
    // The first push starts a write of [1] at once; the rest queue up: [2, 3], [4, 5], [6].
    await Promise.all([1, 2, 3, 4, 5, 6].map((id) => ingestion.accept(message("-100111", id))));
    let flushed = false;
    const flush = ingestion.flush().then(() => {
      flushed = true;
    });
    const stored = async () =>
      (await db.prisma.message.findMany({ orderBy: { messageId: "asc" } })).map((m) => m.messageId);
    // [2, 3] is stored while [1] is still handed on; [4, 5] waits for that.
    while ((await stored()).length < 3) await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await stored()).toEqual([1, 2, 3]);
    expect(handed).toEqual([[1]]);
    expect(flushed).toBe(false);
    release();
    blocked = Promise.resolve();
    await flush;
    expect(await stored()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(handed).toEqual([[1], [2, 3], [4, 5], [6]]);
  });

  it("backfills from the last message stored before a dropped connection, even after live messages arrived", async () => {
    ingestion = new MessageIngestion({
      gateway,
      store: new MessageStore(db.prisma, db.writer),
      chats: { include: [], exclude: [] },
      maxMessagesPerChat: 50,
      log: silent,
    });
    ingestion.start();
    gateway.setConnected(true);
    await gateway.ready(false);
    await ingestion.catchUp();
    for (let id = 1; id <= 5; id += 1) await gateway.push(message("-100111", id));
    await ingestion.flush();

    gateway.setConnected(false);
    // Sent while we were away: Telegram has them, we did not receive them.
    gateway.history.get("-100111")!.push(message("-100111", 6), message("-100111", 7));
    gateway.setConnected(true);
    // A live message arrives right after the reconnect, before the backfill ran.
    await gateway.push(message("-100111", 8));
    await ingestion.flush();
    await gateway.ready(true);
    await ingestion.catchUp();
    await ingestion.flush();

    expect(gateway.historyCalls).toContainEqual({ chatId: "-100111", minId: 5, limit: 50 });
    const ids = (await db.prisma.message.findMany({ orderBy: { messageId: "asc" } })).map((m) => m.messageId);
    expect(ids).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(ingestion.stats().backfill).toMatchObject({
      state: "done",
      chats_total: 1,
      chats_done: 1,
      messages_fetched: 3,
    });
  });

  it("syncs dialogs with their include state and backfills only included chats with something new", async () => {
    ingestion = new MessageIngestion({
      gateway,
      store: new MessageStore(db.prisma, db.writer),
      chats: { include: [], exclude: ["Beta"] },
      maxMessagesPerChat: 2,
      log: silent,
    });
    gateway.history.set(
      "-100111",
      [1, 2, 3].map((id) => message("-100111", id)),
    );
    gateway.history.set(
      "-100222",
      [1, 2].map((id) => message("-100222", id)),
    );
    ingestion.start();
    gateway.setConnected(true);
    await gateway.ready(false);
    await ingestion.catchUp();
    await ingestion.flush();

    const chats = await ingestion.listChats();
    expect(chats.map((c) => [c.title, c.included])).toEqual(
      expect.arrayContaining([
        ["Alpha", true],
        ["Beta", false],
      ]),
    );
    expect(gateway.historyCalls).toEqual([{ chatId: "-100111", minId: 0, limit: 2 }]);
    expect((await db.prisma.message.findMany()).map((m) => [m.chatId, m.messageId])).toEqual([
      ["-100111", 2],
      ["-100111", 3],
    ]);
    // Nothing new: a second connect makes no history request at all.
    gateway.historyCalls = [];
    await gateway.ready(true);
    await ingestion.catchUp();
    expect(gateway.historyCalls).toEqual([]);
  });
});
