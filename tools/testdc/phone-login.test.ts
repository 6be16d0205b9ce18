import { Api } from "telegram";
import { returnBigInt } from "telegram/Helpers.js";
import { computeCheck } from "telegram/Password.js";
import { beforeAll, describe, expect, it } from "vitest";
import { bytesFromBig, DH_G, DH_PRIME, DH_PRIME_BYTES } from "./dh-group.ts";
import {
  DEFAULT_CODE_TTL_MS,
  type LoginAccount,
  LoginError,
  MAX_CODE_ATTEMPTS,
  normalisePhone,
  PhoneLogin,
} from "./phone-login.ts";
import { createPasswordSecret, type PasswordSecret, type SrpChallenge } from "./srp.ts";

const PLAIN: LoginAccount = { phone: "15550001", userId: 11 };
let secret: PasswordSecret;
let twoFactor: LoginAccount;

beforeAll(async () => {
  secret = await createPasswordSecret("correct horse");
  twoFactor = { phone: "15550002", userId: 12, password: secret, hint: "horse" };
});

function setup(codeTtlMs?: number) {
  const clock = { now: 1_700_000_000_000 };
  const login = new PhoneLogin({ codeTtlMs, now: () => clock.now });
  login.add(PLAIN);
  login.add(twoFactor);
  return { login, clock };
}

function loginError(run: () => unknown): { code: number; message: string } {
  try {
    run();
  } catch (error) {
    if (error instanceof LoginError) return { code: error.errorCode, message: error.errorMessage };
    throw error;
  }
  throw new Error("expected a LoginError");
}

/** account.password as the DC sends it, for GramJS's computeCheck. */
function passwordObject(challenge: SrpChallenge): Api.account.Password {
  return new Api.account.Password({
    hasPassword: true,
    currentAlgo: new Api.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow({
      salt1: secret.salt1,
      salt2: secret.salt2,
      g: DH_G,
      p: DH_PRIME_BYTES,
    }),
    srp_B: challenge.B,
    srpId: returnBigInt(challenge.id),
    newAlgo: new Api.PasswordKdfAlgoUnknown(),
    newSecureAlgo: new Api.SecurePasswordKdfAlgoUnknown(),
    secureRandom: Buffer.alloc(32),
  });
}

describe("phone numbers", () => {
  it("keeps the digits of what people type and refuses what is not a phone number", () => {
    expect(normalisePhone("+1 555-000 (1)")).toBe("15550001");
    expect(normalisePhone(" 15550001")).toBe("15550001"); // "+" arrives as a space in a query string
    expect(normalisePhone("+123456789012345")).toBe("123456789012345");
    for (const bad of ["", "+", "1234", "+1234567890123456", "+1555abc", "++15550001", "1555\n0001x"])
      expect(normalisePhone(bad), bad).toBeUndefined();
  });
});

describe("login codes", () => {
  it("sends a fresh 5-digit code and hash per call; only the latest counts", () => {
    const { login } = setup();
    const first = login.sendCode("+15550001");
    const second = login.sendCode("+1 555 0001");
    expect(first.code).toMatch(/^\d{5}$/);
    expect(second.phoneCodeHash).not.toBe(first.phoneCodeHash);
    expect(login.lastCode("+15550001")).toMatchObject({ phone: "15550001", code: second.code });
    expect(loginError(() => login.signIn("+15550001", first.phoneCodeHash, first.code)).message).toBe(
      "PHONE_CODE_INVALID",
    );
    expect(login.signIn("+15550001", second.phoneCodeHash, second.code)).toEqual({
      kind: "authorized",
      account: PLAIN,
    });
  });

  it("fails sign-in as Telegram does: empty code or hash, wrong code, bad phone", () => {
    const { login } = setup();
    const { phoneCodeHash, code } = login.sendCode("+15550001");
    const wrong = code === "00000" ? "11111" : "00000";
    expect(loginError(() => login.signIn("+15550001", phoneCodeHash, ""))).toEqual({
      code: 400,
      message: "PHONE_CODE_EMPTY",
    });
    expect(loginError(() => login.signIn("+15550001", "", code)).message).toBe("PHONE_CODE_HASH_EMPTY");
    expect(loginError(() => login.signIn("+15550001", "feedface", code)).message).toBe("PHONE_CODE_INVALID");
    expect(loginError(() => login.signIn("+15550001", phoneCodeHash, wrong)).message).toBe(
      "PHONE_CODE_INVALID",
    );
    expect(loginError(() => login.signIn("hello", phoneCodeHash, code)).message).toBe("PHONE_NUMBER_INVALID");
    expect(loginError(() => login.sendCode("12")).message).toBe("PHONE_NUMBER_INVALID");
    expect(loginError(() => login.signIn("+15559999", phoneCodeHash, code)).message).toBe(
      "PHONE_CODE_INVALID",
    );
    // The right code still works after those.
    expect(login.signIn("+15550001", phoneCodeHash, code).kind).toBe("authorized");
    // A code works once.
    expect(loginError(() => login.signIn("+15550001", phoneCodeHash, code)).message).toBe(
      "PHONE_CODE_EXPIRED",
    );
  });

  it("expires a code after codeTtlMs (5 minutes by default)", () => {
    expect(setup().login.codeTtlMs).toBe(DEFAULT_CODE_TTL_MS);
    const { login, clock } = setup(1_000);
    const { phoneCodeHash, code } = login.sendCode("+15550001");
    clock.now += 999;
    const again = login.sendCode("+15550001");
    clock.now += 1_000;
    expect(loginError(() => login.signIn("+15550001", again.phoneCodeHash, again.code)).message).toBe(
      "PHONE_CODE_EXPIRED",
    );
    expect(loginError(() => login.signIn("+15550001", phoneCodeHash, code)).message).toBe(
      "PHONE_CODE_INVALID",
    );
    expect(login.lastCode("+15550001")!.expiresAt - login.lastCode("+15550001")!.sentAt).toBe(1_000);
  });

  it(`voids a code after ${MAX_CODE_ATTEMPTS} wrong attempts`, () => {
    const { login } = setup();
    const { phoneCodeHash, code } = login.sendCode("+15550001");
    const wrong = code === "00000" ? "11111" : "00000";
    for (let i = 0; i < MAX_CODE_ATTEMPTS - 1; i++)
      loginError(() => login.signIn("+15550001", phoneCodeHash, wrong));
    const last = login.sendCode("+15550001");
    const lastWrong = last.code === "00000" ? "11111" : "00000";
    for (let i = 0; i < MAX_CODE_ATTEMPTS; i++)
      expect(loginError(() => login.signIn("+15550001", last.phoneCodeHash, lastWrong)).message).toBe(
        "PHONE_CODE_INVALID",
      );
    expect(loginError(() => login.signIn("+15550001", last.phoneCodeHash, last.code)).message).toBe(
      "PHONE_CODE_EXPIRED",
    );
    // A new code starts a new count (and the old hash no longer counts).
    const fresh = login.sendCode("+15550001");
    for (let i = 0; i < MAX_CODE_ATTEMPTS - 1; i++)
      loginError(() => login.signIn("+15550001", fresh.phoneCodeHash, fresh.code === "00000" ? "1" : "0"));
    expect(login.signIn("+15550001", fresh.phoneCodeHash, fresh.code).kind).toBe("authorized");
  });

  it("answers an unknown number with sign-up required and a 2FA account with password needed", () => {
    const { login } = setup();
    const unknown = login.sendCode("+15559999");
    expect(login.signIn("+15559999", unknown.phoneCodeHash, unknown.code)).toEqual({
      kind: "sign_up_required",
    });
    const guarded = login.sendCode("+15550002");
    expect(login.signIn("+15550002", guarded.phoneCodeHash, guarded.code)).toEqual({
      kind: "password_needed",
      account: twoFactor,
    });
  });

  it("resends and cancels codes only for the current hash", () => {
    const { login } = setup();
    const first = login.sendCode("+15550001");
    const resent = login.resendCode("+15550001", first.phoneCodeHash);
    expect(resent.phoneCodeHash).not.toBe(first.phoneCodeHash);
    expect(loginError(() => login.resendCode("+15550001", first.phoneCodeHash)).message).toBe(
      "PHONE_CODE_INVALID",
    );
    login.cancelCode("+15550001", resent.phoneCodeHash);
    expect(loginError(() => login.signIn("+15550001", resent.phoneCodeHash, resent.code)).message).toBe(
      "PHONE_CODE_EXPIRED",
    );
  });
});

describe("2FA passwords (SRP-2048)", () => {
  it("accepts GramJS's computeCheck with the right password", async () => {
    const { login } = setup();
    const challenge = login.challenge(twoFactor)!;
    expect(challenge.B).toHaveLength(256);
    const check = await computeCheck(passwordObject(challenge), "correct horse");
    expect(() => login.checkPassword(twoFactor, challenge.id, check.A, check.M1)).not.toThrow();
  });

  it("refuses a wrong password, a spent or stale srp_id, and a forged A", async () => {
    const { login } = setup();
    const first = login.challenge(twoFactor)!;
    const wrong = await computeCheck(passwordObject(first), "wrong horse");
    expect(loginError(() => login.checkPassword(twoFactor, first.id, wrong.A, wrong.M1))).toEqual({
      code: 400,
      message: "PASSWORD_HASH_INVALID",
    });
    // The attempt spent the challenge, right password or not.
    const right = await computeCheck(passwordObject(first), "correct horse");
    expect(loginError(() => login.checkPassword(twoFactor, first.id, right.A, right.M1)).message).toBe(
      "SRP_ID_INVALID",
    );
    const stale = login.challenge(twoFactor)!;
    const current = login.challenge(twoFactor)!;
    const staleCheck = await computeCheck(passwordObject(stale), "correct horse");
    expect(
      loginError(() => login.checkPassword(twoFactor, stale.id, staleCheck.A, staleCheck.M1)).message,
    ).toBe("SRP_ID_INVALID");
    for (const forged of [Buffer.from([1]), bytesFromBig(DH_PRIME - 1n), Buffer.alloc(0)]) {
      const again = login.challenge(twoFactor)!;
      const check = await computeCheck(passwordObject(again), "correct horse");
      expect(loginError(() => login.checkPassword(twoFactor, again.id, forged, check.M1)).message).toBe(
        "PASSWORD_HASH_INVALID",
      );
    }
    expect(login.challenge(PLAIN)).toBeUndefined();
    expect(
      loginError(() => login.checkPassword(PLAIN, current.id, Buffer.alloc(256), Buffer.alloc(32))).message,
    ).toBe("SRP_ID_INVALID");
  });

  it("keeps only salts and a verifier, different for the same password", async () => {
    const again = await createPasswordSecret("correct horse");
    expect(again.salt1).toHaveLength(40);
    expect(again.salt2).toHaveLength(16);
    expect(again.verifier).not.toBe(secret.verifier);
    expect(JSON.stringify(Object.keys(again))).not.toMatch(/password/i);
  });
});
