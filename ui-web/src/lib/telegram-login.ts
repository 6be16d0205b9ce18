/**
 * Words and checks for logging in to Telegram from the Session page (phone → code → 2FA
 * password). Pure functions: the state lives in state/telegram-login.svelte.ts.
 */
import { GraphQLRequestError } from "./graphql/errors.ts";
import type { TelegramLoginCodeType } from "./graphql/generated/graphql.ts";

/** E.164: at most 15 digits with the country code; the sentinel takes 5 at least (PHONE_MIN_DIGITS). */
export const PHONE_DIGITS = { min: 5, max: 15 } as const;
/** The most characters the phone field takes (the server's own bound). */
export const PHONE_MAX_LENGTH = 32;

/** Example shown next to the phone field. */
export const PHONE_EXAMPLE = "+44 7700 900123";

/**
 * The phone as typed, made international: spaces, dashes, dots and brackets dropped, a leading
 * "00" read as "+". Returns the number or a message for the field.
 */
export function checkPhone(input: string): { phone: string } | { problem: string } {
  const trimmed = input.trim();
  if (trimmed === "")
    return { problem: `Enter your phone number in international format, e.g. ${PHONE_EXAMPLE}.` };
  if (trimmed.length > PHONE_MAX_LENGTH) return { problem: `That is too long for a phone number.` };
  if (!/^[+\d\s().-]+$/.test(trimmed)) return { problem: "Use only digits, spaces and a leading +." };
  let compact = trimmed.replace(/[\s().-]/g, "");
  if (compact.startsWith("00")) compact = `+${compact.slice(2)}`;
  if (!compact.startsWith("+"))
    return { problem: `Start with + and the country code, e.g. ${PHONE_EXAMPLE}.` };
  const digits = compact.slice(1);
  if (!/^\d+$/.test(digits)) return { problem: "Put the + only at the start." };
  if (digits.length < PHONE_DIGITS.min || digits.length > PHONE_DIGITS.max)
    return {
      problem: `A phone number has ${PHONE_DIGITS.min} to ${PHONE_DIGITS.max} digits with its country code.`,
    };
  return { phone: compact };
}

/** The code as typed with spaces and dashes dropped; a message when it cannot be one. */
export function checkCode(input: string, length: number | null): { code: string } | { problem: string } {
  const code = input.replace(/[\s-]/g, "");
  if (code === "") return { problem: "Enter the code." };
  if (!/^\d+$/.test(code)) return { problem: "The code is made of digits only." };
  if (length !== null && code.length !== length) return { problem: `The code has ${length} digits.` };
  return { code };
}

/** Where the code went, in words. `to` is the masked phone number when known. */
export function codeDeliveryText(type: TelegramLoginCodeType | null, to: string | null): string {
  const phone = to ?? "your phone";
  switch (type) {
    case "APP":
      return "Telegram sent a code to your Telegram app (on a phone or computer where you are logged in).";
    case "SMS":
      return `Telegram sent a code by SMS to ${phone}.`;
    case "CALL":
      return `Telegram is calling ${phone} to read the code out.`;
    case "FLASH_CALL":
      return `Telegram will call ${phone} and hang up: the code is the calling number.`;
    case "MISSED_CALL":
      return `Telegram will give ${phone} a missed call: the code is the last digits of the calling number.`;
    case "EMAIL":
      return "Telegram sent a code to the email address of your account.";
    case "FRAGMENT":
      return "Telegram sent a code to your anonymous number on fragment.com.";
    default:
      return "Telegram sent you a login code.";
  }
}

/** What the field asks for, by delivery. */
export function codeLabel(type: TelegramLoginCodeType | null): string {
  return type === "FLASH_CALL" || type === "MISSED_CALL" ? "Last digits of the calling number" : "Login code";
}

/** "1 attempt left", "3 attempts left". */
export function attemptsText(left: number): string {
  return left === 1 ? "1 attempt left" : `${left} attempts left`;
}

/** "1 min", "5 min", "2 h 5 min": a wait rounded up to whole minutes (it is read out live). */
export function waitText(seconds: number): string {
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  if (minutes < 60) return `${minutes} min`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

/** Which field a problem belongs next to. */
export type LoginField = "phone" | "code" | "password";

/** A refused step, as the login panel shows it. */
export interface LoginProblem {
  code: string | null;
  message: string;
  /** Show it next to this field instead of above the form. */
  field: LoginField | null;
  /** Wrong codes or passwords still allowed (LOGIN_CODE_INVALID, LOGIN_PASSWORD_INVALID). */
  attemptsLeft: number | null;
  /** When a flood wait ends (ms since the epoch). */
  retryAt: number | null;
}

const FIELD_OF_CODE: Record<string, LoginField> = {
  LOGIN_PHONE_INVALID: "phone",
  LOGIN_ACCOUNT_NOT_FOUND: "phone",
  LOGIN_CODE_INVALID: "code",
  LOGIN_PASSWORD_INVALID: "password",
};

/** Reads a thrown error of a login mutation into a problem to show (`now` dates a flood wait). */
export function loginProblemOf(error: unknown, now: number, fallback: string): LoginProblem {
  if (!(error instanceof GraphQLRequestError)) {
    return {
      code: null,
      message: error instanceof Error && error.message ? error.message : fallback,
      field: null,
      attemptsLeft: null,
      retryAt: null,
    };
  }
  const first = error.errors[0];
  const extensions = first?.extensions ?? {};
  const retry = extensions.retryAfterSeconds;
  const attempts = extensions.attemptsLeft;
  const fieldPath = error.fieldErrors[0]?.path;
  const field =
    (error.code ? FIELD_OF_CODE[error.code] : undefined) ??
    (fieldPath === "phone" || fieldPath === "code" || fieldPath === "password" ? fieldPath : null);
  return {
    code: error.code,
    message: first?.message ?? fallback,
    field,
    attemptsLeft: typeof attempts === "number" ? attempts : null,
    retryAt: typeof retry === "number" ? now + retry * 1000 : null,
  };
}

/** The message with the attempts left or the wait still to go, as the user reads it. */
export function problemText(problem: LoginProblem, now: number): string {
  if (problem.retryAt !== null) {
    const left = (problem.retryAt - now) / 1000;
    return left > 0 ? `Telegram asks to wait: try again in ${waitText(left)}.` : "You can try again now.";
  }
  if (problem.attemptsLeft !== null) return `${problem.message} ${attemptsText(problem.attemptsLeft)}.`;
  return problem.message;
}
