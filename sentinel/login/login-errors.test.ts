import { describe, expect, it } from "vitest";
import { type LoginRequest, mapLoginFailure } from "./login-errors.ts";

const rpc = (errorMessage: string, request: LoginRequest = "sign_in") =>
  mapLoginFailure({ kind: "rpc", errorMessage }, request);

describe("mapLoginFailure", () => {
  it("turns a wrong code or password into an attempt spent at the same step", () => {
    expect(rpc("PHONE_CODE_INVALID")).toMatchObject({ code: "LOGIN_CODE_INVALID", effect: "wrong_code" });
    expect(rpc("PHONE_CODE_EMPTY")).toMatchObject({ code: "LOGIN_CODE_INVALID", effect: "wrong_code" });
    expect(rpc("PASSWORD_HASH_INVALID", "check_password")).toMatchObject({
      code: "LOGIN_PASSWORD_INVALID",
      effect: "wrong_password",
    });
  });

  it("ends the login when the code expired, the account does not exist or the number is refused", () => {
    expect(rpc("PHONE_CODE_EXPIRED")).toMatchObject({ code: "LOGIN_CODE_EXPIRED", effect: "end" });
    expect(rpc("PHONE_CODE_HASH_EMPTY")).toMatchObject({ code: "LOGIN_CODE_EXPIRED", effect: "end" });
    expect(rpc("PHONE_NUMBER_UNOCCUPIED")).toMatchObject({ code: "LOGIN_ACCOUNT_NOT_FOUND", effect: "end" });
    expect(rpc("PHONE_NUMBER_INVALID", "send_code")).toMatchObject({
      code: "LOGIN_PHONE_INVALID",
      effect: "end",
    });
    expect(rpc("PHONE_NUMBER_BANNED", "send_code")).toMatchObject({
      code: "LOGIN_PHONE_INVALID",
      effect: "end",
    });
    expect(rpc("PHONE_NUMBER_FLOOD", "send_code")).toMatchObject({
      code: "TOO_MANY_ATTEMPTS",
      effect: "end",
    });
    expect(rpc("API_ID_INVALID", "send_code")).toMatchObject({
      code: "TELEGRAM_NOT_CONFIGURED",
      effect: "end",
    });
  });

  it("turns FLOOD_WAIT_X (and its variants) into TELEGRAM_FLOOD_WAIT with the seconds, keeping the step", () => {
    expect(rpc("FLOOD_WAIT_42")).toEqual({
      code: "TELEGRAM_FLOOD_WAIT",
      message: "Telegram asks to wait 42 s before the next attempt",
      effect: "keep",
      retryAfterSeconds: 42,
    });
    expect(rpc("FLOOD_PREMIUM_WAIT_7", "check_password")).toMatchObject({
      retryAfterSeconds: 7,
      effect: "keep",
    });
    expect(rpc("FLOOD_TEST_PHONE_WAIT_3")).toMatchObject({
      code: "TELEGRAM_FLOOD_WAIT",
      retryAfterSeconds: 3,
    });
  });

  it("ends a failed start whatever the failure (there is no step to keep)", () => {
    expect(rpc("FLOOD_WAIT_42", "send_code")).toMatchObject({ effect: "end", retryAfterSeconds: 42 });
    expect(mapLoginFailure({ kind: "timeout", ms: 60_000 }, "send_code")).toMatchObject({
      code: "TELEGRAM_TIMEOUT",
      effect: "end",
    });
  });

  it("maps timeouts to TELEGRAM_TIMEOUT and lost connections to TELEGRAM_UNAVAILABLE, keeping the step", () => {
    expect(mapLoginFailure({ kind: "timeout", ms: 60_000 }, "sign_in")).toEqual({
      code: "TELEGRAM_TIMEOUT",
      message: "Telegram did not answer within 60 s; try again",
      effect: "keep",
    });
    expect(mapLoginFailure({ kind: "unavailable", reason: "the connection was refused" }, "sign_in")).toEqual(
      {
        code: "TELEGRAM_UNAVAILABLE",
        message: "Telegram cannot be reached: the connection was refused",
        effect: "keep",
      },
    );
  });

  it("names an unknown Telegram error only when it looks like one", () => {
    expect(rpc("INTERNAL_SERVER_ERROR")).toMatchObject({
      code: "TELEGRAM_UNAVAILABLE",
      message: "Telegram refused the request (INTERNAL_SERVER_ERROR)",
      effect: "keep",
    });
    expect(rpc("weird text with 12345").message).toBe("Telegram refused the request (unknown error)");
  });
});
