/**
 * What a user types during the Telegram login, checked before anything reaches Telegram: the
 * phone number, the login code and the 2FA password. Pure functions; the messages never repeat
 * the value (a code or password must not travel back in an answer or a log line).
 */

/** Fewest digits of a phone number, country code included (short national numbers exist). */
export const PHONE_MIN_DIGITS = 5;
/** E.164: at most 15 digits, country code included. */
export const PHONE_MAX_DIGITS = 15;
/** Longest phone field accepted before normalising (spaces, dashes, dots, parentheses). */
export const PHONE_MAX_INPUT_LENGTH = 32;
/** Login codes are digits; Telegram's are 5 or 6 long (app, SMS, call, email, Fragment). */
export const LOGIN_CODE_MIN_LENGTH = 3;
export const LOGIN_CODE_MAX_LENGTH = 12;
/** Longest code field accepted before removing spaces and dashes ("12 345", "123-456"). */
export const LOGIN_CODE_MAX_INPUT_LENGTH = 32;
/** Longest 2FA password accepted (Telegram's apps accept far shorter ones; this bounds the work). */
export const LOGIN_PASSWORD_MAX_LENGTH = 256;

export type InputCheck<T> =
  | { ok: true; value: T }
  | { ok: false; code: "VALIDATION_FAILED" | "LOGIN_PHONE_INVALID" | "LOGIN_CODE_INVALID"; message: string };

/** A phone number as digits only (the form Telegram's own apps send). */
export interface PhoneNumber {
  digits: string;
}

/**
 * Accepts "+1 555 0001", "+1 (555) 000-1", "15550001", "0015550001"; returns the digits
 * (country code first). A leading "00" is the international prefix, not part of the number.
 */
export function parsePhone(value: unknown): InputCheck<PhoneNumber> {
  if (typeof value !== "string")
    return { ok: false, code: "VALIDATION_FAILED", message: "phone must be a string such as +15550001" };
  if (value.length > PHONE_MAX_INPUT_LENGTH)
    return {
      ok: false,
      code: "LOGIN_PHONE_INVALID",
      message: `The phone number is too long (at most ${PHONE_MAX_DIGITS} digits with the country code)`,
    };
  const compact = value.trim().replace(/[\s().-]/g, "");
  const match = /^(\+|00)?(\d+)$/.exec(compact);
  if (!match)
    return {
      ok: false,
      code: "LOGIN_PHONE_INVALID",
      message: "The phone number may hold only digits, an optional leading +, spaces, dashes and parentheses",
    };
  const digits = match[2]!;
  if (digits.length < PHONE_MIN_DIGITS || digits.length > PHONE_MAX_DIGITS)
    return {
      ok: false,
      code: "LOGIN_PHONE_INVALID",
      message: `The phone number must have ${PHONE_MIN_DIGITS} to ${PHONE_MAX_DIGITS} digits, country code included`,
    };
  if (digits.startsWith("0"))
    return {
      ok: false,
      code: "LOGIN_PHONE_INVALID",
      message: "Enter the phone number in international form, starting with the country code (e.g. +44…)",
    };
  return { ok: true, value: { digits } };
}

/**
 * The phone as the UI may show it: "+15****01". Enough to recognise one's own number, too little
 * to learn someone else's. Always at least 3 digits hidden.
 */
export function maskPhone(phone: PhoneNumber): string {
  const { digits } = phone;
  const tail = digits.length >= 7 ? 2 : 1;
  const head = Math.max(0, Math.min(digits.length >= 9 ? 3 : 2, digits.length - tail - 3));
  return `+${digits.slice(0, head)}${"*".repeat(digits.length - head - tail)}${digits.slice(-tail)}`;
}

/**
 * A login code: digits after removing spaces and dashes. When Telegram said how long the code is
 * (`expectedLength`), another length is refused here without spending one of the user's attempts.
 */
export function parseLoginCode(value: unknown, expectedLength: number | null = null): InputCheck<string> {
  if (typeof value !== "string")
    return { ok: false, code: "VALIDATION_FAILED", message: "code must be a string of digits" };
  if (value.length > LOGIN_CODE_MAX_INPUT_LENGTH)
    return { ok: false, code: "LOGIN_CODE_INVALID", message: "The login code is too long" };
  const code = value.replace(/[\s-]/g, "");
  if (!/^\d+$/.test(code))
    return { ok: false, code: "LOGIN_CODE_INVALID", message: "The login code consists of digits only" };
  if (expectedLength !== null && code.length !== expectedLength)
    return {
      ok: false,
      code: "LOGIN_CODE_INVALID",
      message: `The login code has ${expectedLength} digits`,
    };
  if (code.length < LOGIN_CODE_MIN_LENGTH || code.length > LOGIN_CODE_MAX_LENGTH)
    return {
      ok: false,
      code: "LOGIN_CODE_INVALID",
      message: `The login code has ${LOGIN_CODE_MIN_LENGTH} to ${LOGIN_CODE_MAX_LENGTH} digits`,
    };
  return { ok: true, value: code };
}

/** The 2FA password exactly as typed (spaces are part of it): 1 to LOGIN_PASSWORD_MAX_LENGTH characters. */
export function parseLoginPassword(value: unknown): InputCheck<string> {
  if (typeof value !== "string" || value.length === 0)
    return { ok: false, code: "VALIDATION_FAILED", message: "password must be a non-empty string" };
  if (value.length > LOGIN_PASSWORD_MAX_LENGTH)
    return {
      ok: false,
      code: "VALIDATION_FAILED",
      message: `password must be at most ${LOGIN_PASSWORD_MAX_LENGTH} characters`,
    };
  return { ok: true, value };
}
