import { describe, expect, it } from "vitest";
import { GraphQLRequestError } from "./graphql/errors.ts";
import {
  checkCode,
  checkPhone,
  codeDeliveryText,
  loginProblemOf,
  PHONE_DIGITS,
  PHONE_MAX_LENGTH,
  problemText,
  waitText,
} from "./telegram-login.ts";

describe("checkPhone", () => {
  it("accepts international numbers as people type them", () => {
    expect(checkPhone(" +44 7700 900123 ")).toEqual({ phone: "+447700900123" });
    expect(checkPhone("+1 (555) 000-1234")).toEqual({ phone: "+15550001234" });
    expect(checkPhone("0049 30.1234567")).toEqual({ phone: "+49301234567" });
  });

  it("says what is wrong with a number that cannot be international", () => {
    expect(checkPhone("")).toEqual({ problem: expect.stringMatching(/^Enter your phone number/) });
    expect(checkPhone("07700 900123")).toEqual({
      problem: expect.stringMatching(/^Start with \+ and the country code/),
    });
    expect(checkPhone("+44 call me")).toEqual({ problem: "Use only digits, spaces and a leading +." });
    expect(checkPhone("+44+7700")).toEqual({ problem: "Put the + only at the start." });
  });

  it("bounds the digits and the length", () => {
    expect(checkPhone(`+${"1".repeat(PHONE_DIGITS.min)}`)).toHaveProperty("phone");
    expect(checkPhone(`+${"1".repeat(PHONE_DIGITS.min - 1)}`)).toHaveProperty("problem");
    expect(checkPhone(`+${"1".repeat(PHONE_DIGITS.max)}`)).toHaveProperty("phone");
    expect(checkPhone(`+${"1".repeat(PHONE_DIGITS.max + 1)}`)).toHaveProperty("problem");
    expect(checkPhone(`+1${" ".repeat(PHONE_MAX_LENGTH - 8)}555000`)).toHaveProperty("phone");
    expect(checkPhone(`+1${" ".repeat(PHONE_MAX_LENGTH - 7)}555000`)).toEqual({
      problem: "That is too long for a phone number.",
    });
  });
});

describe("checkCode", () => {
  it("drops spaces and dashes and checks the length Telegram gave", () => {
    expect(checkCode("123 45", 5)).toEqual({ code: "12345" });
    expect(checkCode("1234", 5)).toEqual({ problem: "The code has 5 digits." });
    expect(checkCode("12a45", 5)).toEqual({ problem: "The code is made of digits only." });
    expect(checkCode("  ", null)).toEqual({ problem: "Enter the code." });
    expect(checkCode("1234567", null)).toEqual({ code: "1234567" });
  });
});

describe("words", () => {
  it("says where the code went", () => {
    expect(codeDeliveryText("APP", "+15••••01")).toMatch(/^Telegram sent a code to your Telegram app/);
    expect(codeDeliveryText("SMS", "+15••••01")).toBe("Telegram sent a code by SMS to +15••••01.");
    expect(codeDeliveryText("CALL", null)).toBe("Telegram is calling your phone to read the code out.");
    expect(codeDeliveryText(null, null)).toBe("Telegram sent you a login code.");
  });

  it("rounds waits up to whole minutes", () => {
    expect(waitText(5)).toBe("1 min");
    expect(waitText(60)).toBe("1 min");
    expect(waitText(61)).toBe("2 min");
    expect(waitText(3600)).toBe("1 h");
    expect(waitText(3601)).toBe("1 h 1 min");
  });
});

describe("loginProblemOf", () => {
  const now = 1_000_000;
  it("puts a wrong code next to the code field with the attempts left", () => {
    const error = new GraphQLRequestError([
      { message: "That code is not right.", extensions: { code: "LOGIN_CODE_INVALID", attemptsLeft: 3 } },
    ]);
    const problem = loginProblemOf(error, now, "failed");
    expect(problem).toEqual({
      code: "LOGIN_CODE_INVALID",
      message: "That code is not right.",
      field: "code",
      attemptsLeft: 3,
      retryAt: null,
    });
    expect(problemText(problem, now)).toBe("That code is not right. 3 attempts left.");
    expect(problemText({ ...problem, attemptsLeft: 1 }, now)).toBe("That code is not right. 1 attempt left.");
  });

  it("dates a flood wait and counts it down", () => {
    const error = new GraphQLRequestError([
      {
        message: "Telegram asks to wait",
        extensions: { code: "TELEGRAM_FLOOD_WAIT", retryAfterSeconds: 300 },
      },
    ]);
    const problem = loginProblemOf(error, now, "failed");
    expect(problem).toMatchObject({ field: null, retryAt: now + 300_000 });
    expect(problemText(problem, now)).toBe("Telegram asks to wait: try again in 5 min.");
    expect(problemText(problem, now + 250_000)).toBe("Telegram asks to wait: try again in 1 min.");
    expect(problemText(problem, now + 300_000)).toBe("You can try again now.");
  });

  it("uses the field path of a validation error, and the message of a network error", () => {
    const error = new GraphQLRequestError([
      {
        message: "Enter the phone number.",
        extensions: {
          code: "VALIDATION_FAILED",
          fields: [{ path: ["phone"], message: "Enter the phone number." }],
        },
      },
    ]);
    expect(loginProblemOf(error, now, "failed").field).toBe("phone");
    expect(loginProblemOf(new Error("Cannot reach the server"), now, "failed")).toMatchObject({
      code: null,
      message: "Cannot reach the server",
      field: null,
    });
  });
});
