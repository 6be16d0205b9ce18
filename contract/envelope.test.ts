import { describe, expect, it } from "vitest";
import { fail, ok, SentinelError, statusOf } from "./envelope.ts";

describe("the JSON envelope", () => {
  it("builds the seed's success shape", () => {
    expect(ok({ size: 1 }, "Session imported successfully")).toEqual({
      status: "ok",
      message: "Session imported successfully",
      data: { size: 1 },
      error: null,
    });
    expect(ok([])).toEqual({ status: "ok", data: [], error: null });
  });

  it("builds the seed's error shape with the code twice", () => {
    expect(fail("INVALID_SESSION_FILE", "Missing required Telethon tables: sessions")).toEqual({
      status: "error",
      code: "INVALID_SESSION_FILE",
      message: "Missing required Telethon tables: sessions",
      data: null,
      error: { code: "INVALID_SESSION_FILE", message: "Missing required Telethon tables: sessions" },
    });
  });

  it("maps codes to the seed's status codes", () => {
    expect(statusOf("SESSION_TOO_LARGE")).toBe(413);
    expect(statusOf("RATE_LIMITED")).toBe(429);
    expect(statusOf("SENTINEL_UNAVAILABLE")).toBe(503);
    expect(new SentinelError("UNAUTHORIZED", "no").statusCode).toBe(401);
  });
});
