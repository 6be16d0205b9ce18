import type { WorkerStatusData } from "@tgsentinel/contract/events.ts";
import type { ChatType, NormalizedMessage } from "../ingestion/message.ts";

/**
 * The sentinel's only door to Telegram. The production implementation is GramJS
 * (`gramjs-gateway.ts`); tests drive that same class against the local MTProto test DC.
 * `ExportSource` (`export-source.ts`) replays a Telegram Desktop export through the same door.
 * Plugins depend on this interface, never on GramJS directly.
 */
export interface TelegramGateway {
  /** "telegram" for a live account, "export" for a replayed Telegram Desktop export. */
  readonly source: "telegram" | "export";
  /**
   * (Re)starts the client from a GramJS string session. Resolves once the first connection
   * attempt has settled (authorized or not); later reconnects happen in the background.
   * Starting while running stops the previous client first (no leaked sockets or timers).
   */
  start(session: GatewaySession): Promise<void>;
  /** Disconnects and releases every socket and timer. Safe to call twice. */
  stop(): Promise<void>;
  /** The current worker status, as `GET /api/status` reports it. */
  status(): WorkerStatusData;
  /** Called on every change of authorized/connected/user/last_error/flood wait. Returns an unsubscribe. */
  onStatus(listener: (status: WorkerStatusData) => void): () => void;
  /**
   * New and edited messages, normalised, from every chat (filtering by config is the caller's).
   * The gateway awaits listeners before taking the next message of the same source, so a
   * listener that waits for queue space slows the source down (back-pressure).
   */
  onMessage(listener: MessageListener): () => void;
  /**
   * Called after every successful (re)connect, once authorization is confirmed and handlers are
   * live: the moment to sync dialogs and backfill what was missed while away.
   */
  onReady(listener: (ready: GatewayReady) => void | Promise<void>): () => void;
  /** The account's dialogs (at most `limit`, newest first). */
  listDialogs(options?: { limit?: number }): Promise<DialogInfo[]>;
  /**
   * Messages of one chat newer than `minId`, oldest first, at most `limit` (always bounded).
   * `minId` 0 means "the latest `limit` messages".
   */
  fetchHistory(chatId: string, options: { minId: number; limit: number }): Promise<NormalizedMessage[]>;
  /**
   * Sends a text message (digests, alert delivery). `peer` is a marked chat id, "@username", or
   * "me" (Saved Messages).
   */
  sendMessage(peer: string, text: string): Promise<{ messageId: number }>;
  /** Flood waits in force (method and end), as recorded in the TtlStore. */
  floodWaits(): Array<{ method: string; seconds: number; until: string }>;
}

export type MessageEventKind = "new" | "edit";

export type MessageListener = (message: NormalizedMessage, kind: MessageEventKind) => void | Promise<void>;

export interface GatewayReady {
  /** False for the first connect of a session, true after a reconnect. */
  reconnect: boolean;
  /** When authorization was confirmed. */
  at: Date;
}

/** A dialog as `GET /api/chats` and the `chats` table know it. */
export interface DialogInfo {
  /** Marked peer id as a decimal string. */
  id: string;
  title: string;
  type: ChatType;
  username: string | null;
  /** Id of the newest message in the dialog (0 when empty). */
  topMessageId: number;
  lastMessageAt: Date | null;
}

/** What the gateway needs to connect; never logged. */
export interface GatewaySession {
  /** GramJS StringSession string (dc, address, port, 256-byte auth key). */
  sessionString: string;
  dcId: number;
  serverAddress: string;
  port: number;
}

/** The status of a worker with no session (or before the first start). */
export function idleStatus(lastError: string | null = null): WorkerStatusData {
  return {
    authorized: false,
    connected: false,
    user_info: null,
    last_sync: null,
    last_error: lastError,
    flood_wait_until: null,
  };
}
