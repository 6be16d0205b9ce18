import { describe, expect, it } from "vitest";
import { ConfigError, EnvReader, isLoopbackHost, readRedisTarget } from "./env-check.ts";

describe("EnvReader", () => {
  it("lists every problem at once", () => {
    const reader = new EnvReader({ SENTINEL_API_PORT: "80800", LIMIT: "x", FLAG: "maybe" });
    reader.port("SENTINEL_API_PORT", 8080);
    reader.int("LIMIT", 1, 0, 10);
    reader.bool("FLAG", false);
    reader.required("TG_API_HASH", "Telegram credentials");
    expect(() => reader.throwIfProblems("sentinel")).toThrow(ConfigError);
    try {
      reader.throwIfProblems("sentinel");
    } catch (err) {
      expect((err as ConfigError).problems).toHaveLength(4);
      expect((err as Error).message).toContain("SENTINEL_API_PORT must be a port number");
      expect((err as Error).message).toContain("TG_API_HASH is required");
    }
  });

  it("treats blank values as unset", () => {
    expect(new EnvReader({ X: "  " }).string("X", "d")).toBe("d");
  });
});

describe("readRedisTarget", () => {
  it("is null without REDIS_URL or REDIS_HOST (in-memory adapters)", () => {
    expect(readRedisTarget(new EnvReader({}))).toBeNull();
  });
  it("prefers REDIS_URL and keeps the tgsentinel: prefix", () => {
    expect(readRedisTarget(new EnvReader({ REDIS_URL: "redis://r:1", REDIS_HOST: "h" }))).toEqual({
      url: "redis://r:1",
      prefix: "tgsentinel:",
    });
    expect(readRedisTarget(new EnvReader({ REDIS_HOST: "redis", REDIS_PORT: "6380" }))).toEqual({
      host: "redis",
      port: 6380,
      prefix: "tgsentinel:",
    });
  });
});

it("knows loopback addresses", () => {
  expect(isLoopbackHost("127.0.0.1")).toBe(true);
  expect(isLoopbackHost("::1")).toBe(true);
  expect(isLoopbackHost("0.0.0.0")).toBe(false);
  expect(isLoopbackHost("10.0.0.5")).toBe(false);
});
