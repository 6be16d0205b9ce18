import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { AuthKeyLimitError, AuthKeyRegistry, MAX_AUTH_KEYS } from "./auth-keys.ts";

/** A packet start naming a key: auth_key_id is bytes 12..20 of SHA1(key). */
const packetFor = (key: Buffer) => createHash("sha1").update(key).digest().subarray(12, 20);

describe("the auth key registry", () => {
  it("finds a key by the auth_key_id a packet starts with", async () => {
    const registry = new AuthKeyRegistry();
    const key = randomBytes(256);
    const entry = await registry.add(key, "handshake");
    expect(registry.find(Buffer.concat([packetFor(key), randomBytes(40)]))).toBe(entry);
    expect(registry.find(randomBytes(48))).toBeUndefined();
    expect(registry.find(Buffer.alloc(4))).toBeUndefined();
    expect(entry.id).toBe(packetFor(key).toString("hex"));
  });

  it(`keeps at most maxKeys (${MAX_AUTH_KEYS} by default), forgetting the oldest key not logged in`, async () => {
    const registry = new AuthKeyRegistry(3);
    const pre = await registry.add(randomBytes(256), "pregenerated", 1);
    const loggedIn = await registry.add(randomBytes(256), "handshake");
    registry.logIn(loggedIn, 2);
    const idle = await registry.add(randomBytes(256), "handshake");
    const newest = await registry.add(randomBytes(256), "handshake");
    expect(registry.size).toBe(3);
    expect([registry.has(pre), registry.has(loggedIn), registry.has(idle), registry.has(newest)]).toEqual([
      true,
      true,
      false,
      true,
    ]);
    registry.logIn(newest, 3);
    await expect(registry.add(randomBytes(256), "handshake")).rejects.toThrow(AuthKeyLimitError);
    registry.logOut(newest);
    await registry.add(randomBytes(256), "handshake");
    expect(registry.has(newest)).toBe(false);
  });

  it("logs keys in and out and counts them per user", async () => {
    const registry = new AuthKeyRegistry();
    const a = await registry.add(randomBytes(256), "handshake");
    const b = await registry.add(randomBytes(256), "handshake");
    a.passwordPendingFor = 7;
    registry.logIn(a, 7);
    registry.logIn(b, 7);
    expect(a.passwordPendingFor).toBeUndefined();
    expect(registry.loggedInByUser()).toEqual({ 7: 2 });
    registry.logOut(a);
    expect(registry.loggedInByUser()).toEqual({ 7: 1 });
    registry.logOutAll();
    expect(registry.loggedInByUser()).toEqual({});
  });
});
