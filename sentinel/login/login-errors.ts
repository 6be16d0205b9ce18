/**
 * What a failed login request means for the user and for the login: Telegram's RPC error names
 * (and our own timeouts and network failures) → a stable envelope code, a message safe to show,
 * and what becomes of the pending login. Pure: the GramJS adapter reduces its errors to
 * {@link TelegramLoginFailure} first, so no request object or payload ever gets this far.
 */
import type { ErrorCode } from "@tgsentinel/contract/envelope.ts";

/** The Telegram request that failed. */
export type LoginRequest = "send_code" | "sign_in" | "check_password";

/** A failure as the adapter reports it: an RPC error name, a timeout, or no connection. */
export type TelegramLoginFailure =
  | { kind: "rpc"; errorMessage: string }
  | { kind: "timeout"; ms: number }
  | { kind: "unavailable"; reason: string };

/**
 * What happens to the pending login: `wrong_code`/`wrong_password` spend an attempt and keep the
 * step, `keep` leaves it as it was (the user may simply try again), `end` cancels it (start again).
 */
export type LoginFailureEffect = "wrong_code" | "wrong_password" | "keep" | "end";

export interface LoginFailure {
  code: ErrorCode;
  message: string;
  effect: LoginFailureEffect;
  /** TELEGRAM_FLOOD_WAIT: seconds before Telegram accepts the request again. */
  retryAfterSeconds?: number;
}

const START_AGAIN = "start the login again";

/** Telegram's errors of the login methods that mean something to the user. */
const KNOWN: Record<string, Omit<LoginFailure, "retryAfterSeconds">> = {
  PHONE_NUMBER_INVALID: {
    code: "LOGIN_PHONE_INVALID",
    message: "Telegram does not accept this phone number; check the country code",
    effect: "end",
  },
  PHONE_NUMBER_BANNED: {
    code: "LOGIN_PHONE_INVALID",
    message: "This phone number is banned from Telegram",
    effect: "end",
  },
  PHONE_NUMBER_UNOCCUPIED: {
    code: "LOGIN_ACCOUNT_NOT_FOUND",
    message: "No Telegram account uses this phone number (signing up is not offered here)",
    effect: "end",
  },
  PHONE_NUMBER_APP_SIGNUP_FORBIDDEN: {
    code: "LOGIN_ACCOUNT_NOT_FOUND",
    message: "No Telegram account uses this phone number (signing up is not offered here)",
    effect: "end",
  },
  PHONE_NUMBER_FLOOD: {
    code: "TOO_MANY_ATTEMPTS",
    message: "Telegram sends no more codes to this number for now (too many requests); try again later",
    effect: "end",
  },
  PHONE_PASSWORD_FLOOD: {
    code: "TOO_MANY_ATTEMPTS",
    message: "Too many login attempts for this account; Telegram refuses more for now, try again later",
    effect: "end",
  },
  PHONE_CODE_INVALID: {
    code: "LOGIN_CODE_INVALID",
    message: "The login code is wrong",
    effect: "wrong_code",
  },
  PHONE_CODE_EMPTY: { code: "LOGIN_CODE_INVALID", message: "The login code is wrong", effect: "wrong_code" },
  PHONE_CODE_EXPIRED: {
    code: "LOGIN_CODE_EXPIRED",
    message: `The login code has expired; ${START_AGAIN} to get a new one`,
    effect: "end",
  },
  PHONE_CODE_HASH_EMPTY: {
    code: "LOGIN_CODE_EXPIRED",
    message: `Telegram no longer knows this login; ${START_AGAIN}`,
    effect: "end",
  },
  PHONE_CODE_HASH_INVALID: {
    code: "LOGIN_CODE_EXPIRED",
    message: `Telegram no longer knows this login; ${START_AGAIN}`,
    effect: "end",
  },
  PASSWORD_HASH_INVALID: {
    code: "LOGIN_PASSWORD_INVALID",
    message: "The 2FA password is wrong",
    effect: "wrong_password",
  },
  PASSWORD_EMPTY: {
    code: "LOGIN_PASSWORD_INVALID",
    message: "The 2FA password is wrong",
    effect: "wrong_password",
  },
  SRP_PASSWORD_CHANGED: {
    code: "LOGIN_PASSWORD_INVALID",
    message: `The account's 2FA password was changed during this login; ${START_AGAIN}`,
    effect: "end",
  },
  API_ID_INVALID: {
    code: "TELEGRAM_NOT_CONFIGURED",
    message: "Telegram refused TG_API_ID/TG_API_HASH; set the values from my.telegram.org",
    effect: "end",
  },
  API_ID_PUBLISHED_FLOOD: {
    code: "TELEGRAM_NOT_CONFIGURED",
    message: "Telegram refuses this TG_API_ID (it was published); create your own at my.telegram.org",
    effect: "end",
  },
  AUTH_RESTART: {
    code: "TELEGRAM_UNAVAILABLE",
    message: `Telegram asked to restart the login; ${START_AGAIN}`,
    effect: "end",
  },
  SIGN_IN_FAILED: {
    code: "TELEGRAM_UNAVAILABLE",
    message: `Telegram could not complete the sign-in; ${START_AGAIN}`,
    effect: "end",
  },
};

/** FLOOD_WAIT_X and its variants (premium, test phones) carry the seconds to wait. */
const FLOOD = /^(?:FLOOD_WAIT|FLOOD_PREMIUM_WAIT|FLOOD_TEST_PHONE_WAIT)_(\d+)$/;

/** Telegram error names are upper-case words; anything else is not shown. */
const ERROR_NAME = /^[A-Z0-9_]{1,64}$/;

export function mapLoginFailure(failure: TelegramLoginFailure, request: LoginRequest): LoginFailure {
  const ending = (result: LoginFailure): LoginFailure =>
    // Without a pending login (the phone step) nothing can be kept.
    request === "send_code" ? { ...result, effect: "end" } : result;
  switch (failure.kind) {
    case "timeout":
      return ending({
        code: "TELEGRAM_TIMEOUT",
        message: `Telegram did not answer within ${Math.round(failure.ms / 1000)} s; try again`,
        effect: "keep",
      });
    case "unavailable":
      return ending({
        code: "TELEGRAM_UNAVAILABLE",
        message: `Telegram cannot be reached: ${failure.reason}`,
        effect: "keep",
      });
    case "rpc": {
      const name = failure.errorMessage;
      const flood = FLOOD.exec(name);
      if (flood) {
        const seconds = Number(flood[1]);
        return ending({
          code: "TELEGRAM_FLOOD_WAIT",
          message: `Telegram asks to wait ${seconds} s before the next attempt`,
          effect: "keep",
          retryAfterSeconds: seconds,
        });
      }
      const known = KNOWN[name];
      if (known) return ending({ ...known });
      return ending({
        code: "TELEGRAM_UNAVAILABLE",
        message: `Telegram refused the request (${ERROR_NAME.test(name) ? name : "unknown error"})`,
        effect: "keep",
      });
    }
  }
}
