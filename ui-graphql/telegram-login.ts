import { type FieldProblem, fieldProblemsOf } from "./graphql-errors.ts";
import type { SentinelTelegramLogin } from "./sentinel-client.ts";

/**
 * Logging in to Telegram from the UI (phone → code → 2FA password), the UI's side of the
 * contract in /work/notes/login-contract.md: the sentinel talks to Telegram and holds the key;
 * this service only relays the steps. The phone, the code and the password are arguments of a
 * mutation and nothing else: they are never logged, audited or put into an error message.
 */

/**
 * Bounds on what the UI forwards (the sentinel checks the real rules; these only keep nonsense
 * and oversized values from travelling). A refusal is VALIDATION_FAILED on the argument.
 */
export const LOGIN_INPUT_LIMITS = {
  /** Characters of the phone as typed (spaces, dashes and brackets included). */
  phoneMaxLength: 32,
  /** Characters of a login code (Telegram's are 5 or 6 digits; emails' up to 8). */
  codeMaxLength: 16,
  /** Characters of a 2FA password. */
  passwordMaxLength: 256,
} as const;

/** How the pending login's code was sent (the sentinel's `code_type`). */
export const LOGIN_CODE_TYPES = [
  "APP",
  "SMS",
  "CALL",
  "FLASH_CALL",
  "MISSED_CALL",
  "EMAIL",
  "FRAGMENT",
  "OTHER",
] as const;
export type LoginCodeType = (typeof LOGIN_CODE_TYPES)[number];

export type LoginStep = "IDLE" | "CODE" | "PASSWORD" | "DONE";

/** The pending login as GraphQL shows it (camelCase, dates parsed). */
export interface TelegramLoginView {
  step: LoginStep;
  phoneMasked: string | null;
  codeType: LoginCodeType | null;
  codeLength: number | null;
  nextType: LoginCodeType | null;
  passwordHint: string | null;
  expiresAt: Date | null;
  attemptsLeft: number | null;
  user: { id: string; username: string | null; firstName: string | null } | null;
}

/** "flash_call" → "FLASH_CALL"; anything this UI does not know → "OTHER". */
export function codeTypeOf(value: string | null | undefined): LoginCodeType | null {
  if (value === null || value === undefined || value === "") return null;
  const upper = value.toUpperCase() as LoginCodeType;
  return LOGIN_CODE_TYPES.includes(upper) ? upper : "OTHER";
}

/** The sentinel's state object (snake_case) as the GraphQL view. */
export function loginViewOf(data: SentinelTelegramLogin): TelegramLoginView {
  const expires = data.expires_at ? new Date(data.expires_at) : null;
  const user = data.user_info ?? null;
  return {
    step: data.step.toUpperCase() as LoginStep,
    phoneMasked: data.phone_masked ?? null,
    codeType: codeTypeOf(data.code_type),
    codeLength: data.code_length ?? null,
    nextType: codeTypeOf(data.next_type),
    passwordHint: data.password_hint ?? null,
    expiresAt: expires && !Number.isNaN(expires.getTime()) ? expires : null,
    attemptsLeft: data.attempts_left ?? null,
    user: user
      ? { id: String(user.user_id), username: user.username ?? null, firstName: user.first_name ?? null }
      : null,
  };
}

/**
 * A phone number with all but its first two and last two digits hidden ("+15550001" →
 * "+15••••01"), for the audit log. Short numbers keep only their last digit; nothing that is
 * not a digit or the leading "+" survives.
 */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, "").slice(0, 20);
  const plus = phone.trim().startsWith("+") ? "+" : "";
  if (digits.length === 0) return "(none)";
  if (digits.length < 6) return `${plus}${"•".repeat(digits.length - 1)}${digits.slice(-1)}`;
  return `${plus}${digits.slice(0, 2)}${"•".repeat(digits.length - 4)}${digits.slice(-2)}`;
}

/** "1 min", "5 min", "2 h 5 min": how long a flood wait has left, rounded up to whole minutes. */
export function waitText(seconds: number): string {
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  if (minutes < 60) return `${minutes} min`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

/** Sentinel error codes of the login routes, with what the user is told (never the value sent). */
const LOGIN_ERROR_MESSAGES: Record<string, string> = {
  LOGIN_PHONE_INVALID:
    "Telegram does not accept this phone number. Enter it in international format: + and the country code.",
  LOGIN_ACCOUNT_NOT_FOUND:
    "There is no Telegram account for this phone number. Create one in a Telegram app first.",
  LOGIN_CODE_INVALID: "That code is not right.",
  LOGIN_CODE_EXPIRED: "The code has expired. Start again to get a new one.",
  LOGIN_PASSWORD_INVALID: "That password is not right.",
  LOGIN_STEP_MISMATCH:
    "This login is not waiting for that step any more (it expired or was cancelled). Start again.",
  TOO_MANY_ATTEMPTS: "Too many wrong attempts: the login was cancelled. Start again.",
  TELEGRAM_NOT_CONFIGURED:
    "The sentinel has no Telegram API credentials (TG_API_ID and TG_API_HASH), so it cannot log in.",
  TELEGRAM_UNAVAILABLE: "Telegram cannot be reached right now. Try again in a moment.",
  TELEGRAM_TIMEOUT: "Telegram did not answer in time. Try again.",
};

const WRONG_ANSWERS = new Set(["LOGIN_CODE_INVALID", "LOGIN_PASSWORD_INVALID"]);

export interface LoginErrorInput {
  /** The sentinel's code (or the UI's own, e.g. SENTINEL_UNAVAILABLE). */
  code: string;
  message: string;
  details?: unknown;
}

export interface LoginErrorOutput {
  code: string;
  message: string;
  extensions: { retryAfterSeconds?: number; attemptsLeft?: number; fields?: FieldProblem[] };
}

function numberIn(details: unknown, ...keys: string[]): number | undefined {
  if (details === null || typeof details !== "object") return undefined;
  for (const key of keys) {
    const value = (details as Record<string, unknown>)[key];
    if (typeof value === "number" && Number.isFinite(value) && value >= 0) return Math.round(value);
  }
  return undefined;
}

/**
 * What a login error says to the user: the code unchanged, a fixed message for the login codes,
 * the flood wait in words, the attempts left when the sentinel said. A message of any other
 * code is kept only when it does not contain one of the `secrets` sent (the code or password).
 */
export function loginErrorOf(err: LoginErrorInput, secrets: readonly string[] = []): LoginErrorOutput {
  const extensions: LoginErrorOutput["extensions"] = {};
  const retry = numberIn(err.details, "retry_after_s", "retryAfterSeconds");
  if (retry !== undefined) extensions.retryAfterSeconds = retry;
  // The sentinel sends the state after every failure; attempts matter only after a wrong answer.
  const attempts = numberIn(err.details, "attempts_left", "attemptsLeft");
  if (attempts !== undefined && WRONG_ANSWERS.has(err.code)) extensions.attemptsLeft = attempts;

  const leaks = (text: string) => secrets.some((secret) => secret.length > 0 && text.includes(secret));
  const fields = fieldProblemsOf(err.details);
  if (fields) extensions.fields = fields.map((f) => (leaks(f.message) ? { ...f, message: "invalid" } : f));

  let message = LOGIN_ERROR_MESSAGES[err.code];
  if (err.code === "TELEGRAM_FLOOD_WAIT") {
    message =
      retry === undefined
        ? "Telegram asks to wait before the next try."
        : `Telegram asks to wait: try again in ${waitText(retry)}.`;
  }
  if (message === undefined)
    message = leaks(err.message) ? "The sentinel refused the login step." : err.message;
  return { code: err.code, message, extensions };
}
