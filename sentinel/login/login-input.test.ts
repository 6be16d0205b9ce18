import { describe, expect, it } from "vitest";
import {
  LOGIN_CODE_MAX_LENGTH,
  LOGIN_CODE_MIN_LENGTH,
  LOGIN_PASSWORD_MAX_LENGTH,
  maskPhone,
  PHONE_MAX_DIGITS,
  PHONE_MAX_INPUT_LENGTH,
  PHONE_MIN_DIGITS,
  parseLoginCode,
  parseLoginPassword,
  parsePhone,
} from "./login-input.ts";

const digitsOf = (value: unknown) => {
  const parsed = parsePhone(value);
  return parsed.ok ? parsed.value.digits : parsed.code;
};

describe("parsePhone", () => {
  it("accepts what people type around an international number and keeps the digits", () => {
    expect(digitsOf("+15550001")).toBe("15550001");
    expect(digitsOf(" +1 (555) 000-1 ")).toBe("15550001");
    expect(digitsOf("+44 20.7946.0958")).toBe("442079460958");
    expect(digitsOf("0015550001")).toBe("15550001");
    expect(digitsOf("15550001")).toBe("15550001");
  });

  it(`bounds the digits to ${PHONE_MIN_DIGITS}..${PHONE_MAX_DIGITS} (E.164) and the field to ${PHONE_MAX_INPUT_LENGTH} characters`, () => {
    expect(digitsOf(`+${"1".repeat(PHONE_MIN_DIGITS)}`)).toBe("1".repeat(PHONE_MIN_DIGITS));
    expect(digitsOf(`+${"1".repeat(PHONE_MIN_DIGITS - 1)}`)).toBe("LOGIN_PHONE_INVALID");
    expect(digitsOf(`+${"1".repeat(PHONE_MAX_DIGITS)}`)).toBe("1".repeat(PHONE_MAX_DIGITS));
    expect(digitsOf(`+${"1".repeat(PHONE_MAX_DIGITS + 1)}`)).toBe("LOGIN_PHONE_INVALID");
    expect(digitsOf(`+1${" ".repeat(PHONE_MAX_INPUT_LENGTH)}5550001`)).toBe("LOGIN_PHONE_INVALID");
  });

  it("refuses letters, a national number with a trunk 0, and anything that is not a string", () => {
    expect(digitsOf("+1555CALLME")).toBe("LOGIN_PHONE_INVALID");
    expect(digitsOf("+1 555 0001 ext 2")).toBe("LOGIN_PHONE_INVALID");
    expect(digitsOf("+")).toBe("LOGIN_PHONE_INVALID");
    expect(digitsOf("")).toBe("LOGIN_PHONE_INVALID");
    expect(digitsOf("079460958")).toBe("LOGIN_PHONE_INVALID");
    expect(digitsOf(15550001)).toBe("VALIDATION_FAILED");
    expect(digitsOf(null)).toBe("VALIDATION_FAILED");
    expect(digitsOf(undefined)).toBe("VALIDATION_FAILED");
  });

  it("never repeats the number in its messages", () => {
    const parsed = parsePhone("+1555000199999999999");
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).not.toContain("1555000199");
  });
});

describe("maskPhone", () => {
  it("shows the first and last digits and hides at least three", () => {
    expect(maskPhone({ digits: "15550001" })).toBe("+15****01");
    expect(maskPhone({ digits: "442079460958" })).toBe("+442*******58");
    expect(maskPhone({ digits: "1234567" })).toBe("+12***67");
    expect(maskPhone({ digits: "123456" })).toBe("+12***6");
    expect(maskPhone({ digits: "12345" })).toBe("+1***5");
    for (let length = PHONE_MIN_DIGITS; length <= PHONE_MAX_DIGITS; length += 1) {
      const masked = maskPhone({ digits: "9".repeat(length) });
      expect(masked.length).toBe(length + 1);
      expect((masked.match(/\*/g) ?? []).length).toBeGreaterThanOrEqual(3);
    }
  });
});

describe("parseLoginCode", () => {
  const codeOf = (value: unknown, expected: number | null = null) => {
    const parsed = parseLoginCode(value, expected);
    return parsed.ok ? parsed.value : parsed.code;
  };

  it("keeps the digits of a code typed with spaces or dashes", () => {
    expect(codeOf("12345")).toBe("12345");
    expect(codeOf("12 345")).toBe("12345");
    expect(codeOf("123-456")).toBe("123456");
    expect(codeOf(" 12345 ", 5)).toBe("12345");
  });

  it("refuses a code of another length than Telegram announced, letters and non-strings", () => {
    expect(codeOf("1234", 5)).toBe("LOGIN_CODE_INVALID");
    expect(codeOf("123456", 5)).toBe("LOGIN_CODE_INVALID");
    expect(codeOf("12a45")).toBe("LOGIN_CODE_INVALID");
    expect(codeOf("")).toBe("LOGIN_CODE_INVALID");
    expect(codeOf(12345)).toBe("VALIDATION_FAILED");
  });

  it(`bounds an unannounced code to ${LOGIN_CODE_MIN_LENGTH}..${LOGIN_CODE_MAX_LENGTH} digits`, () => {
    expect(codeOf("1".repeat(LOGIN_CODE_MIN_LENGTH))).toBe("1".repeat(LOGIN_CODE_MIN_LENGTH));
    expect(codeOf("1".repeat(LOGIN_CODE_MIN_LENGTH - 1))).toBe("LOGIN_CODE_INVALID");
    expect(codeOf("1".repeat(LOGIN_CODE_MAX_LENGTH))).toBe("1".repeat(LOGIN_CODE_MAX_LENGTH));
    expect(codeOf("1".repeat(LOGIN_CODE_MAX_LENGTH + 1))).toBe("LOGIN_CODE_INVALID");
  });

  it("never repeats the code in its messages", () => {
    const parsed = parseLoginCode("98765", 6);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).not.toContain("98765");
  });
});

describe("parseLoginPassword", () => {
  it("keeps the password exactly, spaces included, up to the limit", () => {
    expect(parseLoginPassword(" pass word ")).toEqual({ ok: true, value: " pass word " });
    expect(parseLoginPassword("x".repeat(LOGIN_PASSWORD_MAX_LENGTH)).ok).toBe(true);
  });

  it("refuses an empty, too long or non-string password without echoing it", () => {
    const long = parseLoginPassword(`secret-${"x".repeat(LOGIN_PASSWORD_MAX_LENGTH)}`);
    expect(long).toMatchObject({ ok: false, code: "VALIDATION_FAILED" });
    if (!long.ok) expect(long.message).not.toContain("secret-");
    expect(parseLoginPassword("")).toMatchObject({ ok: false, code: "VALIDATION_FAILED" });
    expect(parseLoginPassword(42)).toMatchObject({ ok: false, code: "VALIDATION_FAILED" });
  });
});
