import {
  constants,
  createHash,
  createPublicKey,
  generateKeyPairSync,
  publicEncrypt,
  randomBytes,
} from "node:crypto";
import { IGE } from "telegram/crypto/IGE.js";
import { _serverKeys } from "telegram/crypto/RSA.js";
import { describe, expect, it } from "vitest";
import { aesIgeDecrypt, aesIgeEncrypt } from "./aes-ige.ts";
import { bigFromBytes, bytesFromBig, DH_PRIME, inSafeRange } from "./dh-group.ts";
import { DcRsaKey, processRsaKey, RsaKeyError, rsaFingerprint, rsaPublicNumbers } from "./rsa-key.ts";
import { trustTestDcKey } from "./trust-key.ts";

/** The two keys GramJS 2.26 ships in telegram/crypto/RSA.js, by the fingerprint it files them under. */
const TELEGRAM_FINGERPRINTS = ["-3414540481677951611", "-5595554452916591101"];

function pemOf(n: bigint, e: bigint): string {
  const b64 = (value: bigint) =>
    bytesFromBig(value, Math.ceil(value.toString(16).length / 2)).toString("base64url");
  return createPublicKey({ key: { kty: "RSA", n: b64(n), e: b64(e) }, format: "jwk" })
    .export({ type: "pkcs1", format: "pem" })
    .toString();
}

/** The client half of RSA_PAD, written after GramJS's Authenticator (step 2). */
function rsaPad(data: Buffer, publicKeyPem: string, n: bigint): Buffer {
  const padded = Buffer.concat([data, randomBytes(192 - data.length)]);
  for (;;) {
    const tempKey = randomBytes(32);
    const dataWithHash = Buffer.concat([
      Buffer.from(padded).reverse(),
      createHash("sha256").update(tempKey).update(padded).digest(),
    ]);
    const aesEncrypted = new IGE(tempKey, Buffer.alloc(32)).encryptIge(dataWithHash);
    const hash = createHash("sha256").update(aesEncrypted).digest();
    const tempKeyXor = Buffer.from(tempKey.map((byte, i) => byte ^ hash[i]!));
    const block = Buffer.concat([tempKeyXor, aesEncrypted]);
    if (bigFromBytes(block) >= n) continue;
    return publicEncrypt({ key: publicKeyPem, padding: constants.RSA_NO_PADDING }, block);
  }
}

describe("RSA key fingerprints", () => {
  it("gives the fingerprints GramJS files Telegram's own two keys under", () => {
    for (const fingerprint of TELEGRAM_FINGERPRINTS) {
      const key = _serverKeys.get(fingerprint);
      expect(key, fingerprint).toBeDefined();
      const n = BigInt(key!.n.toString());
      const e = BigInt(key!.e);
      expect(rsaFingerprint(n, e)).toBe(fingerprint);
      // The same from the key as PEM, the form Telegram publishes.
      const fromPem = rsaPublicNumbers(pemOf(n, e));
      expect(rsaFingerprint(fromPem.n, fromPem.e)).toBe(fingerprint);
    }
  });

  it("publishes the DC key as PKCS#1 PEM, and trustTestDcKey files it in GramJS's _serverKeys", async () => {
    const rsa = await DcRsaKey.create();
    expect(rsa.publicKeyPem).toMatch(/^-----BEGIN RSA PUBLIC KEY-----\n/);
    expect(rsa.e).toBe(65537n);
    expect(rsa.n.toString(2)).toHaveLength(2048);
    expect(rsa.fingerprint).toMatch(/^-?\d+$/);
    expect(_serverKeys.has(rsa.fingerprint)).toBe(false);
    expect(trustTestDcKey(rsa.publicKeyPem)).toBe(rsa.fingerprint);
    const filed = _serverKeys.get(rsa.fingerprint)!;
    expect(filed.n.toString()).toBe(rsa.n.toString());
    expect(filed.e).toBe(65537);
  });

  it("shares one generated key per process; every DcRsaKey.create() without a key is a new one", async () => {
    const shared = await processRsaKey();
    expect(await processRsaKey()).toBe(shared);
    const fresh = await DcRsaKey.create();
    expect(fresh.fingerprint).not.toBe(shared.fingerprint);
  });

  it("loads a given 2048-bit private key and refuses other keys", async () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const pkcs8 = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const pkcs1 = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
    const a = await DcRsaKey.create(pkcs8);
    const b = await DcRsaKey.create(pkcs1);
    expect(a.fingerprint).toBe(b.fingerprint);
    const small = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey;
    await expect(DcRsaKey.create(small.export({ type: "pkcs8", format: "pem" }).toString())).rejects.toThrow(
      /2048-bit/,
    );
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
    await expect(DcRsaKey.create(ec.export({ type: "pkcs8", format: "pem" }).toString())).rejects.toThrow(
      RsaKeyError,
    );
    await expect(DcRsaKey.create("not a key")).rejects.toThrow(/not a PEM private key/);
    expect(() =>
      rsaPublicNumbers("-----BEGIN RSA PUBLIC KEY-----\nnope\n-----END RSA PUBLIC KEY-----"),
    ).toThrow(RsaKeyError);
  });
});

describe("RSA_PAD", () => {
  it("undoes the client's RSA_PAD and refuses a tampered, oversized or short block", async () => {
    const rsa = await DcRsaKey.create();
    const data = randomBytes(150);
    const encrypted = rsaPad(data, rsa.publicKeyPem, rsa.n);
    expect(rsa.decryptRsaPad(encrypted)!.subarray(0, 150).equals(data)).toBe(true);
    const tampered = Buffer.from(encrypted);
    tampered[100] = tampered[100]! ^ 1;
    expect(rsa.decryptRsaPad(tampered)).toBeUndefined();
    expect(rsa.decryptRsaPad(Buffer.alloc(256, 0xff))).toBeUndefined(); // >= n
    expect(rsa.decryptRsaPad(encrypted.subarray(1))).toBeUndefined();
    expect(rsa.decryptRsaPad(randomBytes(256).fill(0, 0, 1))).toBeUndefined();
  });
});

describe("AES-256-IGE and the DH group", () => {
  it("encrypts and decrypts exactly as GramJS's IGE does", () => {
    for (const size of [16, 48, 224, 1024]) {
      const key = randomBytes(32);
      const iv = randomBytes(32);
      const plain = randomBytes(size);
      const encrypted = aesIgeEncrypt(key, iv, plain);
      expect(encrypted.equals(new IGE(key, iv).encryptIge(plain))).toBe(true);
      expect(aesIgeDecrypt(key, iv, encrypted).equals(plain)).toBe(true);
      expect(new IGE(key, iv).decryptIge(encrypted).equals(plain)).toBe(true);
    }
    expect(() => aesIgeEncrypt(randomBytes(32), randomBytes(32), randomBytes(15))).toThrow(/multiple of 16/);
  });

  it("uses Telegram's 2048-bit safe prime and its range check for g^x", () => {
    expect(DH_PRIME.toString(2)).toHaveLength(2048);
    expect(DH_PRIME % 3n).toBe(2n); // g = 3 is a generator for it
    expect(inSafeRange(1n)).toBe(false);
    expect(inSafeRange(DH_PRIME - 1n)).toBe(false);
    expect(inSafeRange(1n << 1984n)).toBe(true);
    expect(inSafeRange((1n << 1984n) - 1n)).toBe(false);
    expect(inSafeRange(DH_PRIME - (1n << 1984n))).toBe(true);
    expect(inSafeRange(DH_PRIME - (1n << 1984n) + 1n)).toBe(false);
  });
});
