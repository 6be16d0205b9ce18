import type { WorkerStatusData } from "@tgsentinel/contract/events.ts";
import type { DialogInfo, TelegramGateway } from "../telegram/gateway.ts";
import { planBackfill, runBackfill } from "./backfill.ts";
import { type ChatSelectionRules, chatSelection, type SelectableChat } from "./chat-selection.ts";
import {
  type BackfillProgress,
  IngestionCounters,
  type IngestionStatsSnapshot,
  idleBackfill,
} from "./ingestion-stats.ts";
import type { NormalizedMessage } from "./message.ts";
import type { ChatRow, MessageStore } from "./message-store.ts";
import { INGEST_BATCH_MAX, INGEST_QUEUE_MAX, IngestQueue, IngestQueueClosedError } from "./queue.ts";

/**
 * Called with every batch once it is stored: new messages and edited ones (to be scored again).
 * The scoring/alerts plugin subscribes here; until one does, messages are only stored and counted.
 * Batches arrive one at a time, in order; the next batch may be stored while a hook still works
 * on the previous one.
 */
export type IngestedHook = (batch: NormalizedMessage[]) => unknown;

export interface IngestionLog {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Options of {@link MessageIngestion}. */
export interface MessageIngestionOptions {
  gateway: TelegramGateway;
  store: MessageStore;
  /** chats.include / chats.exclude from the config file. */
  chats: ChatSelectionRules;
  /** backfill.max_messages_per_chat (0 disables backfill). */
  maxMessagesPerChat: number;
  log: IngestionLog;
  /** Queue capacity (default INGEST_QUEUE_MAX) and batch size (default INGEST_BATCH_MAX). */
  queueMax?: number;
  batchSize?: number;
  /** Dialogs synced per connect (default: the gateway's). */
  dialogLimit?: number;
}

/**
 * Message ingestion: every message the gateway delivers (live or backfilled) for an included
 * chat goes through one bounded queue into sentinel.db (one transaction per batch, idempotent
 * on chat + message id), and only then to the `onIngested` hooks. On every (re)connect the
 * dialog list is synced into `chats` and each chat is caught up from the last message stored
 * before the connection went away.
 */
export class MessageIngestion {
  private readonly queue: IngestQueue<NormalizedMessage>;
  private readonly counters = new IngestionCounters();
  private readonly hooks = new Set<IngestedHook>();
  private readonly skips = new Set<(message: NormalizedMessage) => boolean>();
  private readonly byRules: (chat: SelectableChat) => boolean;
  /** The user's include/exclude choices by chat id; they win over the config rules. */
  private overrides = new Map<string, boolean>();
  private readonly unsubscribe: Array<() => void> = [];
  private readonly progress: BackfillProgress = idleBackfill();
  /**
   * Per chat, the last message id stored before the current gap (downtime or a dropped
   * connection); live messages arriving after a reconnect do not move it, so backfill still
   * starts before them. Kept until a backfill run completes.
   */
  private gapCursors: Promise<Map<string, number>> | null = null;
  /** Per chat, the newest message id stored before start (read once by `start()`). */
  private storedAtStart: Promise<Map<string, number>> = Promise.resolve(new Map());
  /**
   * Per chat, the newest message id accepted into the queue since start (the queue never drops
   * one, so each is stored or about to be). Together with `storedAtStart` it says where a gap
   * starts at the very moment the connection drops, whatever the queue and SQLite are doing.
   */
  private readonly acceptedMax = new Map<string, number>();
  private cycle = 0;
  private running: Promise<void> = Promise.resolve();
  /** The hooks of the last stored batch; never rejects. */
  private handedOn: Promise<void> = Promise.resolve();
  private wasConnected = false;
  private closed = false;

  constructor(private readonly options: MessageIngestionOptions) {
    this.byRules = chatSelection(options.chats);
    this.queue = new IngestQueue<NormalizedMessage>({
      max: options.queueMax ?? INGEST_QUEUE_MAX,
      batchSize: options.batchSize ?? INGEST_BATCH_MAX,
      write: (batch) => this.write(batch),
      onWriteError: (error, attempt) =>
        options.log.error(
          { error: errorMessage(error), attempt },
          "storing a message batch failed; retrying",
        ),
    });
  }

  /** Reads the user's include/exclude overrides from sentinel.db. Call before `start()`. */
  async loadOverrides(): Promise<void> {
    this.overrides = await this.options.store.includedOverrides();
  }

  /**
   * Includes or excludes a chat by the user's choice, stored (it survives restarts and wins over
   * chats.include/exclude) and applied to the next message accepted. Null for an unknown chat.
   */
  async setChatIncluded(chatId: string, included: boolean, at = new Date()): Promise<ChatRow | null> {
    const row = await this.options.store.setIncluded(chatId, included, at);
    if (row) this.overrides.set(chatId, included);
    return row;
  }

  /** Subscribes to the gateway. Call once, before the gateway is started. */
  start(): void {
    const { gateway } = this.options;
    this.storedAtStart = this.options.store.lastMessageIds();
    this.gapCursors = this.storedAtStart;
    this.wasConnected = gateway.status().connected;
    this.unsubscribe.push(
      gateway.onMessage((message) => this.accept(message)),
      gateway.onStatus((status) => this.statusChanged(status)),
      gateway.onReady(() => {
        void this.catchUp();
      }),
    );
  }

  /** Adds a hook called with each stored batch. Returns an unsubscribe. */
  onIngested(hook: IngestedHook): () => void {
    this.hooks.add(hook);
    return () => this.hooks.delete(hook);
  }

  /**
   * Adds a predicate: messages it matches are neither stored nor scored (the delivery plugin
   * skips the alerts it sent itself, so a delivered alert never alerts again). Returns a removal.
   */
  skipWhen(predicate: (message: NormalizedMessage) => boolean): () => void {
    this.skips.add(predicate);
    return () => this.skips.delete(predicate);
  }

  /** Queues a message for storage (waits while the queue is full). Excluded chats are dropped. */
  async accept(message: NormalizedMessage): Promise<void> {
    if (this.closed) return;
    if (!this.isIncluded({ id: message.chatId, title: message.chatTitle, username: message.chatUsername }))
      return;
    for (const skip of this.skips) if (skip(message)) return;
    const newest = this.acceptedMax.get(message.chatId);
    if (newest === undefined || message.messageId > newest)
      this.acceptedMax.set(message.chatId, message.messageId);
    try {
      await this.queue.push(message);
    } catch (error) {
      if (!(error instanceof IngestQueueClosedError)) throw error;
    }
  }

  /** Resolves once everything accepted so far is stored and handed on (the hooks are done with it). */
  async flush(): Promise<void> {
    await this.queue.flush();
    await this.handedOn;
  }

  /** Syncs dialogs and backfills now; resolves when that run ends (a newer run cancels it). */
  catchUp(): Promise<void> {
    const cycle = ++this.cycle;
    const previous = this.running;
    const run = previous.then(() => this.syncAndBackfill(cycle));
    this.running = run.catch(() => {});
    return run.catch((error: unknown) => {
      this.options.log.warn(
        { error: errorMessage(error) },
        "dialog sync or backfill failed; retried after the next connect",
      );
    });
  }

  stats(): IngestionStatsSnapshot {
    return {
      source: this.options.gateway.source,
      ...this.counters.snapshot(),
      queue: {
        depth: this.queue.depth,
        max: this.options.queueMax ?? INGEST_QUEUE_MAX,
        high_water: this.queue.highWater,
      },
      backfill: { ...this.progress },
    };
  }

  listChats(): Promise<ChatRow[]> {
    return this.options.store.listChats();
  }

  /** Unsubscribes, stops any backfill, and stores what is queued. */
  async close(): Promise<void> {
    this.closed = true;
    this.cycle += 1;
    for (const unsubscribe of this.unsubscribe.splice(0)) unsubscribe();
    await this.queue.close({ flush: true });
    await this.handedOn;
    await this.running;
  }

  private isIncluded(chat: SelectableChat): boolean {
    return this.overrides.get(chat.id) ?? this.byRules(chat);
  }

  private statusChanged(status: WorkerStatusData): void {
    if (this.wasConnected && !status.connected && !this.gapCursors) {
      // The gap starts after what was received up to now (stored or still queued); messages
      // that arrive later, even if stored before this resolves, do not move it.
      const received = new Map(this.acceptedMax);
      this.gapCursors = this.storedAtStart.then((stored) => {
        const cursors = new Map(stored);
        for (const [chatId, id] of received) if (id > (cursors.get(chatId) ?? 0)) cursors.set(chatId, id);
        return cursors;
      });
    }
    this.wasConnected = status.connected;
  }

  private async syncAndBackfill(cycle: number): Promise<void> {
    if (cycle !== this.cycle || this.closed) return;
    const { gateway, store, log } = this.options;
    const dialogs = await gateway.listDialogs(
      this.options.dialogLimit ? { limit: this.options.dialogLimit } : {},
    );
    await store.syncChats(dialogs, (dialog) => this.isIncluded(dialog));
    const included = dialogs.filter((dialog) => this.isIncluded(dialog)).length;
    log.info({ dialogs: dialogs.length, included }, "dialogs synced");
    if (this.options.maxMessagesPerChat <= 0 || cycle !== this.cycle) return;

    // Within a gap, a chat with nothing stored before it starts from its latest messages.
    const gap = this.gapCursors ? await this.gapCursors : null;
    if (gap) this.gapCursors = Promise.resolve(gap);
    const cursors = gap ?? (await store.lastMessageIds());
    const targets = planBackfill(dialogs, cursors, (dialog: DialogInfo) => this.isIncluded(dialog));

    await runBackfill({
      targets,
      maxPerChat: this.options.maxMessagesPerChat,
      fetchHistory: (chatId, range) => gateway.fetchHistory(chatId, range),
      push: async (message) => this.accept(message),
      progress: this.progress,
      cancelled: () => cycle !== this.cycle || this.closed,
      connected: () => gateway.status().connected,
      log,
    });
    if (this.progress.state === "done" && cycle === this.cycle) this.gapCursors = null;
  }

  private async write(batch: NormalizedMessage[]): Promise<void> {
    const saved = await this.options.store.saveBatch(batch);
    this.counters.recordInserted(saved.inserted);
    this.counters.recordEdited(saved.updated.length);
    const changed = saved.updated.length === 0 ? saved.inserted : [...saved.inserted, ...saved.updated];
    // Stored first, then handed on: a failing hook never causes a re-write or a lost message.
    // Batches are handed on in order, one after another. The queue moves on to store the next
    // batch while this one is handed on (scoring it overlaps with storing the next on the writer
    // thread), but never further: this write returns once the previous batch was handed on.
    const previous = this.handedOn;
    if (changed.length > 0) this.handedOn = previous.then(() => this.handOn(changed));
    await previous;
  }

  /** Calls every hook with a stored batch; a hook's failure is logged, never thrown. */
  private async handOn(changed: NormalizedMessage[]): Promise<void> {
    for (const hook of this.hooks) {
      try {
        await hook(changed);
      } catch (error) {
        this.options.log.error(
          { error: errorMessage(error), messages: changed.length },
          "onIngested hook failed",
        );
      }
    }
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
