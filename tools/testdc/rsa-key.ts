import {
  constants,
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  type KeyObject,
  privateDecrypt,
} from "node:crypto";
import { promisify } from "node:util";
import { serializeBytes } from "telegram/tl/generationHelpers.js";
import { aesIgeDecrypt } from "./aes-ige.ts";
import { bigFromBytes } from "./dh-group.ts";

/** MTProto's RSA_PAD works on 2048-bit keys only (a 256-byte block). */
export const RSA_KEY_BITS = 2048;
const RSA_BYTES = RSA_KEY_BITS / 8;
/** RSA_PAD: data_with_padding (192) reversed, then SHA256(temp_key + data_with_padding) (32). */
const RSA_PAD_DATA = 192;

/** The key given to the DC is not a usable MTProto server key. */
export class RsaKeyError extends Error {
  readonly code = "BAD_RSA_KEY";
  constructor(message: string) {
    super(message);
    this.name = "RsaKeyError";
  }
}

function base64UrlToBig(value: string): bigint {
  return bigFromBytes(Buffer.from(value, "base64url"));
}

/** Minimal big-endian bytes of a positive number, as Telegram serializes n and e. */
function minimalBytes(value: bigint): Buffer {
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  return Buffer.from(hex, "hex");
}

/**
 * Telegram's RSA key fingerprint: the lower 64 bits of SHA1 of the bare TL object
 * `rsa_public_key n:bytes e:bytes`, read as a signed little-endian 64-bit integer, written in
 * decimal. That is the key format of GramJS's `_serverKeys` Map (telegram/crypto/RSA.js).
 */
export function rsaFingerprint(n: bigint, e: bigint): string {
  const digest = createHash("sha1")
    .update(Buffer.concat([serializeBytes(minimalBytes(n)), serializeBytes(minimalBytes(e))]))
    .digest();
  return digest.readBigInt64LE(12).toString();
}

/** n and e of an RSA public (or private) key given as PEM (PKCS#1 or SPKI, or a private key). */
export function rsaPublicNumbers(pem: string): { n: bigint; e: bigint } {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    throw new RsaKeyError("not a PEM RSA key");
  }
  if (key.asymmetricKeyType !== "rsa") throw new RsaKeyError("not an RSA key");
  const jwk = key.export({ format: "jwk" });
  return { n: base64UrlToBig(jwk.n!), e: base64UrlToBig(jwk.e!) };
}

let processKey: Promise<DcRsaKey> | undefined;

/**
 * One key generated on first use and shared by every DC of this process that is not given its own
 * (as Telegram's DCs share theirs): generating a 2048-bit key takes 0.05-0.4 s, too long to pay
 * for each of the many DCs a test suite starts.
 */
export function processRsaKey(): Promise<DcRsaKey> {
  processKey ??= DcRsaKey.create().catch((error: unknown) => {
    processKey = undefined;
    throw error;
  });
  return processKey;
}

/**
 * The DC's RSA key pair: clients encrypt their part of the key exchange (p_q_inner_data, RSA_PAD)
 * with the public half, found by fingerprint among the keys they trust.
 */
export class DcRsaKey {
  /** PKCS#1 PEM ("-----BEGIN RSA PUBLIC KEY-----"), the form in which Telegram publishes its keys. */
  readonly publicKeyPem: string;
  /** Signed 64-bit decimal, as {@link rsaFingerprint}. */
  readonly fingerprint: string;
  readonly n: bigint;
  readonly e: bigint;

  private constructor(private readonly privateKey: KeyObject) {
    const publicKey = createPublicKey(privateKey);
    this.publicKeyPem = publicKey.export({ type: "pkcs1", format: "pem" }).toString();
    const jwk = publicKey.export({ format: "jwk" });
    this.n = base64UrlToBig(jwk.n!);
    this.e = base64UrlToBig(jwk.e!);
    this.fingerprint = rsaFingerprint(this.n, this.e);
  }

  /** Loads the given private key (PEM, PKCS#1 or PKCS#8), or generates a fresh 2048-bit one (e = 65537). */
  static async create(privateKeyPem?: string): Promise<DcRsaKey> {
    if (privateKeyPem === undefined) {
      const { privateKey } = await promisify(generateKeyPair)("rsa", {
        modulusLength: RSA_KEY_BITS,
        publicExponent: 65537,
      });
      return new DcRsaKey(privateKey);
    }
    let key: KeyObject;
    try {
      key = createPrivateKey(privateKeyPem);
    } catch {
      throw new RsaKeyError("rsaPrivateKey is not a PEM private key");
    }
    if (key.asymmetricKeyType !== "rsa") throw new RsaKeyError("rsaPrivateKey is not an RSA key");
    if (key.asymmetricKeyDetails?.modulusLength !== RSA_KEY_BITS)
      throw new RsaKeyError(`rsaPrivateKey must be a ${RSA_KEY_BITS}-bit key (MTProto's RSA_PAD needs one)`);
    return new DcRsaKey(key);
  }

  /**
   * Undoes the client's RSA_PAD (https://core.telegram.org/mtproto/auth_key, step 4): raw RSA,
   * then temp_key = temp_key_xor ^ SHA256(aes_encrypted), AES-256-IGE with a zero IV, reverse, and
   * the SHA256(temp_key + data_with_padding) check. Returns the 192 bytes of data_with_padding, or
   * undefined for anything that is not a valid RSA_PAD block for this key.
   */
  decryptRsaPad(encrypted: Buffer): Buffer | undefined {
    if (encrypted.length !== RSA_BYTES) return undefined;
    let block: Buffer;
    try {
      // OpenSSL refuses a ciphertext >= n, as the spec demands.
      block = privateDecrypt({ key: this.privateKey, padding: constants.RSA_NO_PADDING }, encrypted);
    } catch {
      return undefined;
    }
    if (block.length !== RSA_BYTES) return undefined;
    const aesEncrypted = block.subarray(32);
    const hash = createHash("sha256").update(aesEncrypted).digest();
    const tempKey = Buffer.alloc(32);
    for (let i = 0; i < 32; i++) tempKey[i] = block[i]! ^ hash[i]!;
    const dataWithHash = aesIgeDecrypt(tempKey, Buffer.alloc(32), aesEncrypted);
    const data = Buffer.from(dataWithHash.subarray(0, RSA_PAD_DATA)).reverse();
    const expected = createHash("sha256").update(tempKey).update(data).digest();
    if (!expected.equals(dataWithHash.subarray(RSA_PAD_DATA))) return undefined;
    return data;
  }
}
