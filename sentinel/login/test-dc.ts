/**
 * TG_TEST_DC and TG_TEST_DC_PUBLIC_KEY: where a local MTProto test DC listens and the RSA key it
 * proves itself with during the DH key exchange. Pure parsing (the environment module reads the
 * file); registering the key with GramJS is the adapter's job (gramjs-login.ts).
 */
import { createHash, createPublicKey } from "node:crypto";
import net from "node:net";

/** The test DC plays Telegram's DC 2 (contract: tools/testdc). */
export const TEST_DC_ID = 2;
/** GramJS's RSA step writes exactly 256 bytes: only 2048-bit keys work. */
export const TEST_DC_KEY_BITS = 2048;

export interface TestDcAddress {
  host: string;
  port: number;
}

/** The test DC's public key as GramJS's `_serverKeys` wants it, plus its Telegram fingerprint. */
export interface TestDcPublicKey {
  /** Modulus, big-endian, no leading zero byte. */
  n: Buffer;
  e: number;
  /** Lower 64 bits of sha1(TL rsa_public_key n:bytes e:bytes), as a signed decimal string. */
  fingerprint: string;
}

/**
 * "127.0.0.1:23456", "localhost:23456", "[::1]:23456". Only loopback hosts are accepted: the test
 * DC's key is trusted like Telegram's own, which must never extend to another machine.
 */
export function parseTestDcAddress(value: string): TestDcAddress {
  const match = /^\[([^\]]+)\]:(\d+)$/.exec(value) ?? /^([^:[\]]+):(\d+)$/.exec(value);
  if (!match) throw new Error(`must be <host>:<port> (e.g. 127.0.0.1:23456), got ${JSON.stringify(value)}`);
  const host = match[1]!;
  const port = Number(match[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error(`has port ${match[2]}, which is not a port number 1-65535`);
  if (!isLoopback(host))
    throw new Error(
      `names ${host}, which is not a loopback address (127.0.0.0/8, ::1 or localhost); ` +
        "a test DC's key is trusted like Telegram's, so it may only run on this machine",
    );
  return { host, port };
}

function isLoopback(host: string): boolean {
  if (host === "localhost") return true;
  if (net.isIPv4(host)) return host.split(".")[0] === "127";
  if (net.isIPv6(host)) return net.isIPv6(host) && expandIPv6(host) === "0:0:0:0:0:0:0:1";
  return false;
}

function expandIPv6(address: string): string {
  const [head = "", tail = ""] = address.split("::");
  const left = head === "" ? [] : head.split(":");
  const right = address.includes("::") ? (tail === "" ? [] : tail.split(":")) : [];
  const zeros = new Array(Math.max(0, 8 - left.length - right.length)).fill("0");
  return [...left, ...zeros, ...right].map((part) => Number.parseInt(part, 16).toString(16)).join(":");
}

/** Reads an RSA public key (PKCS#1 "RSA PUBLIC KEY" or SPKI "PUBLIC KEY" PEM). Throws on anything else. */
export function parseTestDcPublicKey(pem: string): TestDcPublicKey {
  let jwk: { kty?: string; n?: string; e?: string };
  try {
    jwk = createPublicKey({ key: pem, format: "pem" }).export({ format: "jwk" }) as typeof jwk;
  } catch {
    throw new Error("is not a PEM public key (PKCS#1 or SPKI)");
  }
  if (jwk.kty !== "RSA" || !jwk.n || !jwk.e) throw new Error("is not an RSA public key");
  const n = Buffer.from(jwk.n, "base64url");
  const eBytes = Buffer.from(jwk.e, "base64url");
  if (n.length * 8 !== TEST_DC_KEY_BITS)
    throw new Error(`is a ${n.length * 8}-bit RSA key; MTProto needs ${TEST_DC_KEY_BITS} bits`);
  if (eBytes.length > 4) throw new Error("has an RSA exponent larger than 32 bits");
  const e = eBytes.reduce((value, byte) => value * 256 + byte, 0);
  return { n, e, fingerprint: rsaFingerprint(n, eBytes) };
}

/** Telegram's RSA key fingerprint: sha1 of the TL-serialised key, lower 64 bits, signed. */
export function rsaFingerprint(n: Buffer, e: Buffer): string {
  const digest = createHash("sha1")
    .update(Buffer.concat([tlBytes(n), tlBytes(e)]))
    .digest();
  return digest.readBigInt64LE(12).toString();
}

/** TL `bytes`: a 1-byte length (or 254 + 3-byte length), the data, zero padding to 4 bytes. */
function tlBytes(data: Buffer): Buffer {
  const header =
    data.length < 254
      ? Buffer.from([data.length])
      : Buffer.from([254, data.length & 0xff, (data.length >> 8) & 0xff, (data.length >> 16) & 0xff]);
  const padding = (4 - ((header.length + data.length) % 4)) % 4;
  return Buffer.concat([header, data, Buffer.alloc(padding)]);
}
