import { createHash, randomBytes, randomInt } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import type { Api } from "telegram";
import { AuthKey } from "telegram/crypto/AuthKey.js";
import { StringSession } from "telegram/sessions/index.js";
import {
  AccountState,
  AccountStateError,
  type IncomingMessageInput,
  type StoreChange,
} from "./account-state.ts";
import { AuthKeyExchange } from "./auth-key-exchange.ts";
import { type AuthKeyEntry, AuthKeyRegistry } from "./auth-keys.ts";
import { type ControlServer, startControlServer } from "./control-api.ts";
import { answerLoginRequest, LOGIN_METHODS } from "./login-methods.ts";
import { MtprotoConnection } from "./mtproto-connection.ts";
import { normalisePhone, PhoneLogin } from "./phone-login.ts";
import {
  answerHelpRequest,
  answerRequest,
  type RpcContext,
  RpcFailure,
  type RpcResult,
  tlUpdatesFor,
  UNAUTHORIZED_METHODS,
  unwrapRequest,
} from "./rpc-methods.ts";
import { DcRsaKey, processRsaKey, RsaKeyError } from "./rsa-key.ts";
import { ServerSalts } from "./server-salts.ts";
import { createPasswordSecret, type PasswordSecret } from "./srp.ts";
import { writeTelethonSession } from "./telethon-session.ts";

/** A user of one of the DC's accounts (what `getMe()` returns after logging in to it). */
export interface TestDcUser {
  id: number;
  username?: string;
  firstName: string;
}

/** An account one can log in to by phone (`accounts` option, `POST /accounts`, `dc.addAccount`). */
export interface TestDcAccount {
  /** International format, e.g. "+15550001" (spaces, dashes and parentheses are ignored). */
  phone: string;
  /** Without an id the DC picks a free one. */
  user: { id?: number; username?: string; firstName: string };
  /** A 2FA password: sign-in then needs account.getPassword + auth.checkPassword (SRP). */
  password?: string;
  hint?: string;
}

/** An account as the DC reports it (never the password). */
export interface TestDcAccountInfo {
  /** "+" and the digits. */
  phone: string;
  id: number;
  username?: string;
  firstName: string;
  hasPassword: boolean;
  hint?: string;
}

/** The login code last sent to a phone (auth.sendCode). */
export interface TestDcLoginCode {
  phone: string;
  code: string;
  sentAt: Date;
  expiresAt: Date;
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
  /** The default account, logged in on the pre-generated key; defaults to `demo_user` / "Demo" / 100000001. */
  user?: TestDcUser;
  /** Phone number of the default account, for logging in to it by phone; "+15550000" by default. */
  userPhone?: string;
  /** More accounts to log in to by phone (with a 2FA password if given). */
  accounts?: TestDcAccount[];
  /** How long a login code stays valid (PHONE_CODE_EXPIRED afterwards); 5 minutes by default. */
  codeTtlMs?: number;
  /**
   * The DC's RSA private key (PEM, 2048-bit). By default a key generated at the first start in this
   * process, shared by every DC started without this option (as Telegram's DCs share theirs; a
   * fresh 2048-bit key takes 0.05-0.4 s). Clients must trust the public half (`dc.publicKeyPem`):
   * see `trustTestDcKey` in trust-key.ts. Pass a key of its own to a DC that must not be trusted.
   */
  rsaPrivateKey?: string;
  /** Key exchanges in flight at most (the oldest is dropped beyond); {@link MAX_PENDING_HANDSHAKES} by default. */
  maxPendingHandshakes?: number;
  /** A key exchange must finish within this time; {@link HANDSHAKE_TTL_MS} by default. */
  handshakeTtlMs?: number;
  /** Auth keys remembered at most (the oldest one not logged in is dropped); {@link MAX_AUTH_KEYS} by default. */
  maxAuthKeys?: number;
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
  /** DH key exchanges that produced an auth key, and those still in flight. */
  handshakes_completed: number;
  handshakes_pending: number;
  /** Key exchanges still armed to end in dh_gen_fail (POST /handshake-failures). */
  handshake_failures_armed: number;
  /** Auth keys the DC knows (the pre-generated one and those from key exchanges). */
  auth_keys: number;
  /** user id → auth keys logged in as that user. */
  authorized_keys_by_user: Record<string, number>;
  accounts: { phone: string; id: number; username?: string; first_name: string; has_password: boolean }[];
}

/** A running test DC. */
export interface TestDc {
  readonly host: string;
  readonly port: number;
  readonly dcId: number;
  /** Control HTTP port, or undefined when started with `controlPort: false`. */
  readonly controlPort: number | undefined;
  /** The pre-generated auth key (256 bytes), logged in as `user`: a secret, never log it. */
  readonly authKey: Buffer;
  readonly user: TestDcUser;
  readonly sessionFile: string | undefined;
  /** The DC's RSA public key, PKCS#1 PEM ("-----BEGIN RSA PUBLIC KEY-----"), as Telegram publishes its keys. */
  readonly publicKeyPem: string;
  /** Its fingerprint: signed 64-bit decimal, the key format of GramJS's `_serverKeys`. */
  readonly publicKeyFingerprint: string;
  /** The login code last sent to a phone (any format `auth.sendCode` accepts), or undefined. */
  lastLoginCode(phone: string): TestDcLoginCode | undefined;
  /** Adds an account at run time (hashing a password takes about 0.1 s). */
  addAccount(account: TestDcAccount): Promise<TestDcAccountInfo>;
  /** Every account, the default one first. */
  accounts(): TestDcAccountInfo[];
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
  /** The next `count` DH key exchanges end in dh_gen_fail (the client must start over). */
  failHandshakes(count: number): void;
  /**
   * Logs every auth key out: every later API call needing authorisation fails with 401
   * AUTH_KEY_UNREGISTERED until the key logs in again by phone.
   */
  revoke(): void;
  /** Adds latency to every answer. */
  delay(ms: number): void;
  state(): TestDcState;
  stop(): Promise<void>;
}

const DEFAULT_USER: TestDcUser = { id: 100000001, username: "demo_user", firstName: "Demo" };
/** The default account's phone number. */
export const DEFAULT_USER_PHONE = "+15550000";
/** Accounts added without a user id get the first free id from here on. */
const FIRST_AUTO_USER_ID = 200000001;
/** Longest first name, username, password and hint an account may have. */
export const MAX_FIRST_NAME_LENGTH = 64;
export const MAX_PASSWORD_LENGTH = 256;
export const MAX_HINT_LENGTH = 128;
const USERNAME = /^[A-Za-z0-9_]{1,32}$/;

/** Bad input to the programmatic or control API (answered with `status`, 400 by default). */
export class TestDcInputError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
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

function displayPhone(digits: string): string {
  return `+${digits}`;
}

/** Checks an account's fields; returns the normalised phone. */
function validateAccount(input: TestDcAccount): string {
  const phone = typeof input.phone === "string" ? normalisePhone(input.phone) : undefined;
  if (!phone)
    throw new TestDcInputError("PHONE_NUMBER_INVALID", "phone must be 5 to 15 digits, e.g. +15550001");
  const { id, username, firstName } = input.user ?? {};
  if (id !== undefined && (!Number.isSafeInteger(id) || id <= 0))
    throw new TestDcInputError("BAD_REQUEST", "id must be a positive integer");
  if (typeof firstName !== "string" || firstName.trim() === "" || firstName.length > MAX_FIRST_NAME_LENGTH)
    throw new TestDcInputError(
      "BAD_REQUEST",
      `first_name must be a non-empty string of at most ${MAX_FIRST_NAME_LENGTH} characters`,
    );
  if (username !== undefined && (typeof username !== "string" || !USERNAME.test(username)))
    throw new TestDcInputError("BAD_REQUEST", "username must be 1 to 32 letters, digits or underscores");
  const { password, hint } = input;
  if (
    password !== undefined &&
    (typeof password !== "string" || password === "" || password.length > MAX_PASSWORD_LENGTH)
  )
    throw new TestDcInputError(
      "BAD_REQUEST",
      `password must be a non-empty string of at most ${MAX_PASSWORD_LENGTH} characters`,
    );
  if (hint !== undefined && (typeof hint !== "string" || hint.length > MAX_HINT_LENGTH))
    throw new TestDcInputError(
      "BAD_REQUEST",
      `hint must be a string of at most ${MAX_HINT_LENGTH} characters`,
    );
  if (hint !== undefined && password === undefined)
    throw new TestDcInputError("BAD_REQUEST", "hint needs a password");
  return phone;
}

function parseDate(date: number | string | undefined): number | undefined {
  if (date === undefined) return undefined;
  const seconds = typeof date === "number" ? date : Math.floor(Date.parse(date) / 1000);
  if (!Number.isSafeInteger(seconds) || seconds <= 0)
    throw new TestDcInputError("BAD_DATE", "date must be unix seconds or an ISO date");
  return seconds;
}

/**
 * Starts a local MTProto DC that the real GramJS client talks to: with the pre-generated key it
 * hands out (logged in as `user`), or with a key the client creates by DH key exchange and logs in
 * by phone (code, then 2FA password). Test and demo tool only: everything lives in memory, every
 * account sees the same chats and messages, and it listens on loopback.
 */
export async function startTestDc(options: TestDcOptions = {}): Promise<TestDc> {
  const host = options.host ?? "127.0.0.1";
  const dcId = options.dcId ?? 2;
  const user = options.user ?? DEFAULT_USER;
  const authKey = options.authKey ?? randomBytes(256);
  if (options.codeTtlMs !== undefined && !(Number.isFinite(options.codeTtlMs) && options.codeTtlMs > 0))
    throw new TestDcInputError("BAD_OPTION", "codeTtlMs must be a positive number");
  let rsa: DcRsaKey;
  try {
    rsa =
      options.rsaPrivateKey === undefined
        ? await processRsaKey()
        : await DcRsaKey.create(options.rsaPrivateKey);
  } catch (error) {
    if (error instanceof RsaKeyError) throw new TestDcInputError(error.code, error.message);
    throw error;
  }
  const exchange = new AuthKeyExchange(rsa, {
    maxPending: options.maxPendingHandshakes,
    ttlMs: options.handshakeTtlMs,
  });
  const keys = new AuthKeyRegistry(options.maxAuthKeys);
  const salts = new ServerSalts();
  const userPhone = normalisePhone(options.userPhone ?? DEFAULT_USER_PHONE);
  if (!userPhone) throw new TestDcInputError("PHONE_NUMBER_INVALID", "userPhone must be 5 to 15 digits");
  const account = new AccountState({ ...user, phone: userPhone });
  const login = new PhoneLogin({ codeTtlMs: options.codeTtlMs });
  login.add({ phone: userPhone, userId: user.id });
  await keys.add(authKey, "pregenerated", user.id);
  const connections = new Set<MtprotoConnection>();
  const calls = new Map<string, number>();
  let revoked = false;
  let floodWaitArmed: number | null = null;
  let delayMs = 0;
  const onError = options.onError ?? (() => {});

  const count = (name: string) => calls.set(name, (calls.get(name) ?? 0) + 1);
  /** Connections that made an authorised call with a key still logged in: they get updates. */
  const loggedIn = () =>
    [...connections].filter(
      (c) =>
        c.authorised && !c.isClosed && c.key !== undefined && c.key.userId !== undefined && keys.has(c.key),
    );
  /** Pushes a change to every logged-in connection (but `except`), rendered for each one's user. */
  const pushChange = (change: StoreChange, except?: MtprotoConnection) => {
    const seq = account.nextSeq();
    const rendered = new Map<number, Api.Updates>();
    for (const connection of loggedIn()) {
      if (connection === except) continue;
      const userId = connection.key!.userId!;
      let updates = rendered.get(userId);
      if (!updates) {
        updates = tlUpdatesFor({ account, self: account.user(userId)! }, change, [], seq);
        rendered.set(userId, updates);
      }
      connection.pushUpdates(updates);
    }
  };
  const dcInfo = () => ({ id: dcId, host, port });
  const accountInfo = (entry: ReturnType<PhoneLogin["list"]>[number]): TestDcAccountInfo => {
    const record = account.user(entry.userId)!;
    return {
      phone: displayPhone(entry.phone),
      id: record.id,
      ...(record.username ? { username: record.username } : {}),
      firstName: record.firstName,
      hasPassword: entry.password !== undefined,
      ...(entry.hint !== undefined ? { hint: entry.hint } : {}),
    };
  };

  /** Adds an account; `secret` was derived from its password beforehand (the slow part). */
  const insertAccount = (input: TestDcAccount, phone: string, secret: PasswordSecret | undefined) => {
    if (login.byPhone(phone))
      throw new TestDcInputError("PHONE_NUMBER_OCCUPIED", `phone ${displayPhone(phone)} has an account`, 409);
    try {
      const record = account.addAccountUser({
        id: input.user.id ?? account.freeUserId(FIRST_AUTO_USER_ID),
        username: input.user.username,
        firstName: input.user.firstName,
        phone,
      });
      const entry = { phone, userId: record.id, password: secret, hint: input.hint };
      login.add(entry);
      return accountInfo(entry);
    } catch (error) {
      if (error instanceof AccountStateError)
        throw new TestDcInputError(error.code, error.message, error.code.endsWith("_OCCUPIED") ? 409 : 400);
      throw error;
    }
  };
  const addAccount = async (input: TestDcAccount) => {
    const phone = validateAccount(input);
    const secret = input.password === undefined ? undefined : await createPasswordSecret(input.password);
    return insertAccount(input, phone, secret);
  };
  for (const extra of options.accounts ?? []) await addAccount(extra);

  const hostApi = {
    salts,
    findKey: (packet: Buffer) => keys.find(packet),
    async exchangeKey(request: unknown) {
      const step = exchange.handle(request);
      if (step.authKey) await keys.add(step.authKey, "handshake");
      return step.answer;
    },
    invoke(request: Api.AnyRequest, connection: MtprotoConnection): RpcResult {
      const { wrappers, inner } = unwrapRequest(request);
      for (const wrapper of wrappers) count(wrapper);
      const name = inner.className;
      count(name);
      const key = connection.key!;
      const self = key.userId === undefined ? undefined : account.user(key.userId);
      const needsAuth = !UNAUTHORIZED_METHODS.has(name);
      if (needsAuth && !self) throw new RpcFailure(401, "AUTH_KEY_UNREGISTERED");
      if (floodWaitArmed !== null) {
        const seconds = floodWaitArmed;
        floodWaitArmed = null;
        throw new RpcFailure(420, `FLOOD_WAIT_${seconds}`);
      }
      let result: RpcResult | undefined;
      if (LOGIN_METHODS.has(name)) result = answerLoginRequest({ login, account, keys, key }, inner);
      else if (self) {
        const ctx: RpcContext = {
          account,
          self,
          dc: dcInfo(),
          pushToOthers: (change) => pushChange(change, connection),
        };
        result = answerRequest(ctx, inner);
      } else result = answerHelpRequest(dcInfo(), inner);
      if (result === undefined) throw new RpcFailure(400, "METHOD_NOT_IMPLEMENTED");
      // Telegram starts sending updates to a connection once it made a call as a logged-in user.
      if (needsAuth || (LOGIN_METHODS.has(name) && key.userId !== undefined)) connection.authorised = true;
      return result;
    },
    answerDelayMs: () => delayMs,
    countServiceMessage: count,
    registerSession(key: AuthKeyEntry, sessionId: bigint): boolean {
      if (key.sessions.has(sessionId)) return false;
      key.sessions.add(sessionId);
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
    publicKeyPem: rsa.publicKeyPem,
    publicKeyFingerprint: rsa.fingerprint,
    sessionString() {
      const session = new StringSession("");
      session.setDC(dcId, host, port);
      session.setAuthKey(new AuthKey(authKey, createHash("sha1").update(authKey).digest()));
      return session.save();
    },
    lastLoginCode(phone) {
      const sent = login.lastCode(phone);
      if (!sent) return undefined;
      return {
        phone: displayPhone(sent.phone),
        code: sent.code,
        sentAt: new Date(sent.sentAt),
        expiresAt: new Date(sent.expiresAt),
      };
    },
    addAccount,
    accounts: () => login.list().map(accountInfo),
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
      pushChange(change);
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
      pushChange(change);
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
    failHandshakes(count) {
      if (!Number.isSafeInteger(count) || count < 0)
        throw new TestDcInputError("BAD_COUNT", "count must be a non-negative integer");
      exchange.failNext(count);
    },
    revoke() {
      revoked = true;
      keys.logOutAll();
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
        authorized_clients: loggedIn().length,
        transports,
        calls: Object.fromEntries(calls),
        messages_stored: account.messageCount,
        messages_by_chat: account.messageCountsByChat(),
        pts: account.state.pts,
        revoked,
        flood_wait_armed: floodWaitArmed,
        delay_ms: delayMs,
        handshakes_completed: exchange.completed,
        handshakes_pending: exchange.pendingCount,
        handshake_failures_armed: exchange.failuresPending,
        auth_keys: keys.size,
        authorized_keys_by_user: keys.loggedInByUser(),
        accounts: dc.accounts().map((a) => ({
          phone: a.phone,
          id: a.id,
          ...(a.username ? { username: a.username } : {}),
          first_name: a.firstName,
          has_password: a.hasPassword,
        })),
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
