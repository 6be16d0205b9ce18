import type { WorkerStatusData } from "@tgsentinel/contract/events.ts";
import { type ExportChat, type ExportOwner, readTelegramExport } from "../export/telegram-export.ts";
import type { NormalizedMessage } from "../ingestion/message.ts";
import {
  type DialogInfo,
  type GatewayReady,
  type GatewaySession,
  idleStatus,
  type MessageListener,
  type TelegramGateway,
} from "./gateway.ts";

/** The pseudo account an export replay reports as logged in. */
export const EXPORT_USER = { user_id: 0, username: "export", first_name: "Export replay" } as const;

/** A GatewaySession that only starts an ExportSource (it has no key and dials nothing). */
export const EXPORT_SESSION: GatewaySession = {
  sessionString: "",
  dcId: 0,
  serverAddress: "export",
  port: 0,
};

/** Most digests kept in the outbox of an export replay (they are never sent anywhere). */
const OUTBOX_MAX = 100;

export interface ExportSourceOptions {
  /** Path of a Telegram Desktop export's result.json (TG_SOURCE=export:<path>). */
  path: string;
  log: {
    info(obj: object, msg?: string): void;
    warn(obj: object, msg?: string): void;
    error(obj: object, msg?: string): void;
  };
  /** Whose account it is (mention detection); default: the export's personal_information. */
  owner?: ExportOwner;
}

/**
 * A TelegramGateway over a Telegram Desktop export, for a newcomer without a Telegram account:
 * start() reports an authorized pseudo user "export", signals ready (so dialogs are synced and
 * backfilled from the export), then replays every message through `onMessage`, one at a time
 * and awaiting each listener, exactly as live updates arrive. Digests "sent" land in `outbox`.
 */
export class ExportSource implements TelegramGateway {
  readonly source = "export" as const;
  /** Digests that would have been sent (newest last). */
  readonly outbox: Array<{ peer: string; text: string; at: string }> = [];
  private current: WorkerStatusData = idleStatus();
  private chats: ExportChat[] = [];
  private byChat = new Map<string, NormalizedMessage[]>();
  private all: NormalizedMessage[] = [];
  private replayRun = 0;
  private replaying: Promise<void> = Promise.resolve();
  private replayed = 0;
  private readonly statusListeners = new Set<(status: WorkerStatusData) => void>();
  private readonly messageListeners = new Set<MessageListener>();
  private readonly readyListeners = new Set<(ready: GatewayReady) => void | Promise<void>>();

  constructor(private readonly options: ExportSourceOptions) {}

  /** Loads the export and replays it; the session is ignored (there is nothing to dial). */
  async start(_session: GatewaySession = EXPORT_SESSION): Promise<void> {
    await this.stop();
    const run = this.replayRun;
    try {
      const loaded = await readTelegramExport(
        this.options.path,
        this.options.owner ? { owner: this.options.owner } : undefined,
      );
      if (run !== this.replayRun) return;
      this.chats = loaded.chats;
      this.all = [...loaded.messages].sort(
        (a, b) => a.date.getTime() - b.date.getTime() || a.messageId - b.messageId,
      );
      this.byChat = new Map();
      for (const message of this.all) {
        const list = this.byChat.get(message.chatId);
        if (list) list.push(message);
        else this.byChat.set(message.chatId, [message]);
      }
      for (const list of this.byChat.values()) list.sort((a, b) => a.messageId - b.messageId);
      this.options.log.info(
        { chats: loaded.chats.length, messages: loaded.messages.length },
        "replaying a Telegram Desktop export",
      );
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.setStatus({ ...idleStatus(`cannot read the export: ${message}`) });
      this.options.log.error({ error: message }, "cannot read the Telegram Desktop export");
      return;
    }
    const now = new Date();
    this.setStatus({
      authorized: true,
      connected: true,
      user_info: { ...EXPORT_USER },
      last_sync: now.toISOString(),
      last_error: null,
      flood_wait_until: null,
    });
    this.replaying = this.replay(run, now);
  }

  async stop(): Promise<void> {
    this.replayRun += 1;
    await this.replaying;
    if (this.current.authorized || this.current.connected) this.setStatus(idleStatus());
  }

  /** Resolves when the current replay has handed every message to the listeners. */
  whenReplayed(): Promise<void> {
    return this.replaying;
  }

  /** Messages handed to listeners by the current replay. */
  get replayedCount(): number {
    return this.replayed;
  }

  status(): WorkerStatusData {
    return { ...this.current };
  }

  onStatus(listener: (status: WorkerStatusData) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  onMessage(listener: MessageListener): () => void {
    this.messageListeners.add(listener);
    return () => this.messageListeners.delete(listener);
  }

  onReady(listener: (ready: GatewayReady) => void | Promise<void>): () => void {
    this.readyListeners.add(listener);
    return () => this.readyListeners.delete(listener);
  }

  async listDialogs(options: { limit?: number } = {}): Promise<DialogInfo[]> {
    const dialogs = this.chats.map((chat) => {
      const list = this.byChat.get(chat.id) ?? [];
      const top = list.at(-1);
      return {
        id: chat.id,
        title: chat.title,
        type: chat.type,
        username: chat.username,
        topMessageId: top?.messageId ?? 0,
        lastMessageAt: top?.date ?? null,
      };
    });
    dialogs.sort((a, b) => (b.lastMessageAt?.getTime() ?? 0) - (a.lastMessageAt?.getTime() ?? 0));
    return options.limit === undefined ? dialogs : dialogs.slice(0, options.limit);
  }

  async fetchHistory(
    chatId: string,
    options: { minId: number; limit: number },
  ): Promise<NormalizedMessage[]> {
    const list = this.byChat.get(chatId) ?? [];
    const limit = Math.max(1, Math.floor(options.limit));
    return options.minId > 0
      ? list.filter((m) => m.messageId > options.minId).slice(0, limit)
      : list.slice(-limit);
  }

  async sendMessage(peer: string, text: string): Promise<{ messageId: number }> {
    this.outbox.push({ peer, text, at: new Date().toISOString() });
    if (this.outbox.length > OUTBOX_MAX) this.outbox.shift();
    this.options.log.info(
      { peer, chars: text.length },
      "export replay: a digest would have been sent to Telegram",
    );
    return { messageId: this.outbox.length };
  }

  floodWaits(): Array<{ method: string; seconds: number; until: string }> {
    return [];
  }

  private async replay(run: number, at: Date): Promise<void> {
    this.replayed = 0;
    for (const listener of this.readyListeners) {
      try {
        await listener({ reconnect: false, at });
      } catch (error) {
        this.options.log.warn(
          { error: error instanceof Error ? error.message : String(error) },
          "ready listener failed",
        );
      }
    }
    for (const message of this.all) {
      if (run !== this.replayRun) return;
      for (const listener of this.messageListeners) {
        try {
          await listener(message, "new");
        } catch (error) {
          this.options.log.warn(
            { error: error instanceof Error ? error.message : String(error) },
            "message listener failed",
          );
        }
      }
      this.replayed += 1;
    }
    this.current = { ...this.current, last_sync: new Date().toISOString() };
    this.options.log.info({ messages: this.replayed }, "export replay finished");
  }

  private setStatus(next: WorkerStatusData): void {
    this.current = next;
    for (const listener of this.statusListeners) listener(this.status());
  }
}
