import { generateKeyPairSync } from "node:crypto";
import { _serverKeys } from "telegram/crypto/RSA.js";
import { describe, expect, it } from "vitest";
import { trustTestDcKey } from "./gramjs-login.ts";
import { parseTestDcAddress, parseTestDcPublicKey, rsaFingerprint } from "./test-dc.ts";

function rsaKeyPems(bits = 2048): { pkcs1: string; spki: string } {
  const { publicKey } = generateKeyPairSync("rsa", { modulusLength: bits });
  return {
    pkcs1: publicKey.export({ type: "pkcs1", format: "pem" }).toString(),
    spki: publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
}

function bigEndian(value: bigint): Buffer {
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  return Buffer.from(hex, "hex");
}

describe("parseTestDcAddress", () => {
  it("accepts loopback hosts with a port", () => {
    expect(parseTestDcAddress("127.0.0.1:23456")).toEqual({ host: "127.0.0.1", port: 23456 });
    expect(parseTestDcAddress("127.8.9.10:1")).toEqual({ host: "127.8.9.10", port: 1 });
    expect(parseTestDcAddress("localhost:65535")).toEqual({ host: "localhost", port: 65535 });
    expect(parseTestDcAddress("[::1]:23456")).toEqual({ host: "::1", port: 23456 });
    expect(parseTestDcAddress("[0:0:0:0:0:0:0:1]:23456")).toEqual({ host: "0:0:0:0:0:0:0:1", port: 23456 });
  });

  it("refuses other machines, missing or bad ports and garbage", () => {
    for (const value of [
      "10.0.0.5:23456",
      "149.154.167.51:443",
      "[::2]:23456",
      "example.com:23456",
      "0.0.0.0:1",
    ])
      expect(() => parseTestDcAddress(value), value).toThrow(/not a loopback address/);
    expect(() => parseTestDcAddress("127.0.0.1")).toThrow(/<host>:<port>/);
    expect(() => parseTestDcAddress("127.0.0.1:0")).toThrow(/not a port number/);
    expect(() => parseTestDcAddress("127.0.0.1:70000")).toThrow(/not a port number/);
    expect(() => parseTestDcAddress("::1:23456")).toThrow(/<host>:<port>/);
    expect(() => parseTestDcAddress("127.0.0.1.evil.example:80")).toThrow(/not a loopback address/);
  });
});

describe("the test DC's RSA key", () => {
  it("computes Telegram's fingerprint exactly as GramJS lists its own keys", () => {
    // Every built-in key of GramJS is keyed by its fingerprint: recompute each from n and e.
    expect(_serverKeys.size).toBeGreaterThan(0);
    for (const [fingerprint, key] of _serverKeys) {
      const n = bigEndian(BigInt(key.n.toString()));
      expect(rsaFingerprint(n, bigEndian(BigInt(key.e)))).toBe(fingerprint);
    }
  });

  it("reads PKCS#1 and SPKI PEMs of the same key to the same numbers and fingerprint", () => {
    const pems = rsaKeyPems();
    const a = parseTestDcPublicKey(pems.pkcs1);
    const b = parseTestDcPublicKey(pems.spki);
    expect(a.n.length).toBe(256);
    expect(a.e).toBe(65537);
    expect(a.fingerprint).toMatch(/^-?\d+$/);
    expect(b).toEqual(a);
  });

  it("refuses keys MTProto cannot use and things that are not keys", () => {
    expect(() => parseTestDcPublicKey(rsaKeyPems(1024).spki)).toThrow(/1024-bit RSA key; MTProto needs 2048/);
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({
      type: "spki",
      format: "pem",
    });
    expect(() => parseTestDcPublicKey(ec.toString())).toThrow(/not an RSA public key/);
    expect(() => parseTestDcPublicKey("hello")).toThrow(/not a PEM public key/);
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    // A private key holds the public one: accepted, only its public half is used.
    const fromPrivate = parseTestDcPublicKey(privateKey.export({ type: "pkcs1", format: "pem" }).toString());
    expect(fromPrivate.n.length).toBe(256);
  });

  it("is trusted by GramJS while registered, counted per holder, and forgotten when the last releases it", () => {
    const key = parseTestDcPublicKey(rsaKeyPems().pkcs1);
    expect(_serverKeys.has(key.fingerprint)).toBe(false);
    const releaseA = trustTestDcKey(key);
    const releaseB = trustTestDcKey(key);
    const entry = _serverKeys.get(key.fingerprint);
    expect(entry?.e).toBe(65537);
    expect(bigEndian(BigInt(entry!.n.toString())).equals(key.n)).toBe(true);
    releaseA();
    releaseA();
    expect(_serverKeys.has(key.fingerprint)).toBe(true);
    releaseB();
    expect(_serverKeys.has(key.fingerprint)).toBe(false);
  });
});
