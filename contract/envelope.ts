/**
 * The JSON envelope of every sentinel REST answer (and of the UI's REST compat routes),
 * built here and nowhere else. Shapes are the seed's contract.
 */

/** Stable error codes. Add codes here; never reuse one for a different meaning. */
export const ERROR_STATUS = {
  BAD_REQUEST: 400,
  VALIDATION_FAILED: 400,
  INVALID_JSON: 400,
  INVALID_SESSION_FILE: 400,
  PYROGRAM_SESSION_UNSUPPORTED: 400,
  INVALID_PROFILES: 400,
  INVALID_EXPORT: 400,
  /** A UI setting key that is not one of the preferences the UI offers. */
  UNKNOWN_SETTING: 400,
  /** Telegram login from the UI (sentinel/login/): a phone number Telegram cannot use. */
  LOGIN_PHONE_INVALID: 400,
  /** The login code is wrong; `details.attempts_left` says how many tries remain. */
  LOGIN_CODE_INVALID: 400,
  /** The login code expired (or was replaced): the login must be started again. */
  LOGIN_CODE_EXPIRED: 400,
  /** The 2FA password is wrong; `details.attempts_left` says how many tries remain. */
  LOGIN_PASSWORD_INVALID: 400,
  UNAUTHORIZED: 401,
  INVALID_CREDENTIALS: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  /** No Telegram account uses that phone number (signing up is not offered). */
  LOGIN_ACCOUNT_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  /** No pending login, or it is at another step than the request is for. */
  LOGIN_STEP_MISMATCH: 409,
  PAYLOAD_TOO_LARGE: 413,
  SESSION_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  TOO_MANY_ATTEMPTS: 429,
  /** Telegram asked to wait (FLOOD_WAIT_X): `Retry-After` and `details.retry_after_s`. */
  TELEGRAM_FLOOD_WAIT: 429,
  INTERNAL_ERROR: 500,
  STORAGE_ERROR: 500,
  SENTINEL_BAD_RESPONSE: 502,
  SENTINEL_UNAVAILABLE: 503,
  TELEGRAM_UNAVAILABLE: 503,
  /** TG_API_ID/TG_API_HASH are not set (or Telegram refused them): no login possible. */
  TELEGRAM_NOT_CONFIGURED: 503,
  NOT_AUTHORIZED: 503,
  SENTINEL_TIMEOUT: 504,
  /** Telegram did not answer in time (the seed's 60 s for auth). */
  TELEGRAM_TIMEOUT: 504,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface OkEnvelope<T> {
  status: "ok";
  message?: string;
  data: T;
  error: null;
}

export interface ErrorEnvelope {
  status: "error";
  code: ErrorCode;
  message: string;
  data: null;
  error: { code: ErrorCode; message: string; details?: unknown };
}

export type Envelope<T> = OkEnvelope<T> | ErrorEnvelope;

export function ok<T>(data: T, message?: string): OkEnvelope<T> {
  return message === undefined
    ? { status: "ok", data, error: null }
    : { status: "ok", message, data, error: null };
}

export function fail(code: ErrorCode, message: string, details?: unknown): ErrorEnvelope {
  return {
    status: "error",
    code,
    message,
    data: null,
    error: details === undefined ? { code, message } : { code, message, details },
  };
}

export function statusOf(code: ErrorCode): number {
  return ERROR_STATUS[code];
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && Object.hasOwn(ERROR_STATUS, value);
}

/**
 * A domain error with a stable code; the HTTP layer turns it into the envelope.
 * Messages must be safe to show a user: never include secrets or file contents.
 */
export class SentinelError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly details?: unknown;
  constructor(code: ErrorCode, message: string, options?: { details?: unknown; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "SentinelError";
    this.code = code;
    this.statusCode = statusOf(code);
    this.details = options?.details;
  }
}
