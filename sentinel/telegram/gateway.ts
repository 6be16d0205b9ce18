import type { WorkerStatusData } from "@tgsentinel/contract/events.ts";

/**
 * The sentinel's only door to Telegram. The production implementation is GramJS
 * (`gramjs-gateway.ts`); tests drive that same class against the local MTProto test DC.
 * Plugins depend on this interface, never on GramJS directly.
 */
export interface TelegramGateway {
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
  /** Called on every change of authorized/connected/user/last_error. Returns an unsubscribe. */
  onStatus(listener: (status: WorkerStatusData) => void): () => void;
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
  return { authorized: false, connected: false, user_info: null, last_sync: null, last_error: lastError, flood_wait_until: null };
}
