import { createHash, randomBytes, randomInt } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import type { Api } from "telegram";
import { AuthKey } from "telegram/crypto/AuthKey.js";
import { StringSession } from "telegram/sessions/index.js";
import { AccountState, AccountStateError, type IncomingMessageInput } from "./account-state.ts";
import { type ControlServer, startControlServer } from "./control-api.ts";
import { MessageCipher } from "./message-cipher.ts";
import { MtprotoConnection } from "./mtproto-connection.ts";
import {
  answerRequest,
  type RpcContext,
  RpcFailure,
  type RpcResult,
  tlUpdatesFor,
  UNAUTHORIZED_METHODS,
  unwrapRequest,
} from "./rpc-methods.ts";
import { ServerSalts } from "./server-salts.ts";
import { writeTelethonSession } from "./telethon-session.ts";

/** The account the test DC serves (what `getMe()` returns). */
export interface TestDcUser {
  id: number;
  username?: string;
  firstName: string;
}

/** Options of {@link startTestDc}. */
export interface TestDcOptions {
  /**
   * MTProto TCP port. 0 (the default) picks a free port below 32768, because GramJS's
   * StringSession stores the port as a signed 16-bit number and cannot save a higher one.
   */
  port?: number;
  /** Control HTTP port; 0 (the default) picks any free port. `false` runs no control server. */
  controlPort?: number | false;
  /** Interface for both servers; loopback by default (and it should stay that way). */
  host?: string;
  /** The account; defaults to `demo_user` / "Demo" / 100000001. */
  user?: TestDcUser;
  /** When set, a Telethon session file for this DC is written there. */
  sessionOut?: string;
  /** The 256-byte auth key; a random one by default. */
  authKey?: Buffer;
  /** DC id announced in the session and config; 2 by default. */
  dcId?: number;
  /** Called with unexpected server-side errors (never with key material). */
  onError?: (error: unknown) => void;
}

/** A message pushed into the account, as the control API's `POST /messages` takes it. */
export interface PushMessageInput {
  chat: { id: number; title?: string; type: "channel" | "group" | "supergroup" | "user"; username?: string };
  sender?: { id: number; username?: string; first_name: string; last_name?: string };
  text: string;
  /** Unix seconds, or an ISO date string; now when absent. */
  date?: number | string;
}

/** What `GET /state` reports. */
export interface TestDcState {
  connections: number;
  authorized_clients: number;
  transports: Record<string, number>;
  calls: Record<string, number>;
  messages_stored: number;
  messages_by_chat: Record<string, number>;
  pts: number;
  revoked: boolean;
  flood_wait_armed: number | null;
  delay_ms: number;
}

/** A running test DC. */
export interface TestDc {
  readonly host: string;
  readonly port: number;
  readonly dcId: number;
  /** Control HTTP port, or undefined when started with `controlPort: false`. */
  readonly controlPort: number | undefined;
  /** The DC's auth key (256 bytes): a secret, never log it. */
  readonly authKey: Buffer;
  readonly user: TestDcUser;
  readonly sessionFile: string | undefined;
  /** A GramJS StringSession string for this DC (dc id, 127.0.0.1, port, key). */
  sessionString(): string;
  /** Stores a message and pushes it to connected clients; resolves to its id in its chat. */
  pushMessage(input: PushMessageInput): { id: number; chat: string };
  /** Edits a stored message (chat id may be marked: -100… channel, -… group) and pushes the edit. */
  edit(chatId: number | string, id: number, text: string): void;
  /** Drops every client TCP connection. */
  disconnectAll(): number;
  /** The next API call (not ping or ack) fails with 420 FLOOD_WAIT_<seconds>. */
  floodWait(seconds: number): void;
  /** The key becomes unregistered: every later API call fails with 401 AUTH_KEY_UNREGISTERED. */
  revoke(): void;
  /** Adds latency to every answer. */
  delay(ms: number): void;
  state(): TestDcState;
  stop(): Promise<void>;
}

const DEFAULT_USER: TestDcUser = { id: 100000001, username: "demo_user", firstName: "Demo" };

/** Bad input to the programmatic or control API (answered with a 400 by the control server). */
export class TestDcInputError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "TestDcInputError";
  }
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      server.off("listening", onListening);
      reject(error);
    };
    const onListening = () => {
      server.off("error", onError);
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : port);
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port, host);
  });
}

/** Listens on `port`, or on a free port in 20000-32767 when port is 0. */
async function listenMtproto(server: Server, port: number, host: string): Promise<number> {
  if (port !== 0) return listen(server, port, host);
  for (let attempt = 0; ; attempt++) {
    try {
      return await listen(server, randomInt(20000, 32768), host);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE" || attempt >= 50) throw error;
    }
  }
}

function parseDate(date: number | string | undefined): number | undefined {
  if (date === undefined) return undefined;
  const seconds = typeof date === "number" ? date : Math.floor(Date.parse(date) / 1000);
  if (!Number.isSafeInteger(seconds) || seconds <= 0)
    throw new TestDcInputError("BAD_DATE", "date must be unix seconds or an ISO date");
  return seconds;
}

/**
 * Starts a local MTProto DC that the real GramJS client talks to with the key it hands out.
 * Test and demo tool only: it serves one account, keeps everything in memory and listens on
 * loopback.
 */
export async function startTestDc(options: TestDcOptions = {}): Promise<TestDc> {
  const host = options.host ?? "127.0.0.1";
  const dcId = options.dcId ?? 2;
  const user = options.user ?? DEFAULT_USER;
  const authKey = options.authKey ?? randomBytes(256);
  const cipher = await MessageCipher.create(authKey);
  const salts = new ServerSalts();
  const account = new AccountState(user);
  const connections = new Set<MtprotoConnection>();
  const sessions = new Set<bigint>();
  const calls = new Map<string, number>();
  let revoked = false;
  let floodWaitArmed: number | null = null;
  let delayMs = 0;
  const onError = options.onError ?? (() => {});

  const count = (name: string) => calls.set(name, (calls.get(name) ?? 0) + 1);
  const authorised = () => [...connections].filter((c) => c.authorised && !c.isClosed);
  const broadcast = (updates: Api.TypeUpdates, except?: MtprotoConnection) => {
    if (revoked) return;
    for (const connection of authorised()) if (connection !== except) connection.pushUpdates(updates);
  };
  const ctxFor = (connection?: MtprotoConnection): RpcContext => ({
    account,
    dc: { id: dcId, host, port },
    pushToOthers: (updates) => broadcast(updates, connection),
  });

  const hostApi = {
    cipher,
    salts,
    invoke(request: Api.AnyRequest, connection: MtprotoConnection): RpcResult {
      const { wrappers, inner } = unwrapRequest(request);
      for (const wrapper of wrappers) count(wrapper);
      const name = inner.className;
      count(name);
      const needsAuth = !UNAUTHORIZED_METHODS.has(name);
      if (revoked && needsAuth) throw new RpcFailure(401, "AUTH_KEY_UNREGISTERED");
      if (floodWaitArmed !== null) {
        const seconds = floodWaitArmed;
        floodWaitArmed = null;
        throw new RpcFailure(420, `FLOOD_WAIT_${seconds}`);
      }
      const result = answerRequest(ctxFor(connection), inner);
      if (needsAuth) connection.authorised = true;
      return result;
    },
    answerDelayMs: () => delayMs,
    countServiceMessage: count,
    registerSession(sessionId: bigint): boolean {
      if (sessions.has(sessionId)) return false;
      sessions.add(sessionId);
      return true;
    },
    connectionClosed(connection: MtprotoConnection) {
      connections.delete(connection);
    },
    reportError: onError,
  };

  const mtproto = createServer((socket: Socket) => {
    connections.add(new MtprotoConnection(socket, hostApi));
  });
  const port = await listenMtproto(mtproto, options.port ?? 0, host);

  if (options.sessionOut) {
    writeTelethonSession(options.sessionOut, { dcId, serverAddress: host, port, authKey });
  }

  const dc: TestDc = {
    host,
    port,
    dcId,
    controlPort: undefined,
    authKey,
    user,
    sessionFile: options.sessionOut,
    sessionString() {
      const session = new StringSession("");
      session.setDC(dcId, host, port);
      session.setAuthKey(new AuthKey(authKey, createHash("sha1").update(authKey).digest()));
      return session.save();
    },
    pushMessage(input) {
      let change: ReturnType<AccountState["receive"]>;
      try {
        const message: IncomingMessageInput = {
          chat: input.chat,
          sender: input.sender && {
            id: input.sender.id,
            username: input.sender.username,
            firstName: input.sender.first_name,
            lastName: input.sender.last_name,
          },
          text: input.text,
          date: parseDate(input.date),
        };
        change = account.receive(message);
      } catch (error) {
        if (error instanceof AccountStateError) throw new TestDcInputError(error.code, error.message);
        throw error;
      }
      broadcast(tlUpdatesFor(ctxFor(), change));
      const { message } = change.event;
      return { id: message.id, chat: `${message.peer.kind}:${message.peer.id}` };
    },
    edit(chatId, id, text) {
      let change: ReturnType<AccountState["edit"]>;
      try {
        change = account.edit(account.findPeer(chatId), id, text);
      } catch (error) {
        if (error instanceof AccountStateError) throw new TestDcInputError(error.code, error.message);
        throw error;
      }
      broadcast(tlUpdatesFor(ctxFor(), change));
    },
    disconnectAll() {
      const dropped = [...connections];
      for (const connection of dropped) connection.close();
      return dropped.length;
    },
    floodWait(seconds) {
      if (!Number.isSafeInteger(seconds) || seconds < 1)
        throw new TestDcInputError("BAD_SECONDS", "seconds must be a positive integer");
      floodWaitArmed = seconds;
    },
    revoke() {
      revoked = true;
    },
    delay(ms) {
      if (!Number.isFinite(ms) || ms < 0 || ms > 600_000)
        throw new TestDcInputError("BAD_DELAY", "ms must be between 0 and 600000");
      delayMs = ms;
    },
    state() {
      const transports: Record<string, number> = {};
      for (const connection of connections) {
        const kind = connection.transportName ?? "pending";
        transports[kind] = (transports[kind] ?? 0) + 1;
      }
      return {
        connections: connections.size,
        authorized_clients: revoked ? 0 : authorised().length,
        transports,
        calls: Object.fromEntries(calls),
        messages_stored: account.messageCount,
        messages_by_chat: account.messageCountsByChat(),
        pts: account.state.pts,
        revoked,
        flood_wait_armed: floodWaitArmed,
        delay_ms: delayMs,
      };
    },
    async stop() {
      await control?.close();
      dc.disconnectAll();
      await new Promise<void>((resolve) => mtproto.close(() => resolve()));
    },
  };

  let control: ControlServer | undefined;
  if (options.controlPort !== false) {
    try {
      control = await startControlServer(dc, options.controlPort ?? 0, host);
    } catch (error) {
      await new Promise<void>((resolve) => mtproto.close(() => resolve()));
      throw error;
    }
    (dc as { controlPort: number | undefined }).controlPort = control.port;
  }
  return dc;
}
