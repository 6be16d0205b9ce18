/**
 * One Telegram login at a time, driven by the REST routes: it owns the pending login's state
 * (login-flow.ts), its Telegram client (a {@link LoginClient}), the expiry timer, and the order of
 * requests. No Fastify, Prisma or Redis in here; the plugin wires in how a finished login is stored.
 *
 * - A new start replaces the pending login: its client is destroyed at once, and a request still
 *   waiting on it answers LOGIN_STEP_MISMATCH.
 * - Requests for one login run one after another (a second code submitted while the first is with
 *   Telegram waits, then finds the step changed), so nothing is ever sent to Telegram twice at once.
 * - A pending login expires LOGIN_TTL_MS after its step began; its client is destroyed then.
 * - On success the client is destroyed first, then `complete` stores the session (the auth key is
 *   wiped from memory afterwards), and the state reads "done" for LOGIN_TTL_MS.
 */
import { SentinelError } from "@tgsentinel/contract/envelope.ts";
import type { WorkerUser } from "@tgsentinel/contract/events.ts";
import type { GramJsLogin } from "../session/gramjs-session.ts";
import { type LoginClient, type LoginLog, LoginTelegramError } from "./gramjs-login.ts";
import { type LoginRequest, mapLoginFailure } from "./login-errors.ts";
import {
  IDLE,
  LOGIN_TTL_MS,
  type LoginEvent,
  type LoginState,
  type LoginView,
  liveLoginState,
  loginView,
  nextLoginState,
  stepMismatch,
} from "./login-flow.ts";
import { maskPhone, parseLoginCode, parseLoginPassword, parsePhone } from "./login-input.ts";

/** A login failure for the envelope; `retryAfterSeconds` becomes the Retry-After header. */
export class LoginError extends SentinelError {
  readonly retryAfterSeconds: number | null;
  constructor(
    code: SentinelError["code"],
    message: string,
    options: { details?: Record<string, unknown>; retryAfterSeconds?: number } = {},
  ) {
    const retry = options.retryAfterSeconds;
    super(code, message, {
      details: retry === undefined ? options.details : { ...options.details, retry_after_s: retry },
    });
    this.name = "LoginError";
    this.retryAfterSeconds = retry ?? null;
  }
}

export interface TelegramLoginOptions {
  /** A fresh client for a new login; null when logging in is not possible (see `unavailable`). */
  createClient: (() => LoginClient) | null;
  /** Why there is no client (answered as TELEGRAM_NOT_CONFIGURED). */
  unavailable?: string;
  /** Stores the authorised login (as an import would) and starts the worker with it. */
  complete: (login: GramJsLogin, user: WorkerUser) => Promise<void>;
  /** Whether a session is stored now (the state's `replaces_session`). */
  sessionStored: () => boolean;
  /** Told about every flood wait Telegram imposed on a login request (for /api/status). */
  onFloodWait?: (method: string, seconds: number) => void;
  log: LoginLog & { error(obj: object, msg?: string): void };
  now?: () => Date;
  /** LOGIN_TTL_MS unless a test shrinks it. */
  ttlMs?: number;
}

interface PendingLogin {
  id: number;
  client: LoginClient | null;
  state: LoginState;
  queue: Promise<unknown>;
  timer: NodeJS.Timeout | null;
  ended: boolean;
}

const METHOD_OF: Record<LoginRequest, string> = {
  send_code: "auth.SendCode",
  sign_in: "auth.SignIn",
  check_password: "auth.CheckPassword",
};

export class TelegramLogin {
  private current: PendingLogin | null = null;
  private sequence = 0;
  private closed = false;
  private readonly now: () => Date;
  private readonly ttlMs: number;

  constructor(private readonly options: TelegramLoginOptions) {
    this.now = options.now ?? (() => new Date());
    this.ttlMs = options.ttlMs ?? LOGIN_TTL_MS;
  }

  /** The state as the REST API shows it (idle when none, or when the pending one expired). */
  view(): LoginView {
    return loginView(this.liveState(), this.options.sessionStored());
  }

  /** POST /api/session/login: asks Telegram to send a code to `phoneInput`, replacing any pending login. */
  async start(phoneInput: unknown): Promise<LoginView> {
    const phone = parsePhone(phoneInput);
    if (!phone.ok) throw new LoginError(phone.code, phone.message);
    const createClient = this.options.createClient;
    if (createClient === null)
      throw new LoginError("TELEGRAM_NOT_CONFIGURED", this.options.unavailable ?? "Telegram login is off");
    if (this.closed) throw new LoginError("TELEGRAM_UNAVAILABLE", "The sentinel is shutting down");

    const previous = this.current;
    if (previous) {
      this.options.log.info({ login: previous.id }, "telegram login replaced by a new one");
      void this.end(previous);
    }
    const login: PendingLogin = {
      id: ++this.sequence,
      client: createClient(),
      state: IDLE,
      queue: Promise.resolve(),
      timer: null,
      ended: false,
    };
    this.current = login;
    const phoneMasked = maskPhone(phone.value);
    return this.exclusive(login, async () => {
      let sentCode: Awaited<ReturnType<LoginClient["sendCode"]>>;
      try {
        sentCode = await this.clientOf(login).sendCode(phone.value);
      } catch (error) {
        throw await this.failed(login, error, "send_code");
      }
      this.apply(login, { type: "code_sent", phoneMasked, sentCode, at: this.now() });
      this.options.log.info(
        { login: login.id, phone: phoneMasked, code_type: sentCode.codeType },
        "telegram login: code sent",
      );
      return this.viewOf(login);
    });
  }

  /** POST /api/session/login/code. */
  async submitCode(codeInput: unknown): Promise<LoginView> {
    if (typeof codeInput !== "string")
      throw new LoginError("VALIDATION_FAILED", "code must be a string of digits");
    const login = this.pendingOrMismatch("code");
    return this.exclusive(login, async () => {
      const state = this.requireStep(login, "code");
      const code = parseLoginCode(codeInput, state.sentCode.codeLength);
      if (!code.ok)
        throw new LoginError(code.code, code.message, {
          details: { step: "code", attempts_left: state.attemptsLeft },
        });
      let outcome: Awaited<ReturnType<LoginClient["signIn"]>>;
      try {
        outcome = await this.clientOf(login).signIn(code.value);
      } catch (error) {
        throw await this.failed(login, error, "sign_in");
      }
      this.assertCurrent(login);
      switch (outcome.kind) {
        case "signed_in":
          return this.finish(login, outcome.user);
        case "password_needed":
          this.apply(login, { type: "password_needed", hint: outcome.hint, at: this.now() });
          this.options.log.info({ login: login.id }, "telegram login: code accepted; 2FA password needed");
          return this.viewOf(login);
        case "sign_up_required":
          await this.end(login);
          throw new LoginError(
            "LOGIN_ACCOUNT_NOT_FOUND",
            "No Telegram account uses this phone number (signing up is not offered here)",
            { details: { step: "idle", attempts_left: null } },
          );
      }
    });
  }

  /** POST /api/session/login/password. */
  async submitPassword(passwordInput: unknown): Promise<LoginView> {
    const password = parseLoginPassword(passwordInput);
    if (!password.ok) throw new LoginError(password.code, password.message);
    const login = this.pendingOrMismatch("password");
    return this.exclusive(login, async () => {
      this.requireStep(login, "password");
      let user: WorkerUser;
      try {
        user = await this.clientOf(login).checkPassword(password.value);
      } catch (error) {
        throw await this.failed(login, error, "check_password");
      }
      this.assertCurrent(login);
      return this.finish(login, user);
    });
  }

  /** DELETE /api/session/login: forgets the login and destroys its client. A stored session stays. */
  async cancel(): Promise<LoginView> {
    const login = this.current;
    if (login) {
      this.options.log.info({ login: login.id, step: login.state.step }, "telegram login cancelled");
      await this.end(login);
    }
    return this.view();
  }

  /** Destroys the pending login's client; later starts are refused. For the app's onClose. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.current) await this.end(this.current);
  }

  // ── steps ────────────────────────────────────────────────────────────────────────────────

  private async finish(login: PendingLogin, user: WorkerUser): Promise<LoginView> {
    const client = this.clientOf(login);
    const exported = client.exportLogin();
    // The worker will use this key: the login's own connection goes first.
    login.client = null;
    await client.destroy();
    try {
      await this.options.complete(exported, user);
    } catch (error) {
      await this.end(login);
      if (error instanceof SentinelError) throw error;
      this.options.log.error(
        { login: login.id, error: error instanceof Error ? error.message : String(error) },
        "telegram login: the session could not be stored",
      );
      throw new LoginError("STORAGE_ERROR", "The session could not be stored; log in again");
    } finally {
      exported.authKey.fill(0);
    }
    const done = nextLoginState(login.state, { type: "signed_in", user, at: this.now() }, this.ttlMs);
    // A cancel that came while the session was being stored leaves the state idle.
    if (!login.ended) {
      login.state = done;
      this.arm(login);
    }
    this.options.log.info(
      { login: login.id, user_id: user.user_id },
      "telegram login: signed in; session stored",
    );
    return loginView(done, false);
  }

  /** Turns a client failure into the answer, applying what it means to the login. */
  private async failed(login: PendingLogin, error: unknown, request: LoginRequest): Promise<LoginError> {
    this.assertCurrent(login);
    if (!(error instanceof LoginTelegramError)) {
      await this.end(login);
      this.options.log.error(
        { login: login.id, request, error: error instanceof Error ? error.message : String(error) },
        "telegram login failed unexpectedly",
      );
      return new LoginError("TELEGRAM_UNAVAILABLE", "The login failed unexpectedly; start again", {
        details: { step: "idle", attempts_left: null },
      });
    }
    const failure = mapLoginFailure(error.failure, request);
    if (failure.retryAfterSeconds !== undefined)
      this.options.onFloodWait?.(METHOD_OF[request], failure.retryAfterSeconds);
    let code = failure.code;
    let message = failure.message;
    if (failure.effect === "wrong_code" || failure.effect === "wrong_password") {
      this.apply(login, { type: failure.effect === "wrong_code" ? "code_rejected" : "password_rejected" });
      if (login.state.step === "idle") {
        await this.end(login);
        code = "TOO_MANY_ATTEMPTS";
        message =
          failure.effect === "wrong_code"
            ? "Too many wrong codes: the login was cancelled; start again"
            : "Too many wrong passwords: the login was cancelled; start again";
      }
    } else if (failure.effect === "end") await this.end(login);
    this.options.log.info(
      {
        login: login.id,
        request,
        code,
        telegram: error.failure.kind === "rpc" ? error.failure.errorMessage : error.failure.kind,
      },
      "telegram login request refused",
    );
    const state = login.ended ? IDLE : login.state;
    return new LoginError(code, message, {
      details: {
        step: state.step,
        attempts_left:
          state.step === "code" || state.step === "password"
            ? state.attemptsLeft
            : code === "TOO_MANY_ATTEMPTS"
              ? 0
              : null,
      },
      ...(failure.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: failure.retryAfterSeconds }),
    });
  }

  // ── bookkeeping ──────────────────────────────────────────────────────────────────────────

  private liveState(): LoginState {
    const login = this.current;
    return login ? liveLoginState(login.state, this.now()) : IDLE;
  }

  private viewOf(login: PendingLogin): LoginView {
    return loginView(login.state, this.options.sessionStored());
  }

  /** The pending login a step request is for, or LOGIN_STEP_MISMATCH when there is none. */
  private pendingOrMismatch(wanted: "code" | "password"): PendingLogin {
    const login = this.current;
    if (login && liveLoginState(login.state, this.now()).step !== "idle") return login;
    // A login whose start is still with Telegram has no step yet: queue behind it.
    if (login && login.state.step === "idle" && !login.ended) return login;
    throw mismatch(IDLE, wanted);
  }

  /** Inside the queue: the login must still be current, unexpired and at `wanted`. */
  private requireStep<S extends "code" | "password">(
    login: PendingLogin,
    wanted: S,
  ): Extract<LoginState, { step: S }> {
    this.assertCurrent(login);
    const state = liveLoginState(login.state, this.now());
    if (state.step !== wanted) throw mismatch(state, wanted);
    return state as Extract<LoginState, { step: S }>;
  }

  private assertCurrent(login: PendingLogin): void {
    if (login.ended || this.current !== login)
      throw new LoginError(
        "LOGIN_STEP_MISMATCH",
        "This login was cancelled, expired or replaced by a newer one; start again",
        { details: { step: this.liveState().step, attempts_left: null } },
      );
  }

  private clientOf(login: PendingLogin): LoginClient {
    this.assertCurrent(login);
    if (!login.client) throw mismatch(login.state, "code");
    return login.client;
  }

  private apply(login: PendingLogin, event: LoginEvent): void {
    login.state = nextLoginState(login.state, event, this.ttlMs);
    this.arm(login);
  }

  /** (Re)arms the expiry of the login's current step. */
  private arm(login: PendingLogin): void {
    if (login.timer) clearTimeout(login.timer);
    login.timer = null;
    const state = login.state;
    if (state.step === "idle") return;
    const delay = Math.max(0, state.expiresAt.getTime() - this.now().getTime());
    login.timer = setTimeout(() => {
      login.timer = null;
      if (login.ended) return;
      if (state.step !== "done")
        this.options.log.info({ login: login.id, step: state.step }, "telegram login expired");
      void this.end(login);
    }, delay);
    login.timer.unref();
  }

  private async end(login: PendingLogin): Promise<void> {
    login.ended = true;
    if (login.timer) clearTimeout(login.timer);
    login.timer = null;
    if (this.current === login) this.current = null;
    const client = login.client;
    login.client = null;
    if (client) await client.destroy();
  }

  /** Runs `task` after every earlier task of the same login has settled. */
  private exclusive<T>(login: PendingLogin, task: () => Promise<T>): Promise<T> {
    const run = login.queue.then(task, task);
    login.queue = run.catch(() => {});
    return run;
  }
}

function mismatch(state: LoginState, wanted: "code" | "password"): LoginError {
  return new LoginError(
    "LOGIN_STEP_MISMATCH",
    stepMismatch(state, wanted) ?? "The login is at another step",
    {
      details: { step: state.step, attempts_left: null },
    },
  );
}
