/**
 * Test support: a TelegramGateway that records what it is asked to do and reports a logged-in
 * account after start(). The GramJS gateway has its own tests against the local test DC.
 */
import type { WorkerStatusData } from "@tgsentinel/contract/events.ts";
import type { NormalizedMessage } from "../ingestion/message.ts";
import {
  type DialogInfo,
  type GatewayReady,
  type GatewaySession,
  idleStatus,
  type MessageListener,
  type TelegramGateway,
} from "../telegram/gateway.ts";

export class RecordingGateway implements TelegramGateway {
  readonly source = "telegram" as const;
  readonly starts: GatewaySession[] = [];
  stops = 0;
  /** Makes start() take this long (ms), to test bounded waits and serialisation. */
  startDelayMs = 0;
  private current: WorkerStatusData = idleStatus();
  private readonly listeners = new Set<(status: WorkerStatusData) => void>();

  async start(session: GatewaySession): Promise<void> {
    this.starts.push(session);
    if (this.startDelayMs > 0) await new Promise((r) => setTimeout(r, this.startDelayMs));
    this.set({
      authorized: true,
      connected: true,
      user_info: { user_id: 123456789, username: "analyst", first_name: "Ann" },
      last_sync: new Date().toISOString(),
      last_error: null,
      flood_wait_until: null,
    });
  }

  async stop(): Promise<void> {
    this.stops += 1;
    this.set(idleStatus());
  }

  status(): WorkerStatusData {
    return this.current;
  }

  onStatus(listener: (status: WorkerStatusData) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onMessage(_listener: MessageListener): () => void {
    return () => {};
  }

  onReady(_listener: (ready: GatewayReady) => void | Promise<void>): () => void {
    return () => {};
  }

  /** What listDialogs() answers (tests set it to drive the dialog sync). */
  dialogs: DialogInfo[] = [];

  async listDialogs(): Promise<DialogInfo[]> {
    return this.dialogs;
  }

  async fetchHistory(): Promise<NormalizedMessage[]> {
    return [];
  }

  /** Texts sent (digest delivery), in order. */
  readonly sent: Array<{ peer: string; text: string }> = [];

  async sendMessage(peer: string, text: string): Promise<{ messageId: number }> {
    this.sent.push({ peer, text });
    return { messageId: this.sent.length };
  }

  floodWaits(): Array<{ method: string; seconds: number; until: string }> {
    return [];
  }

  private set(status: WorkerStatusData): void {
    this.current = status;
    for (const listener of this.listeners) listener(status);
  }
}
