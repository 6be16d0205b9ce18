import { Api, errors } from "telegram";
import { describe, expect, it } from "vitest";
import { classifyTelegramError, TelegramGatewayError } from "./telegram-errors.ts";

describe("classifyTelegramError", () => {
  it.each([
    ["AUTH_KEY_UNREGISTERED", 401, /logged out or terminated/],
    ["AUTH_KEY_DUPLICATED", 406, /from another place at the same time/],
    ["SESSION_REVOKED", 401, /terminated from another device/],
    ["USER_DEACTIVATED", 401, /deleted or deactivated/],
  ])("treats %s as a dead session with a clear message", (code, status, reason) => {
    const failure = classifyTelegramError(new errors.RPCError(code, new Api.updates.GetState(), status));
    expect(failure).toMatchObject({ kind: "unauthorized", code });
    expect(failure.message).toContain(`(${code})`);
    expect(failure.message).toMatch(reason);
  });

  it("reads the seconds of a flood wait, typed or plain", () => {
    expect(classifyTelegramError(new errors.FloodWaitError({ capture: 42 }))).toMatchObject({
      kind: "flood",
      seconds: 42,
    });
    expect(
      classifyTelegramError(new errors.RPCError("FLOOD_WAIT_7", new Api.updates.GetState(), 420)),
    ).toMatchObject({
      kind: "flood",
      seconds: 7,
    });
  });

  it("leaves everything else to the reconnect loop", () => {
    expect(classifyTelegramError(new Error("connect ECONNREFUSED 127.0.0.1:443"))).toEqual({
      kind: "transient",
      message: "connect ECONNREFUSED 127.0.0.1:443",
    });
    expect(
      classifyTelegramError(new errors.RPCError("CHANNEL_PRIVATE", new Api.updates.GetState(), 400)),
    ).toMatchObject({
      kind: "transient",
    });
  });
});

describe("TelegramGatewayError", () => {
  it("carries a stable code the REST envelope maps to a status", () => {
    const error = new TelegramGatewayError("RATE_LIMITED", "wait", { retryAfterSeconds: 30 });
    expect(error).toMatchObject({
      name: "TelegramGatewayError",
      code: "RATE_LIMITED",
      statusCode: 429,
      retryAfterSeconds: 30,
    });
    expect(new TelegramGatewayError("NOT_AUTHORIZED", "x").statusCode).toBe(503);
  });
});
