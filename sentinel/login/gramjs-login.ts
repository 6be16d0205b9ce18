/**
 * The network side of the login: one fresh GramJS TelegramClient per login, with an empty
 * session (a new auth key comes from the DH exchange), asking Telegram to send a code
 * (auth.sendCode), signing in (auth.signIn), and checking the 2FA password with SRP
 * (account.getPassword + computeCheck + auth.checkPassword). It keeps the phone number and the
 * phone_code_hash to itself; every failure leaves as a {@link LoginTelegramError} carrying only an
 * error name, a timeout or a reason, never a request object (those hold the code and password).
 *
 * Where it connects: the test DC when configured (TG_TEST_DC, dc 2, its RSA key registered with
 * {@link trustTestDcKey}), else GramJS's own default for a fresh session (Telegram's DC 4);
 * PHONE_MIGRATE_X / NETWORK_MIGRATE_X / USER_MIGRATE_X are followed by GramJS's invoke
 * (`_switchDC`: a new key on the named DC, the request sent again there).
 */
import type { WorkerUser } from "@tgsentinel/contract/events.ts";
import { Api, errors, TelegramClient } from "telegram";
import { _serverKeys } from "telegram/crypto/RSA.js";
import { Logger, LogLevel } from "telegram/extensions/Logger.js";
import { readBigIntFromBuffer } from "telegram/Helpers.js";
import { ConnectionTCPFull } from "telegram/network/index.js";
import { computeCheck } from "telegram/Password.js";
import { StringSession } from "telegram/sessions/index.js";
import type { GramJsLogin } from "../session/gramjs-session.ts";
import type { TelegramLoginFailure } from "./login-errors.ts";
import { LOGIN_TELEGRAM_TIMEOUT_MS, type LoginCodeType, type SentCode } from "./login-flow.ts";
import type { PhoneNumber } from "./login-input.ts";
import type { TestDcPublicKey } from "./test-dc.ts";

/** The pino-compatible subset the login logs through. */
export interface LoginLog {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** A failure of the Telegram side, reduced to what is safe to map, show and log. */
export class LoginTelegramError extends Error {
  constructor(readonly failure: TelegramLoginFailure) {
    super(
      failure.kind === "rpc"
        ? `Telegram error ${failure.errorMessage}`
        : failure.kind === "timeout"
          ? `Telegram did not answer within ${failure.ms} ms`
          : failure.reason,
    );
    this.name = "LoginTelegramError";
  }
}

export type SignInOutcome =
  | { kind: "signed_in"; user: WorkerUser }
  | { kind: "password_needed"; hint: string | null }
  /** auth.authorizationSignUpRequired: no account uses the number (sign-up is not offered). */
  | { kind: "sign_up_required" };

/** One login's Telegram client (see the module comment); the service owns its lifetime. */
export interface LoginClient {
  sendCode(phone: PhoneNumber): Promise<SentCode>;
  signIn(code: string): Promise<SignInOutcome>;
  checkPassword(password: string): Promise<WorkerUser>;
  /** The authorised login (dc, address, port, auth key) to store; call after signed_in. */
  exportLogin(): GramJsLogin;
  /** Disconnects and frees everything; pending calls fail at once. Idempotent. */
  destroy(): Promise<void>;
}

export interface GramjsLoginOptions {
  apiId: number;
  apiHash: string;
  /** The local test DC (TG_TEST_DC), or null for Telegram's production DCs. */
  testDc: { dcId: number; host: string; port: number } | null;
  log: LoginLog;
  /** Longest wait for one request, connecting included. Default LOGIN_TELEGRAM_TIMEOUT_MS (60 s). */
  timeoutMs?: number;
}

/** Closing a client that hangs must not hold up a cancel or the app's shutdown. */
const DESTROY_TIMEOUT_MS = 5_000;

export class GramjsLoginClient implements LoginClient {
  private readonly client: TelegramClient;
  private readonly timeoutMs: number;
  private readonly connections = new Set<ConnectionTCPFull>();
  private closed = false;
  private destroying: Promise<void> | null = null;
  private rejectClosed: (error: Error) => void = () => {};
  private readonly whenClosed: Promise<never>;
  /** After a timeout the connection may be dead without knowing it: reconnect before the next call. */
  private suspect = false;
  private lastConnectError: string | null = null;
  /** The last connect failed in the DH key exchange (see HANDSHAKE_ATTEMPTS). */
  private lastConnectWasHandshake = false;
  private phone: string | null = null;
  private phoneCodeHash: string | null = null;

  constructor(private readonly options: GramjsLoginOptions) {
    this.timeoutMs = options.timeoutMs ?? LOGIN_TELEGRAM_TIMEOUT_MS;
    const session = new StringSession("");
    const dc = options.testDc;
    // StringSession stores the port as a signed 16-bit number (ports above 32767 wrap).
    if (dc) session.setDC(dc.dcId, dc.host, dc.port > 0x7fff ? dc.port - 0x10000 : dc.port);
    this.client = new TelegramClient(session, options.apiId, options.apiHash, {
      connection: this.connectionClass(),
      baseLogger: new QuietGramLog(options.log),
      connectionRetries: 1,
      retryDelay: 0,
      // Room for a DC migration: the request is sent again on the new DC.
      requestRetries: 3,
      autoReconnect: false,
      // Every flood wait goes back to the user at once (Retry-After), never slept inside a request.
      floodSleepThreshold: 0,
      timeout: Math.max(1, Math.ceil(this.timeoutMs / 1000)),
      deviceModel: "TG Sentinel",
      appVersion: "0.1.0",
    });
    // No update loop: it would ping every minute and leave timers behind (see gramjs-gateway.ts).
    (this.client as unknown as { _loopStarted: boolean })._loopStarted = true;
    // The reason a connect failed reaches us only through this hook (connect() returns false).
    this.client._errorHandler = async (error: Error) => {
      this.lastConnectError = describeConnectError(error, dc !== null);
      this.lastConnectWasHandshake = isHandshakeFailure(error);
    };
    this.whenClosed = new Promise<never>((_, reject) => {
      this.rejectClosed = reject;
    });
    this.whenClosed.catch(() => {});
  }

  async sendCode(phone: PhoneNumber): Promise<SentCode> {
    const sent = await this.call(() =>
      this.client.invoke(
        new Api.auth.SendCode({
          phoneNumber: phone.digits,
          apiId: this.options.apiId,
          apiHash: this.options.apiHash,
          settings: new Api.CodeSettings({}),
        }),
      ),
    );
    if (!(sent instanceof Api.auth.SentCode))
      throw new LoginTelegramError({
        kind: "unavailable",
        reason: "Telegram answered the code request in an unexpected way; start the login again",
      });
    if (sent.type instanceof Api.auth.SentCodeTypeSetUpEmailRequired)
      throw new LoginTelegramError({
        kind: "unavailable",
        reason: "Telegram first wants a login email set up for this account; do that in a Telegram app",
      });
    this.phone = phone.digits;
    this.phoneCodeHash = sent.phoneCodeHash;
    return {
      codeType: codeTypeOf(sent.type),
      codeLength: codeLengthOf(sent.type),
      nextType: nextTypeOf(sent),
    };
  }

  async signIn(code: string): Promise<SignInOutcome> {
    const phoneNumber = this.phone;
    const phoneCodeHash = this.phoneCodeHash;
    if (phoneNumber === null || phoneCodeHash === null)
      throw new LoginTelegramError({ kind: "rpc", errorMessage: "PHONE_CODE_HASH_EMPTY" });
    let result: Api.auth.TypeAuthorization;
    try {
      result = await this.call(() =>
        this.client.invoke(new Api.auth.SignIn({ phoneNumber, phoneCodeHash, phoneCode: code })),
      );
    } catch (error) {
      if (error instanceof LoginTelegramError && rpcName(error) === "SESSION_PASSWORD_NEEDED")
        return { kind: "password_needed", hint: await this.passwordHint() };
      throw error;
    }
    if (result instanceof Api.auth.AuthorizationSignUpRequired) return { kind: "sign_up_required" };
    return { kind: "signed_in", user: userOf(result.user) };
  }

  async checkPassword(password: string): Promise<WorkerUser> {
    // SRP parameters are single-use: fetch fresh ones per attempt, and once more if Telegram
    // says they went stale in between (SRP_ID_INVALID).
    for (let attempt = 0; ; attempt += 1) {
      try {
        const params = await this.call(() => this.client.invoke(new Api.account.GetPassword()));
        const check = await computeCheck(params, password);
        const result = await this.call(() =>
          this.client.invoke(new Api.auth.CheckPassword({ password: check })),
        );
        if (result instanceof Api.auth.AuthorizationSignUpRequired)
          throw new LoginTelegramError({ kind: "rpc", errorMessage: "PHONE_NUMBER_UNOCCUPIED" });
        return userOf(result.user);
      } catch (error) {
        if (attempt === 0 && error instanceof LoginTelegramError && rpcName(error) === "SRP_ID_INVALID")
          continue;
        if (error instanceof LoginTelegramError) throw error;
        // computeCheck refuses unusable parameters with a plain Error (its message names no secret).
        throw new LoginTelegramError({
          kind: "unavailable",
          reason: `the 2FA check could not be computed (${(error as Error).message})`,
        });
      }
    }
  }

  exportLogin(): GramJsLogin {
    const session = this.client.session;
    const key = session.getAuthKey()?.getKey();
    if (!key) throw new Error("the login client holds no auth key");
    return {
      dcId: session.dcId,
      serverAddress: session.serverAddress,
      port: this.portOfSession(),
      authKey: Buffer.from(key),
    };
  }

  destroy(): Promise<void> {
    if (!this.destroying) {
      this.closed = true;
      this.phone = null;
      this.phoneCodeHash = null;
      this.rejectClosed(new LoginTelegramError({ kind: "unavailable", reason: "the login was closed" }));
      this.destroying = (async () => {
        await withTimeout(this.client.destroy(), DESTROY_TIMEOUT_MS).catch(() => {});
        for (const connection of this.connections) await connection.socket.close().catch(() => {});
        this.connections.clear();
      })();
    }
    return this.destroying;
  }

  /** Live TCP connections (tests check nothing leaks). */
  get openConnections(): number {
    let open = 0;
    for (const connection of this.connections) if (connection.isConnected()) open += 1;
    return open;
  }

  // ── plumbing ─────────────────────────────────────────────────────────────────────────────

  /** Connects when needed and runs `request`, within the timeout and until the client is destroyed. */
  private async call<T>(request: () => Promise<T>): Promise<T> {
    if (this.closed) throw new LoginTelegramError({ kind: "unavailable", reason: "the login was closed" });
    const work = (async () => {
      await this.ensureConnected();
      return request();
    })();
    work.catch(() => {});
    try {
      return await withTimeout(Promise.race([work, this.whenClosed]), this.timeoutMs);
    } catch (error) {
      if (error instanceof TimeoutError) {
        this.suspect = true;
        throw new LoginTelegramError({ kind: "timeout", ms: this.timeoutMs });
      }
      throw toLoginError(error);
    }
  }

  private async ensureConnected(): Promise<void> {
    if (this.client.connected && !this.suspect) return;
    if (this.suspect) await this.client.disconnect().catch(() => {});
    this.suspect = false;
    for (let attempt = 1; ; attempt++) {
      this.lastConnectError = null;
      this.lastConnectWasHandshake = false;
      await this.client.connect();
      if (this.closed || this.client.connected) break;
      if (!this.lastConnectWasHandshake || attempt >= HANDSHAKE_ATTEMPTS) break;
    }
    if (this.closed) throw new LoginTelegramError({ kind: "unavailable", reason: "the login was closed" });
    if (!this.client.connected)
      throw new LoginTelegramError({
        kind: "unavailable",
        reason: this.lastConnectError ?? `no connection to ${this.describeDc()}`,
      });
  }

  private async passwordHint(): Promise<string | null> {
    try {
      const params = await this.call(() => this.client.invoke(new Api.account.GetPassword()));
      return params.hint ?? null;
    } catch {
      // The password step does not depend on the hint; checkPassword fetches the parameters again.
      return null;
    }
  }

  private portOfSession(): number {
    return this.client.session.port & 0xffff;
  }

  private describeDc(): string {
    const dc = this.options.testDc;
    return dc ? `the test DC at ${dc.host}:${dc.port}` : "Telegram";
  }

  /**
   * A connection that dials the session's own port (GramJS passes 80 whatever the session says)
   * and refuses to connect once the client is destroyed, so GramJS's internal reconnect cannot
   * open a socket behind our back.
   */
  private connectionClass(): typeof ConnectionTCPFull {
    const owner = this;
    return class LoginConnection extends ConnectionTCPFull {
      constructor(params: ConstructorParameters<typeof ConnectionTCPFull>[0]) {
        super({ ...params, port: owner.portOfSession() || params.port });
        owner.connections.add(this);
      }

      override async connect(): Promise<void> {
        if (owner.closed) throw new Error("the login was closed");
        await super.connect();
        if (owner.closed) {
          await super.disconnect();
          throw new Error("the login was closed");
        }
      }

      override async disconnect(): Promise<void> {
        await super.disconnect();
        owner.connections.delete(this);
      }
    };
  }
}

// ── the test DC's key ──────────────────────────────────────────────────────────────────────

const trusted = new Map<string, number>();

/**
 * Registers the test DC's RSA key in GramJS's `_serverKeys` (process-wide: GramJS picks keys by
 * fingerprint during every DH exchange). Counted, so apps sharing a process (tests) can each
 * trust and release the same key. Returns the release function.
 */
export function trustTestDcKey(key: TestDcPublicKey): () => void {
  const count = trusted.get(key.fingerprint) ?? 0;
  if (count === 0) {
    if (_serverKeys.has(key.fingerprint) && !trusted.has(key.fingerprint)) return () => {};
    _serverKeys.set(key.fingerprint, { n: readBigIntFromBuffer(key.n, false, false), e: key.e });
  }
  trusted.set(key.fingerprint, count + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const left = (trusted.get(key.fingerprint) ?? 1) - 1;
    if (left > 0) trusted.set(key.fingerprint, left);
    else {
      trusted.delete(key.fingerprint);
      _serverKeys.delete(key.fingerprint);
    }
  };
}

// ── reading Telegram's answers ─────────────────────────────────────────────────────────────

function codeTypeOf(type: Api.auth.TypeSentCodeType): LoginCodeType {
  if (type instanceof Api.auth.SentCodeTypeApp) return "app";
  if (
    type instanceof Api.auth.SentCodeTypeSms ||
    type instanceof Api.auth.SentCodeTypeFirebaseSms ||
    type instanceof Api.auth.SentCodeTypeSmsWord ||
    type instanceof Api.auth.SentCodeTypeSmsPhrase
  )
    return "sms";
  if (type instanceof Api.auth.SentCodeTypeCall) return "call";
  if (type instanceof Api.auth.SentCodeTypeFlashCall) return "flash_call";
  if (type instanceof Api.auth.SentCodeTypeMissedCall) return "missed_call";
  if (type instanceof Api.auth.SentCodeTypeEmailCode) return "email";
  if (type instanceof Api.auth.SentCodeTypeFragmentSms) return "fragment";
  return "other";
}

function codeLengthOf(type: Api.auth.TypeSentCodeType): number | null {
  const length = (type as { length?: unknown }).length;
  return typeof length === "number" && length > 0 ? length : null;
}

function nextTypeOf(sent: Api.auth.SentCode): string | null {
  const next = sent.nextType;
  if (next instanceof Api.auth.CodeTypeSms) return "sms";
  if (next instanceof Api.auth.CodeTypeCall) return "call";
  if (next instanceof Api.auth.CodeTypeFlashCall) return "flash_call";
  if (next instanceof Api.auth.CodeTypeMissedCall) return "missed_call";
  if (next instanceof Api.auth.CodeTypeFragmentSms) return "fragment";
  return next ? "other" : null;
}

function userOf(user: Api.TypeUser): WorkerUser {
  if (!(user instanceof Api.User))
    throw new LoginTelegramError({ kind: "unavailable", reason: "Telegram answered without the account" });
  return {
    user_id: user.id.toJSNumber(),
    username: user.username ?? null,
    first_name: user.firstName ?? null,
  };
}

function rpcName(error: LoginTelegramError): string | null {
  return error.failure.kind === "rpc" ? error.failure.errorMessage : null;
}

/** Any error from GramJS → LoginTelegramError with nothing but a name or a short reason. */
function toLoginError(error: unknown): LoginTelegramError {
  if (error instanceof LoginTelegramError) return error;
  if (error instanceof errors.FloodWaitError || error instanceof errors.FloodTestPhoneWaitError)
    return new LoginTelegramError({ kind: "rpc", errorMessage: `FLOOD_WAIT_${error.seconds}` });
  if (error instanceof errors.InvalidDCError) {
    const dc = (error as { newDc?: unknown }).newDc;
    return new LoginTelegramError({
      kind: "unavailable",
      reason: `Telegram moved this login to DC ${typeof dc === "number" ? dc : "?"} and it could not be reached there`,
    });
  }
  if (error instanceof errors.RPCError)
    return new LoginTelegramError({ kind: "rpc", errorMessage: String(error.errorMessage) });
  return new LoginTelegramError({ kind: "unavailable", reason: scrub(errorText(error)) });
}

/**
 * Key exchanges tried per connect. GramJS drops a leading zero byte of the new auth key (about one
 * exchange in 256), so its key and the DC's differ and the exchange fails ("Step 3 invalid new
 * nonce hash", or dh_gen_fail); a fresh exchange succeeds. An unknown RSA key is not retried.
 */
export const HANDSHAKE_ATTEMPTS = 3;

function isHandshakeFailure(error: Error): boolean {
  return (
    (error instanceof errors.SecurityError || /^Step \d/.test(errorText(error))) &&
    !/could not find a valid key for fingerprints/.test(errorText(error))
  );
}

function describeConnectError(error: Error, testDc: boolean): string {
  const text = errorText(error);
  if (/could not find a valid key for fingerprints/.test(text))
    return testDc
      ? "the test DC's RSA key is not the one in TG_TEST_DC_PUBLIC_KEY (the DH key exchange was refused)"
      : "Telegram's RSA key is unknown to GramJS (the DH key exchange was refused)";
  const code = (error as { code?: unknown }).code;
  if (code === "ECONNREFUSED") return "the connection was refused";
  if (code === "ETIMEDOUT" || code === "EHOSTUNREACH" || code === "ENETUNREACH")
    return `the host cannot be reached (${code})`;
  return scrub(text);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Log and message text from GramJS, cut short and without long digit runs (phones, codes). */
function scrub(text: string): string {
  return text.replace(/\d{4,}/g, "#").slice(0, 200);
}

/**
 * GramJS's logger for login clients: never the console, nothing above debug except DC moves,
 * every line scrubbed, and the one line that can print a whole TL answer dropped.
 */
class QuietGramLog extends Logger {
  constructor(private readonly target: LoginLog) {
    super(LogLevel.NONE);
  }

  // GramJS prints raw errors with console.error when this says yes.
  override canSend(): boolean {
    return false;
  }

  override _log(level: LogLevel, message: string): void {
    if (message.includes("without parent request")) return;
    if (/^(Phone migrated to \d+|Reconnecting to new data center \d+)$/.test(message)) {
      this.target.info({ source: "gramjs", component: "telegram-login" }, message);
      return;
    }
    if (level === LogLevel.ERROR || level === LogLevel.WARN)
      this.target.debug({ source: "gramjs", component: "telegram-login", level }, scrub(message));
  }
}

class TimeoutError extends Error {
  constructor(ms: number) {
    super(`timed out after ${ms} ms`);
    this.name = "TimeoutError";
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(ms)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
