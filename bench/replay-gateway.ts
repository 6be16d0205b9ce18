/**
 * The benchmark's Telegram gateway. Telegram itself is not part of what is measured, so instead of
 * a socket the messages come from the corpus; everything after the socket is the real thing:
 * GramJS `Api.Message` objects go through the sentinel's MessageIngress (entity cache,
 * normalisation) and then to the gateway's listeners one at a time, awaiting each, as
 * GramJsGateway does. `start()` reports an authorized account, as after a session import.
 */
import type { WorkerStatusData } from "@tgsentinel/contract/events.ts";
import type { Api } from "telegram";
import type { NormalizedMessage } from "../sentinel/ingestion/message.ts";
import {
  type DialogInfo,
  type GatewayReady,
  type GatewaySession,
  idleStatus,
  type MessageListener,
  type TelegramGateway,
} from "../sentinel/telegram/gateway.ts";
import { MessageIngress } from "../sentinel/telegram/message-ingress.ts";
import type { SelfIdentity } from "../sentinel/telegram/normalize.ts";

export class ReplayGateway implements TelegramGateway {
  readonly source = "telegram" as const;
  private readonly ingress = new MessageIngress(async () => {});
  private readonly messageListeners = new Set<MessageListener>();
  private readonly statusListeners = new Set<(status: WorkerStatusData) => void>();
  private current: WorkerStatusData = idleStatus();

  constructor(private readonly owner: SelfIdentity) {
    this.ingress.self = owner;
  }

  /** Normalises and delivers messages in order; resolves when every listener took the last one. */
  async deliver(messages: readonly Api.Message[]): Promise<number> {
    let delivered = 0;
    for (const raw of messages) {
      const message = this.ingress.normalize(raw);
      if (!message) continue;
      const kind = raw.editDate ? "edit" : "new";
      for (const listener of this.messageListeners) await listener(message, kind);
      delivered += 1;
    }
    return delivered;
  }

  async start(_session: GatewaySession): Promise<void> {
    this.setStatus({
      authorized: true,
      connected: true,
      user_info: { user_id: Number(this.owner.id), username: this.owner.username, first_name: "Bench" },
      last_sync: new Date().toISOString(),
      last_error: null,
      flood_wait_until: null,
    });
  }

  async stop(): Promise<void> {
    this.setStatus(idleStatus());
  }

  status(): WorkerStatusData {
    return this.current;
  }

  onStatus(listener: (status: WorkerStatusData) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  onMessage(listener: MessageListener): () => void {
    this.messageListeners.add(listener);
    return () => this.messageListeners.delete(listener);
  }

  onReady(_listener: (ready: GatewayReady) => void | Promise<void>): () => void {
    return () => {};
  }

  async listDialogs(): Promise<DialogInfo[]> {
    return [];
  }

  async fetchHistory(): Promise<NormalizedMessage[]> {
    return [];
  }

  async sendMessage(): Promise<{ messageId: number }> {
    return { messageId: 1 };
  }

  floodWaits(): Array<{ method: string; seconds: number; until: string }> {
    return [];
  }

  private setStatus(status: WorkerStatusData): void {
    this.current = status;
    for (const listener of this.statusListeners) listener(status);
  }
}
