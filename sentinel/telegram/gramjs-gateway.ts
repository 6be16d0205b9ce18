import type { WorkerStatusData, WorkerUser } from "@tgsentinel/contract/events.ts";
import type { TtlStore } from "@tgsentinel/contract/ttl-store.ts";
import { Api, TelegramClient } from "telegram";
import { Logger, LogLevel } from "telegram/extensions/Logger.js";
import { ConnectionTCPFull } from "telegram/network/index.js";
import { StringSession } from "telegram/sessions/index.js";
import { getPeerId } from "telegram/Utils.js";
import type { NormalizedMessage } from "../ingestion/message.ts";
import { FloodGate, parseFloodSleepLog } from "./flood-gate.ts";
import { recordFloodWait } from "./flood-waits.ts";
import {
  type DialogInfo,
  type GatewayReady,
  type GatewaySession,
  idleStatus,
  type MessageEventKind,
  type MessageListener,
  type TelegramGateway,
} from "./gateway.ts";
import { MessageIngress } from "./message-ingress.ts";
import { chatTypeOf, peerRecordOf } from "./peer-cache.ts";
import { DEFAULT_RECONNECT_POLICY, type ReconnectPolicy, reconnectDelay } from "./reconnect-policy.ts";
import { classifyTelegramError, type TelegramFailure, TelegramGatewayError } from "./telegram-errors.ts";

/** The pino-compatible subset the gateway logs through. */
export interface GatewayLog {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Options of {@link GramjsGateway}; everything but the API credentials has a default. */
export interface GramjsGatewayOptions {
  apiId: number;
  apiHash: string;
  log: GatewayLog;
  /** Where flood waits are mirrored (`flood_wait:<method>`, TTL = the wait) for `/api/status`. */
  ttlStore?: TtlStore;
  /** Flood waits up to this many seconds are slept inside GramJS; longer ones are honoured here. Default 60. */
  floodSleepThreshold?: number;
  /** Longest flood wait the gateway sits out before a call fails with RATE_LIMITED. Default 900 s. */
  maxFloodWaitSeconds?: number;
  /** Give up one connection attempt after this long. Default 15 s. */
  connectTimeoutMs?: number;
  /** Give up one request after this long (the connection is then presumed dead). Default 30 s. */
  requestTimeoutMs?: number;
  /** Interval of the keepalive updates.getState (liveness, update flow, revocation). Default 60 s. */
  keepaliveMs?: number;
  /** Reconnect backoff; see {@link reconnectDelay}. */
  reconnect?: Partial<ReconnectPolicy>;
  /** Dialogs fetched by listDialogs() without an explicit limit. Default 500. */
  dialogLimit?: number;
  /** [0, 1) source for reconnect jitter (tests). */
  random?: () => number;
}

/** The request GramJS sends on every connect (inside initConnection): where a connect-time flood wait is filed. */
const CONNECT_METHOD = "help.GetConfig";

/** Telegram refuses longer texts; digests are split below it. */
const MESSAGE_TEXT_MAX = 4096;

/**
 * The production TelegramGateway on GramJS. Each connection attempt runs in its own
 * {@link ClientScope} (a fresh TelegramClient); losing the connection closes that scope and a
 * new one is started after a capped, jittered backoff. A closed scope can open no socket again,
 * which also neutralises GramJS's own internal reconnect. `start()` on a live gateway replaces
 * the session; `stop()` leaves no socket or timer behind.
 */
export class GramjsGateway implements TelegramGateway {
  readonly source = "telegram" as const;
  private readonly log: GatewayLog;
  private readonly policy: ReconnectPolicy;
  private readonly ingress = new MessageIngress((message, kind) => this.deliver(message, kind));
  private readonly flood = new FloodGate();
  private readonly statusListeners = new Set<(status: WorkerStatusData) => void>();
  private readonly messageListeners = new Set<MessageListener>();
  private readonly readyListeners = new Set<(ready: GatewayReady) => void | Promise<void>>();
  private current: WorkerStatusData = idleStatus();
  /** The status listeners last heard (flood_wait_until is computed live, so compare with this). */
  private emitted: WorkerStatusData = idleStatus();
  private session: GatewaySession | null = null;
  private scope: ClientScope | null = null;
  /** Bumped by start()/stop(): async work of an older generation stops at its next step. */
  private generation = 0;
  private attempt = 0;
  private connectedOnce = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private keepaliveTimer: NodeJS.Timeout | null = null;
  private readonly sleeps = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  /** "@username" (lower case) → marked id, resolved once (sendMessage to "@name"). */
  private readonly usernames = new Map<string, string>();

  constructor(private readonly options: GramjsGatewayOptions) {
    this.log = options.log;
    this.policy = { ...DEFAULT_RECONNECT_POLICY, ...options.reconnect };
  }

  // ── lifecycle ────────────────────────────────────────────────────────────────────────────

  async start(session: GatewaySession): Promise<void> {
    await this.stop();
    this.session = session;
    const generation = this.generation;
    this.attempt = 0;
    this.connectedOnce = false;
    this.setStatus({ ...idleStatus(), user_info: null });
    await this.connect(generation);
  }

  async stop(): Promise<void> {
    this.generation += 1;
    this.session = null;
    this.clearTimers();
    for (const sleep of this.sleeps) {
      clearTimeout(sleep.timer);
      sleep.resolve();
    }
    this.sleeps.clear();
    const scope = this.scope;
    this.scope = null;
    if (scope) await scope.close();
    this.ingress.self = null;
    this.flood.clear();
    if (this.current.connected || this.current.authorized) {
      this.setStatus({
        ...this.current,
        connected: false,
        authorized: false,
        user_info: null,
        flood_wait_until: null,
      });
    }
  }

  status(): WorkerStatusData {
    return { ...this.current, flood_wait_until: this.flood.latestUntil()?.toISOString() ?? null };
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

  floodWaits(): Array<{ method: string; seconds: number; until: string }> {
    return this.flood
      .active()
      .map((w) => ({ method: w.method, seconds: w.seconds, until: w.until.toISOString() }));
  }

  /** Live TCP connections of the current client (tests check nothing leaks). */
  get openConnections(): number {
    return this.scope?.openConnections ?? 0;
  }

  // ── connecting ───────────────────────────────────────────────────────────────────────────

  private async connect(generation: number): Promise<void> {
    const session = this.session;
    if (!session || generation !== this.generation) return;
    const scope = new ClientScope(session, this.options, {
      onLost: (lostScope, reason) => this.connectionLost(lostScope, reason),
      onFloodSleep: (method, seconds) => this.recordFlood(method, seconds),
      onUnknownKey: (brokenScope) =>
        this.unauthorized(brokenScope, {
          kind: "unauthorized",
          code: "AUTH_KEY_NOT_FOUND",
          message:
            "Telegram does not know this session's auth key (transport error 404); import a new session",
        }),
    });
    this.scope = scope;
    try {
      const reached = await withTimeout(
        Promise.race([scope.client.connect(), scope.whenClosed]),
        this.options.connectTimeoutMs ?? 15_000,
        "connect",
      );
      if (!reached) throw new Error(`cannot reach Telegram at ${session.serverAddress}:${session.port}`);
      if (this.stale(scope, generation)) return;
      // Both after every connect: GetState tells a dead key from a network failure
      // (checkAuthorization() swallows errors) and getMe makes Telegram start sending updates.
      await this.call(scope, "updates.GetState", () => scope.client.invoke(new Api.updates.GetState()));
      const me = await this.call(scope, "users.GetUsers", () => scope.client.getMe());
      if (this.stale(scope, generation)) return;
      this.ready(scope, generation, me);
    } catch (error) {
      if (this.stale(scope, generation)) return;
      await this.connectFailed(scope, generation, error);
    }
  }

  private ready(scope: ClientScope, generation: number, me: Api.User): void {
    this.ingress.absorb([me]);
    this.ingress.self = { id: me.id.toString(), username: me.username ?? null };
    const user: WorkerUser = {
      user_id: me.id.toJSNumber(),
      username: me.username ?? null,
      first_name: me.firstName ?? null,
    };
    scope.listen(this.ingress);
    const reconnect = this.connectedOnce;
    this.connectedOnce = true;
    this.attempt = 0;
    const now = new Date();
    this.setStatus({
      authorized: true,
      connected: true,
      user_info: user,
      last_sync: now.toISOString(),
      last_error: null,
    });
    this.log.info(
      { user_id: user.user_id, reconnect },
      reconnect ? "telegram reconnected" : "telegram connected and authorized",
    );
    this.scheduleKeepalive(scope, generation);
    for (const listener of this.readyListeners) {
      Promise.resolve()
        .then(() => listener({ reconnect, at: now }))
        .catch((error: unknown) => this.log.error({ err: safeError(error) }, "ready listener failed"));
    }
  }

  private async connectFailed(scope: ClientScope, generation: number, error: unknown): Promise<void> {
    await scope.close();
    if (this.scope === scope) this.scope = null;
    const failure = classifyTelegramError(error);
    if (failure.kind === "unauthorized") {
      this.markUnauthorized(failure);
      return;
    }
    // A flood wait on the connect request itself: show it in the status and do not dial again before it ends.
    if (failure.kind === "flood") this.recordFlood(CONNECT_METHOD, failure.seconds);
    const message = `cannot connect to Telegram: ${failure.message}`;
    this.setStatus({ ...this.current, connected: false, last_error: message });
    this.log.warn({ attempt: this.attempt }, message);
    this.scheduleReconnect(generation);
  }

  private connectionLost(scope: ClientScope, reason: string): void {
    if (scope !== this.scope || scope.closed) return;
    const generation = this.generation;
    this.scope = null;
    this.clearTimers();
    this.setStatus({
      ...this.current,
      connected: false,
      last_error: `connection to Telegram lost: ${reason}`,
    });
    this.log.warn({ reason }, "telegram connection lost; reconnecting");
    void scope.close().then(() => this.scheduleReconnect(generation));
  }

  private scheduleReconnect(generation: number): void {
    if (generation !== this.generation || !this.session || this.retryTimer) return;
    const floodMs = Math.max(
      this.flood.remainingMs("updates.GetState"),
      this.flood.remainingMs(CONNECT_METHOD),
    );
    const delay = Math.max(reconnectDelay(this.attempt, this.policy, this.options.random), floodMs);
    this.attempt += 1;
    this.log.info({ attempt: this.attempt, delay_ms: delay }, "telegram reconnect scheduled");
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.connect(generation);
    }, delay);
  }

  private unauthorized(
    scope: ClientScope,
    failure: Extract<TelegramFailure, { kind: "unauthorized" }>,
  ): void {
    if (scope !== this.scope) return;
    this.scope = null;
    this.clearTimers();
    void scope.close();
    this.markUnauthorized(failure);
  }

  /** A dead session: say why, and stop trying until a new session is started. */
  private markUnauthorized(failure: Extract<TelegramFailure, { kind: "unauthorized" }>): void {
    this.session = null;
    this.generation += 1;
    this.clearTimers();
    this.setStatus({
      authorized: false,
      connected: false,
      user_info: null,
      last_sync: this.current.last_sync,
      last_error: failure.message,
    });
    this.log.error({ code: failure.code }, failure.message);
  }

  private stale(scope: ClientScope, generation: number): boolean {
    if (generation === this.generation && this.scope === scope && !scope.closed) return false;
    void scope.close();
    return true;
  }

  /**
   * One updates.getState per interval: it keeps Telegram sending updates on a quiet account,
   * shows a dead connection (timeout → reconnect) and a revoked session (401 → unauthorized)
   * without waiting for the next message.
   */
  private scheduleKeepalive(scope: ClientScope, generation: number): void {
    this.keepaliveTimer = setTimeout(async () => {
      this.keepaliveTimer = null;
      if (this.stale(scope, generation)) return;
      try {
        await this.call(scope, "updates.GetState", () => scope.client.invoke(new Api.updates.GetState()));
      } catch {
        // call() already turned timeouts and dead keys into a reconnect or an unauthorized stop.
      }
      if (!this.stale(scope, generation)) this.scheduleKeepalive(scope, generation);
    }, this.options.keepaliveMs ?? 60_000);
  }

  private clearTimers(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.keepaliveTimer) clearTimeout(this.keepaliveTimer);
    this.retryTimer = null;
    this.keepaliveTimer = null;
  }

  // ── calls, timeouts and flood waits ──────────────────────────────────────────────────────

  /**
   * Every request goes through here: no call while a flood wait for its method runs; flood waits
   * are recorded and sat out (up to maxFloodWaitSeconds); dead keys stop the gateway; a request
   * that times out means the connection is gone.
   */
  private async call<T>(scope: ClientScope, method: string, request: () => Promise<T>): Promise<T> {
    const maxWait = this.options.maxFloodWaitSeconds ?? 900;
    for (let attempt = 0; ; attempt += 1) {
      await this.waitOutFlood(method, scope);
      try {
        // A request in flight when its connection goes away is never answered: fail it at once.
        return await withTimeout(
          Promise.race([request(), scope.whenClosed]),
          this.options.requestTimeoutMs ?? 30_000,
          method,
          () => Math.max(0, (this.flood.latestUntil()?.getTime() ?? 0) - Date.now()),
        );
      } catch (error) {
        if (scope.closed)
          throw new TelegramGatewayError("TELEGRAM_UNAVAILABLE", "the Telegram connection was closed", {
            cause: error,
          });
        const failure = classifyTelegramError(error);
        if (failure.kind === "flood") {
          this.recordFlood(method, failure.seconds);
          if (failure.seconds <= maxWait && attempt < 3) continue;
          throw new TelegramGatewayError("RATE_LIMITED", failure.message, {
            cause: error,
            retryAfterSeconds: failure.seconds,
          });
        }
        if (failure.kind === "unauthorized") {
          this.unauthorized(scope, failure);
          throw new TelegramGatewayError("NOT_AUTHORIZED", failure.message, { cause: error });
        }
        if (error instanceof TimeoutError) scope.lost(`${method} timed out`);
        throw new TelegramGatewayError("TELEGRAM_UNAVAILABLE", `${method} failed: ${failure.message}`, {
          cause: error,
        });
      }
    }
  }

  private async waitOutFlood(method: string, scope: ClientScope): Promise<void> {
    for (;;) {
      const remaining = this.flood.remainingMs(method);
      if (remaining <= 0) return;
      await this.sleep(remaining);
      if (scope.closed)
        throw new TelegramGatewayError("TELEGRAM_UNAVAILABLE", "the Telegram connection was closed");
    }
  }

  private recordFlood(method: string, seconds: number): void {
    const wait = this.flood.record(method, seconds);
    this.log.warn({ method, seconds, until: wait.until.toISOString() }, "telegram flood wait");
    const store = this.options.ttlStore;
    if (store) {
      void recordFloodWait(store, method, (wait.until.getTime() - Date.now()) / 1000).catch(
        (error: unknown) =>
          this.log.warn({ err: safeError(error) }, "cannot record the flood wait in the state store"),
      );
    }
    this.setStatus({ ...this.current });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.sleeps.delete(entry);
          resolve();
        }, ms),
        resolve,
      };
      this.sleeps.add(entry);
    });
  }

  private readyScope(): ClientScope {
    const scope = this.scope;
    if (!scope?.listening) {
      throw new TelegramGatewayError(
        this.current.authorized ? "TELEGRAM_UNAVAILABLE" : "NOT_AUTHORIZED",
        this.current.authorized
          ? "Telegram is not connected right now"
          : (this.current.last_error ?? "no authorized Telegram session"),
      );
    }
    return scope;
  }

  // ── messages ─────────────────────────────────────────────────────────────────────────────

  private async deliver(message: NormalizedMessage, kind: MessageEventKind): Promise<void> {
    this.current.last_sync = new Date().toISOString();
    for (const listener of this.messageListeners) {
      try {
        await listener(message, kind);
      } catch (error) {
        this.log.error(
          { err: safeError(error), chat_id: message.chatId, message_id: message.messageId },
          "message listener failed",
        );
      }
    }
  }

  async listDialogs(options: { limit?: number } = {}): Promise<DialogInfo[]> {
    const scope = this.readyScope();
    const limit = options.limit ?? this.options.dialogLimit ?? 500;
    const dialogs = await this.call(scope, "messages.GetDialogs", () => scope.client.getDialogs({ limit }));
    const out: DialogInfo[] = [];
    for (const dialog of dialogs) {
      const record = peerRecordOf(dialog.entity);
      if (!record) continue;
      this.ingress.peers.put(record);
      const top = dialog.message;
      out.push({
        id: record.id,
        title: record.title,
        type: chatTypeOf(record),
        username: record.username,
        topMessageId: top?.id ?? 0,
        lastMessageAt: top?.date ? new Date(top.date * 1000) : null,
      });
    }
    return out;
  }

  async fetchHistory(
    chatId: string,
    options: { minId: number; limit: number },
  ): Promise<NormalizedMessage[]> {
    const scope = this.readyScope();
    const peer = this.ingress.peers.inputPeer(chatId);
    if (!peer)
      throw new TelegramGatewayError(
        "TELEGRAM_UNAVAILABLE",
        `chat ${chatId} is unknown to this session; sync dialogs first`,
      );
    const limit = Math.max(1, Math.floor(options.limit));
    const collected: NormalizedMessage[] = [];
    // Resumable: a flood wait in the middle continues after the last message already fetched.
    await this.call(scope, "messages.GetHistory", async () => {
      const minId = collected.length > 0 ? collected[collected.length - 1]!.messageId : options.minId;
      const left = limit - collected.length;
      if (left <= 0) return;
      const iterator =
        minId > 0
          ? scope.client.iterMessages(peer, { minId, reverse: true, limit: left })
          : scope.client.iterMessages(peer, { limit: left });
      const batch: NormalizedMessage[] = [];
      for await (const raw of iterator) {
        const message = this.ingress.normalize(raw);
        if (message) batch.push(message);
      }
      // Without a minId Telegram answers newest first; history is handed out oldest first.
      if (minId === 0) batch.reverse();
      collected.push(...batch);
    });
    return collected;
  }

  async sendMessage(peer: string, text: string): Promise<{ messageId: number }> {
    const scope = this.readyScope();
    const input =
      peer === "me"
        ? new Api.InputPeerSelf()
        : peer.startsWith("@")
          ? await this.resolveUsername(scope, peer.slice(1))
          : this.ingress.peers.inputPeer(peer);
    if (!input)
      throw new TelegramGatewayError("TELEGRAM_UNAVAILABLE", `chat ${peer} is unknown to this session`);
    let messageId = 0;
    for (const part of splitText(text, MESSAGE_TEXT_MAX)) {
      const sent = await this.call(scope, "messages.SendMessage", () =>
        scope.client.sendMessage(input, { message: part, parseMode: false, linkPreview: false }),
      );
      messageId = sent.id;
    }
    return { messageId };
  }

  /**
   * "@name" → InputPeer, asking Telegram once per name (contacts.ResolveUsername is tightly
   * limited) and remembering the answer's peers like any other.
   */
  private async resolveUsername(scope: ClientScope, username: string): Promise<Api.TypeInputPeer | null> {
    const key = username.toLowerCase();
    let id = this.usernames.get(key);
    if (id === undefined) {
      const resolved = await this.call(scope, "contacts.ResolveUsername", () =>
        scope.client.invoke(new Api.contacts.ResolveUsername({ username })),
      );
      this.ingress.absorb([...resolved.users, ...resolved.chats]);
      id = getPeerId(resolved.peer);
      this.usernames.set(key, id);
    }
    return this.ingress.peers.inputPeer(id);
  }

  // ── status ───────────────────────────────────────────────────────────────────────────────

  private setStatus(next: WorkerStatusData): void {
    this.current = { ...next };
    const after = this.status();
    const before = this.emitted;
    const changed =
      before.authorized !== after.authorized ||
      before.connected !== after.connected ||
      before.last_error !== after.last_error ||
      before.flood_wait_until !== after.flood_wait_until ||
      JSON.stringify(before.user_info) !== JSON.stringify(after.user_info);
    if (!changed) return;
    this.emitted = after;
    for (const listener of this.statusListeners) {
      try {
        listener(after);
      } catch (error) {
        this.log.error({ err: safeError(error) }, "status listener failed");
      }
    }
  }
}

// ── one client and its sockets ───────────────────────────────────────────────────────────────

interface ScopeEvents {
  onLost(scope: ClientScope, reason: string): void;
  onFloodSleep(method: string, seconds: number): void;
  /** The server answered with transport error -404: it has no such auth key. */
  onUnknownKey(scope: ClientScope): void;
}

/**
 * One TelegramClient and every connection it opened. Once closed, its connection class refuses
 * to connect, so GramJS's internal reconnect (which cannot be switched off in 2.26) can open
 * nothing behind our back; closing also destroys sockets still being opened.
 */
class ClientScope {
  readonly client: TelegramClient;
  closed = false;
  listening = false;
  private readonly connections = new Set<ConnectionTCPFull>();
  private closing: Promise<void> | null = null;
  private rejectClosed: (error: Error) => void = () => {};
  /** Rejects when the scope closes; raced against every request. */
  readonly whenClosed: Promise<never>;

  constructor(
    session: GatewaySession,
    options: GramjsGatewayOptions,
    private readonly events: ScopeEvents,
  ) {
    this.client = new TelegramClient(
      new BoundedStringSession(session.sessionString),
      options.apiId,
      options.apiHash,
      {
        connection: scopedConnectionClass(this, session.port),
        baseLogger: new GramLogBridge(options.log, {
          floodSleep: events.onFloodSleep,
          // GramJS reports the key as "broken" only through this log line and an update dispatch
          // that first waits for getMe (which never answers then), so the line is the signal.
          unknownKey: () => {
            if (!this.closed) events.onUnknownKey(this);
          },
        }),
        // One try per connect: the gateway's own loop owns retries, backoff and jitter.
        connectionRetries: 1,
        retryDelay: 0,
        requestRetries: 3,
        autoReconnect: false,
        floodSleepThreshold: options.floodSleepThreshold ?? 60,
        timeout: Math.ceil((options.connectTimeoutMs ?? 15_000) / 1000),
        deviceModel: "TG Sentinel",
        appVersion: "0.1.0",
      },
    );
    this.whenClosed = new Promise<never>((_, reject) => {
      this.rejectClosed = reject;
    });
    this.whenClosed.catch(() => {});
    // The gateway keeps the connection alive on its own timer; GramJS's ping loop would leave
    // 10 s timers behind on stop.
    (this.client as unknown as { _loopStarted: boolean })._loopStarted = true;
  }

  get openConnections(): number {
    let open = 0;
    for (const connection of this.connections) if (connection.isConnected()) open += 1;
    return open;
  }

  track(connection: ConnectionTCPFull): void {
    this.connections.add(connection);
  }

  untrack(connection: ConnectionTCPFull): void {
    this.connections.delete(connection);
  }

  /** A connection dropped without us closing it. */
  lost(reason: string): void {
    if (this.closed) return;
    this.events.onLost(this, reason);
  }

  listen(ingress: MessageIngress): void {
    if (this.closed) return;
    ingress.attach(this.client, () => !this.closed);
    this.listening = true;
  }

  close(): Promise<void> {
    if (!this.closing) {
      this.closed = true;
      this.listening = false;
      this.rejectClosed(new Error("the Telegram connection was closed"));
      this.closing = (async () => {
        await withTimeout(this.client.destroy(), 5_000, "destroy").catch(() => {});
        for (const connection of this.connections) {
          await connection.socket.close().catch(() => {});
        }
        this.connections.clear();
      })();
    }
    return this.closing;
  }
}

/**
 * GramJS's connect() dials port 80 (443 with WSS) whatever the session says; this connection
 * class dials the session's own port (Telethon sessions say 443; the test DC listens elsewhere).
 */
function scopedConnectionClass(scope: ClientScope, port: number): typeof ConnectionTCPFull {
  return class ScopedConnection extends ConnectionTCPFull {
    constructor(params: ConstructorParameters<typeof ConnectionTCPFull>[0]) {
      super({ ...params, port });
      scope.track(this);
    }

    override async connect(): Promise<void> {
      if (scope.closed) throw new Error("the client was stopped");
      await super.connect();
      if (scope.closed) {
        await super.disconnect();
        throw new Error("the client was stopped");
      }
    }

    override async disconnect(): Promise<void> {
      const wasConnected = this._connected;
      await super.disconnect();
      scope.untrack(this);
      if (wasConnected) scope.lost("the server closed the connection");
    }
  };
}

/** StringSession whose entity table does not grow per update (GramJS #816); PeerCache replaces it. */
class BoundedStringSession extends StringSession {
  override processEntities(): void {}
}

/**
 * GramJS's logger, routed to pino (never the console), watching for the flood waits it sleeps
 * through and for an auth key the server does not know.
 */
class GramLogBridge extends Logger {
  constructor(
    private readonly target: GatewayLog,
    private readonly signals: { floodSleep(method: string, seconds: number): void; unknownKey(): void },
  ) {
    super(LogLevel.NONE);
  }

  // GramJS prints raw errors with console.error when this says yes.
  override canSend(): boolean {
    return false;
  }

  override _log(level: LogLevel, message: string): void {
    const flood = parseFloodSleepLog(message);
    if (flood) this.signals.floodSleep(flood.method, flood.seconds);
    if (message.startsWith("Broken authorization key for dc")) this.signals.unknownKey();
    if (level === LogLevel.ERROR) this.target.warn({ source: "gramjs" }, message);
    else this.target.debug({ source: "gramjs", level }, message);
  }
}

class TimeoutError extends Error {
  readonly code = "TELEGRAM_TIMEOUT";
  constructor(what: string, ms: number) {
    super(`${what} timed out after ${ms} ms`);
    this.name = "TimeoutError";
  }
}

/**
 * Rejects with TimeoutError after `ms`, unless `extendMs()` then asks for more time (a flood wait
 * GramJS is sleeping through inside the request is not a dead connection).
 */
function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  what: string,
  extendMs: () => number = () => 0,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    const arm = (delay: number) => {
      timer = setTimeout(() => {
        const extra = extendMs();
        if (extra > 0) arm(extra + ms);
        else reject(new TimeoutError(what, ms));
      }, delay);
    };
    arm(ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Splits at line breaks where possible so each part stays under Telegram's limit. */
export function splitText(text: string, max: number): string[] {
  const parts: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const cut = rest.lastIndexOf("\n", max);
    const at = cut > max / 2 ? cut : max;
    parts.push(rest.slice(0, at));
    rest = rest.slice(at).replace(/^\n/, "");
  }
  if (rest.trim() !== "" || parts.length === 0) parts.push(rest);
  return parts;
}

/** An error reduced to what may be logged: name, code and message (never request payloads). */
function safeError(error: unknown): { name: string; message: string; code?: unknown } {
  if (error instanceof Error)
    return { name: error.name, message: error.message, code: (error as { code?: unknown }).code };
  return { name: "Error", message: String(error) };
}
