/**
 * The steps of a Telegram login from the UI, as a pure state machine: phone → code → (2FA)
 * password → done. It holds nothing secret (the phone only masked; the code hash, the codes and
 * passwords stay with the Telegram client), so a state can be shown, logged and compared freely.
 *
 *   idle ──code_sent──▶ code ──signed_in──▶ done
 *                        │ ╰──password_needed──▶ password ──signed_in──▶ done
 *                        ╰ code_rejected (attempts_left − 1; at 0 → idle)   ╰ password_rejected (likewise)
 *   any ──ended──▶ idle (cancel, expiry, expired code, unknown account, a newer login)
 *
 * Every non-idle state expires: a pending step LOGIN_TTL_MS after it was entered, "done" as long
 * after the login finished (so a UI that polls sees it), then it reads as idle.
 */
import type { WorkerUser } from "@tgsentinel/contract/events.ts";

/** How long a pending step waits for the user (and "done" stays visible). */
export const LOGIN_TTL_MS = 10 * 60_000;
/** Wrong codes accepted before the login is cancelled. */
export const MAX_CODE_ATTEMPTS = 5;
/** Wrong 2FA passwords accepted before the login is cancelled. */
export const MAX_PASSWORD_ATTEMPTS = 5;
/** Longest wait for one Telegram request of the login (the seed's 60 s for auth). */
export const LOGIN_TELEGRAM_TIMEOUT_MS = 60_000;

export type LoginStep = "idle" | "code" | "password" | "done";

/** How Telegram delivered the code (auth.SentCodeType), as the UI names it. */
export type LoginCodeType =
  | "app"
  | "sms"
  | "call"
  | "flash_call"
  | "missed_call"
  | "email"
  | "fragment"
  | "other";

export interface SentCode {
  codeType: LoginCodeType;
  /** Digits in the code, when Telegram says. */
  codeLength: number | null;
  /** How the code would be sent next (auth.CodeType), when Telegram offers another way. */
  nextType: string | null;
}

export type LoginState =
  | { step: "idle" }
  | { step: "code"; phoneMasked: string; sentCode: SentCode; attemptsLeft: number; expiresAt: Date }
  | { step: "password"; phoneMasked: string; hint: string | null; attemptsLeft: number; expiresAt: Date }
  | { step: "done"; phoneMasked: string; user: WorkerUser; expiresAt: Date };

export type LoginEvent =
  | { type: "code_sent"; phoneMasked: string; sentCode: SentCode; at: Date }
  | { type: "code_rejected" }
  | { type: "password_needed"; hint: string | null; at: Date }
  | { type: "password_rejected" }
  | { type: "signed_in"; user: WorkerUser; at: Date }
  | { type: "ended" };

export const IDLE: LoginState = { step: "idle" };

export class LoginTransitionError extends Error {
  constructor(step: LoginStep, event: LoginEvent["type"]) {
    super(`login event ${event} does not apply at step ${step}`);
    this.name = "LoginTransitionError";
  }
}

/** The state after `event`; throws LoginTransitionError for an event its step does not allow. */
export function nextLoginState(state: LoginState, event: LoginEvent, ttlMs = LOGIN_TTL_MS): LoginState {
  switch (event.type) {
    case "ended":
      return IDLE;
    case "code_sent":
      // A new login may replace any state (the service destroys the old client first).
      return {
        step: "code",
        phoneMasked: event.phoneMasked,
        sentCode: event.sentCode,
        attemptsLeft: MAX_CODE_ATTEMPTS,
        expiresAt: new Date(event.at.getTime() + ttlMs),
      };
    case "code_rejected": {
      if (state.step !== "code") throw new LoginTransitionError(state.step, event.type);
      const attemptsLeft = state.attemptsLeft - 1;
      return attemptsLeft <= 0 ? IDLE : { ...state, attemptsLeft };
    }
    case "password_needed":
      if (state.step !== "code") throw new LoginTransitionError(state.step, event.type);
      return {
        step: "password",
        phoneMasked: state.phoneMasked,
        hint: event.hint,
        attemptsLeft: MAX_PASSWORD_ATTEMPTS,
        expiresAt: new Date(event.at.getTime() + ttlMs),
      };
    case "password_rejected": {
      if (state.step !== "password") throw new LoginTransitionError(state.step, event.type);
      const attemptsLeft = state.attemptsLeft - 1;
      return attemptsLeft <= 0 ? IDLE : { ...state, attemptsLeft };
    }
    case "signed_in":
      if (state.step !== "code" && state.step !== "password")
        throw new LoginTransitionError(state.step, event.type);
      return {
        step: "done",
        phoneMasked: state.phoneMasked,
        user: event.user,
        expiresAt: new Date(event.at.getTime() + ttlMs),
      };
  }
}

/** The state as it stands at `now`: an expired one reads as idle. */
export function liveLoginState(state: LoginState, now: Date): LoginState {
  return state.step !== "idle" && state.expiresAt.getTime() <= now.getTime() ? IDLE : state;
}

/** Why a request for `wanted` cannot run at this state; null when it can. */
export function stepMismatch(state: LoginState, wanted: "code" | "password"): string | null {
  if (state.step === wanted) return null;
  switch (state.step) {
    case "idle":
      return "No login is in progress (it may have expired or been cancelled); start again with the phone number";
    case "done":
      return "This login is already finished";
    default:
      return wanted === "code"
        ? "The code was already accepted; this login now needs the account's 2FA password"
        : "This login is waiting for the login code, not for a password";
  }
}

/** The state object of the REST API (`data` of /api/session/login), snake_case like the rest. */
export interface LoginView {
  step: LoginStep;
  phone_masked: string | null;
  code_type: LoginCodeType | null;
  code_length: number | null;
  next_type: string | null;
  password_hint: string | null;
  expires_at: string | null;
  attempts_left: number | null;
  user_info: WorkerUser | null;
  /**
   * A session is stored now: finishing a login replaces it, as an import does (the previous one
   * stays the backup until the new one is written). Not part of the state machine.
   */
  replaces_session: boolean;
}

export function loginView(state: LoginState, replacesSession: boolean): LoginView {
  const view: LoginView = {
    step: state.step,
    phone_masked: null,
    code_type: null,
    code_length: null,
    next_type: null,
    password_hint: null,
    expires_at: null,
    attempts_left: null,
    user_info: null,
    // Once done, the new session is the stored one: nothing is left to replace.
    replaces_session: state.step !== "done" && replacesSession,
  };
  switch (state.step) {
    case "idle":
      return view;
    case "code":
      return {
        ...view,
        phone_masked: state.phoneMasked,
        code_type: state.sentCode.codeType,
        code_length: state.sentCode.codeLength,
        next_type: state.sentCode.nextType,
        expires_at: state.expiresAt.toISOString(),
        attempts_left: state.attemptsLeft,
      };
    case "password":
      return {
        ...view,
        phone_masked: state.phoneMasked,
        password_hint: state.hint,
        expires_at: state.expiresAt.toISOString(),
        attempts_left: state.attemptsLeft,
      };
    case "done":
      return {
        ...view,
        phone_masked: state.phoneMasked,
        expires_at: state.expiresAt.toISOString(),
        user_info: state.user,
      };
  }
}
