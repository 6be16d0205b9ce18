import { randomBytes, randomInt } from "node:crypto";
import { type PasswordSecret, SrpChallenge } from "./srp.ts";

/** Digits of a login code (auth.sentCodeTypeApp length). */
export const LOGIN_CODE_LENGTH = 5;
/** How long a login code is valid by default (the `codeTtlMs` option). */
export const DEFAULT_CODE_TTL_MS = 5 * 60_000;
/** Wrong codes a login may try before its code is void (PHONE_CODE_EXPIRED from then on). */
export const MAX_CODE_ATTEMPTS = 5;
/** auth.sentCode's timeout: seconds before the client may ask for the code again. */
export const CODE_RESEND_TIMEOUT_SECONDS = 60;

/** A login step failed the way Telegram fails it: an rpc_error code and message. */
export class LoginError extends Error {
  constructor(
    readonly errorCode: 400 | 401,
    readonly errorMessage: string,
  ) {
    super(`${errorCode} ${errorMessage}`);
    this.name = "LoginError";
  }
}

/**
 * A phone number as the DC keys it: digits only, 5 to 15 of them (E.164's limit), after dropping
 * the characters people type around them (+, spaces, dashes, dots, parentheses). Undefined when
 * the input is not a phone number.
 */
export function normalisePhone(input: string): string | undefined {
  const digits = input
    .trim()
    .replace(/[\s\-.()]/g, "")
    .replace(/^\+/, "");
  return /^[0-9]{5,15}$/.test(digits) ? digits : undefined;
}

/** An account one can log in to: its phone, its user and (optionally) its 2FA password. */
export interface LoginAccount {
  /** Normalised: digits only. */
  readonly phone: string;
  readonly userId: number;
  readonly password?: PasswordSecret | undefined;
  readonly hint?: string | undefined;
}

/** The code last sent to a phone, as the control API shows it. */
export interface SentLoginCode {
  /** Normalised phone (digits). */
  phone: string;
  code: string;
  sentAt: number;
  expiresAt: number;
}

interface PendingCode extends SentLoginCode {
  phoneCodeHash: string;
  attempts: number;
  used: boolean;
}

/** Where auth.signIn leaves a key. */
export type SignInOutcome =
  | { kind: "authorized"; account: LoginAccount }
  | { kind: "password_needed"; account: LoginAccount }
  | { kind: "sign_up_required" };

export interface PhoneLoginOptions {
  codeTtlMs?: number;
  now?: () => number;
}

/**
 * Phone-number login as Telegram runs it: auth.sendCode issues a fresh random code and
 * phone_code_hash per call (only the latest one counts), auth.signIn checks them, and accounts
 * with a 2FA password continue with an SRP challenge (account.getPassword / auth.checkPassword).
 * Pure state: no TL and no sockets.
 */
export class PhoneLogin {
  private readonly accounts = new Map<string, LoginAccount>();
  private readonly codes = new Map<string, PendingCode>();
  /** The one live SRP challenge per account (user id); a newer getPassword replaces it. */
  private readonly challenges = new Map<number, SrpChallenge>();
  readonly codeTtlMs: number;
  private readonly now: () => number;

  constructor(options: PhoneLoginOptions = {}) {
    this.codeTtlMs = options.codeTtlMs ?? DEFAULT_CODE_TTL_MS;
    this.now = options.now ?? Date.now;
  }

  /** Adds an account; the phone must be normalised and free. */
  add(account: LoginAccount): void {
    if (this.accounts.has(account.phone)) throw new Error(`phone ${account.phone} is taken`);
    this.accounts.set(account.phone, account);
  }

  byPhone(phone: string): LoginAccount | undefined {
    return this.accounts.get(phone);
  }

  byUserId(userId: number): LoginAccount | undefined {
    for (const account of this.accounts.values()) if (account.userId === userId) return account;
    return undefined;
  }

  list(): LoginAccount[] {
    return [...this.accounts.values()];
  }

  private phoneOf(input: string): string {
    const phone = normalisePhone(input);
    if (!phone) throw new LoginError(400, "PHONE_NUMBER_INVALID");
    return phone;
  }

  /**
   * auth.sendCode: a new code for the phone, known account or not (Telegram sends codes to new
   * numbers too, then answers signIn with "sign up required").
   */
  sendCode(phoneInput: string): { phoneCodeHash: string; code: string } {
    const phone = this.phoneOf(phoneInput);
    const sentAt = this.now();
    const pending: PendingCode = {
      phone,
      code: String(randomInt(0, 10 ** LOGIN_CODE_LENGTH)).padStart(LOGIN_CODE_LENGTH, "0"),
      sentAt,
      expiresAt: sentAt + this.codeTtlMs,
      phoneCodeHash: randomBytes(9).toString("hex"),
      attempts: 0,
      used: false,
    };
    this.codes.set(phone, pending);
    return { phoneCodeHash: pending.phoneCodeHash, code: pending.code };
  }

  /** auth.resendCode: the same as a new sendCode, allowed only for the current phone_code_hash. */
  resendCode(phoneInput: string, phoneCodeHash: string): { phoneCodeHash: string; code: string } {
    this.currentCode(this.phoneOf(phoneInput), phoneCodeHash);
    return this.sendCode(phoneInput);
  }

  /** auth.cancelCode: the code stops working. */
  cancelCode(phoneInput: string, phoneCodeHash: string): void {
    const pending = this.currentCode(this.phoneOf(phoneInput), phoneCodeHash);
    pending.used = true;
  }

  private currentCode(phone: string, phoneCodeHash: string): PendingCode {
    if (!phoneCodeHash) throw new LoginError(400, "PHONE_CODE_HASH_EMPTY");
    const pending = this.codes.get(phone);
    if (!pending || pending.phoneCodeHash !== phoneCodeHash) throw new LoginError(400, "PHONE_CODE_INVALID");
    return pending;
  }

  /** The code last sent to a phone (also once used or expired), for tests and the control API. */
  lastCode(phoneInput: string): SentLoginCode | undefined {
    const phone = normalisePhone(phoneInput);
    const pending = phone === undefined ? undefined : this.codes.get(phone);
    if (!pending) return undefined;
    const { code, sentAt, expiresAt } = pending;
    return { phone: pending.phone, code, sentAt, expiresAt };
  }

  /** auth.signIn with the code; throws {@link LoginError} as Telegram fails it. */
  signIn(phoneInput: string, phoneCodeHash: string, code: string | undefined): SignInOutcome {
    const phone = this.phoneOf(phoneInput);
    if (!code) throw new LoginError(400, "PHONE_CODE_EMPTY");
    const pending = this.currentCode(phone, phoneCodeHash);
    if (pending.used || pending.attempts >= MAX_CODE_ATTEMPTS || this.now() >= pending.expiresAt)
      throw new LoginError(400, "PHONE_CODE_EXPIRED");
    if (code !== pending.code) {
      pending.attempts++;
      throw new LoginError(400, "PHONE_CODE_INVALID");
    }
    pending.used = true;
    const account = this.accounts.get(phone);
    if (!account) return { kind: "sign_up_required" };
    if (account.password) return { kind: "password_needed", account };
    return { kind: "authorized", account };
  }

  /** account.getPassword: a new SRP challenge for a 2FA account (the previous one goes stale). */
  challenge(account: LoginAccount): SrpChallenge | undefined {
    if (!account.password) return undefined;
    const challenge = SrpChallenge.create(account.password);
    this.challenges.set(account.userId, challenge);
    return challenge;
  }

  /**
   * auth.checkPassword: srp_id must be the account's current challenge, which is spent by the
   * attempt whatever its outcome (a retry starts with a new getPassword).
   */
  checkPassword(account: LoginAccount, srpId: bigint, A: Buffer, M1: Buffer): void {
    const challenge = this.challenges.get(account.userId);
    if (!account.password || !challenge || challenge.id !== srpId)
      throw new LoginError(400, "SRP_ID_INVALID");
    this.challenges.delete(account.userId);
    if (!challenge.verify(account.password, A, M1)) throw new LoginError(400, "PASSWORD_HASH_INVALID");
  }
}
