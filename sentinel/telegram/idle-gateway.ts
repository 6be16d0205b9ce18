import { SentinelError } from "@tgsentinel/contract/envelope.ts";
import type { WorkerStatusData } from "@tgsentinel/contract/events.ts";
import type { NormalizedMessage } from "../ingestion/message.ts";
import {
  type DialogInfo,
  type GatewayReady,
  type GatewaySession,
  idleStatus,
  type MessageListener,
  type TelegramGateway,
} from "./gateway.ts";

/**
 * The gateway of a sentinel that cannot talk to Telegram (no API credentials): it accepts
 * sessions so imports still work, reports not authorized with `reason` as last_error, delivers
 * no messages, and refuses calls that need Telegram with NOT_AUTHORIZED (503).
 */
export class IdleGateway implements TelegramGateway {
  readonly source = "telegram" as const;
  private readonly listeners = new Set<(status: WorkerStatusData) => void>();
  private session: GatewaySession | null = null;

  constructor(private readonly reason: string) {}

  async start(session: GatewaySession): Promise<void> {
    this.session = session;
    this.emit();
  }

  async stop(): Promise<void> {
    if (this.session === null) return;
    this.session = null;
    this.emit();
  }

  status(): WorkerStatusData {
    return idleStatus(this.reason);
  }

  /** Whether a session was handed over (it is kept for when credentials are configured). */
  hasSession(): boolean {
    return this.session !== null;
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

  async listDialogs(): Promise<DialogInfo[]> {
    throw this.unavailable();
  }

  async fetchHistory(): Promise<NormalizedMessage[]> {
    throw this.unavailable();
  }

  async sendMessage(): Promise<{ messageId: number }> {
    throw this.unavailable();
  }

  floodWaits(): Array<{ method: string; seconds: number; until: string }> {
    return [];
  }

  private unavailable(): SentinelError {
    return new SentinelError("NOT_AUTHORIZED", `Telegram is not connected: ${this.reason}`);
  }

  private emit(): void {
    const status = this.status();
    for (const listener of this.listeners) listener(status);
  }
}
