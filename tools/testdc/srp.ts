import { createHash, pbkdf2, randomBytes, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";
import {
  bigFromBytes,
  bytesFromBig,
  DH_BYTES,
  DH_G,
  DH_PRIME,
  DH_PRIME_BYTES,
  inSafeRange,
  modPow,
} from "./dh-group.ts";

/**
 * The server half of Telegram's 2FA password check, SRP-2048 with the KDF
 * `passwordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow`
 * (https://core.telegram.org/api/srp). The DC stores only the salts and the verifier v = g^x;
 * the password itself is never kept.
 */

/** PBKDF2-HMAC-SHA512 rounds of the KDF (fixed by the algorithm's name). */
export const PASSWORD_KDF_ITERATIONS = 100_000;
/** Telegram's salt1 is 8 server bytes plus 32 client bytes; salt2 is 16 bytes. */
const SALT1_BYTES = 40;
const SALT2_BYTES = 16;

/** What the DC keeps of a 2FA password. */
export interface PasswordSecret {
  salt1: Buffer;
  salt2: Buffer;
  /** v = g^x mod p, x = PH2(password, salt1, salt2). */
  verifier: bigint;
}

function sha256(...parts: Buffer[]): Buffer {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return hash.digest();
}

/** SH(data, salt) := H(salt | data | salt). */
function saltedHash(data: Buffer, salt: Buffer): Buffer {
  return sha256(salt, data, salt);
}

/** x = PH2(password, salt1, salt2) := SH(pbkdf2(sha512, PH1(password), salt1, 100000), salt2). */
async function passwordHash(password: string, salt1: Buffer, salt2: Buffer): Promise<bigint> {
  const ph1 = saltedHash(saltedHash(Buffer.from(password, "utf8"), salt1), salt2);
  const stretched = await promisify(pbkdf2)(ph1, salt1, PASSWORD_KDF_ITERATIONS, 64, "sha512");
  return bigFromBytes(saltedHash(stretched, salt2));
}

/** Salts and verifier for a password (about 0.1 s of PBKDF2, off the event loop). */
export async function createPasswordSecret(password: string): Promise<PasswordSecret> {
  const salt1 = randomBytes(SALT1_BYTES);
  const salt2 = randomBytes(SALT2_BYTES);
  const x = await passwordHash(password, salt1, salt2);
  return { salt1, salt2, verifier: modPow(BigInt(DH_G), x, DH_PRIME) };
}

const G_PADDED = bytesFromBig(BigInt(DH_G));
/** k := H(p | g), both padded to 256 bytes. */
const K = bigFromBytes(sha256(DH_PRIME_BYTES, G_PADDED));

/**
 * One SRP round: account.getPassword hands out srp_id and srp_B = k·v + g^b mod p; the client's
 * answer (A, M1) is checked against the same b. Each challenge is meant to be used once.
 */
export class SrpChallenge {
  private constructor(
    /** srp_id, a random signed 64-bit number. */
    readonly id: bigint,
    /** srp_B, 256 bytes big-endian. */
    readonly B: Buffer,
    private readonly b: bigint,
  ) {}

  static create(secret: PasswordSecret): SrpChallenge {
    for (;;) {
      const b = bigFromBytes(randomBytes(DH_BYTES));
      const gB = modPow(BigInt(DH_G), b, DH_PRIME);
      // The client derives g^b back from B and refuses it outside the safe range.
      if (!inSafeRange(gB)) continue;
      const B = (K * secret.verifier + gB) % DH_PRIME;
      if (B === 0n) continue;
      return new SrpChallenge(randomBytes(8).readBigInt64LE(0), bytesFromBig(B), b);
    }
  }

  /** True when M1 proves knowledge of the password behind `secret` for this challenge and A. */
  verify(secret: PasswordSecret, aBytes: Buffer, m1: Buffer): boolean {
    if (aBytes.length === 0 || aBytes.length > DH_BYTES || m1.length !== 32) return false;
    const A = bigFromBytes(aBytes);
    if (!inSafeRange(A)) return false;
    const aPadded = bytesFromBig(A);
    const u = bigFromBytes(sha256(aPadded, this.B));
    if (u === 0n) return false;
    const S = modPow((A * modPow(secret.verifier, u, DH_PRIME)) % DH_PRIME, this.b, DH_PRIME);
    const sessionKey = sha256(bytesFromBig(S));
    const pHash = sha256(DH_PRIME_BYTES);
    const gHash = sha256(G_PADDED);
    for (let i = 0; i < pHash.length; i++) pHash[i] = pHash[i]! ^ gHash[i]!;
    const expected = sha256(pHash, sha256(secret.salt1), sha256(secret.salt2), aPadded, this.B, sessionKey);
    return timingSafeEqual(expected, m1);
  }
}
