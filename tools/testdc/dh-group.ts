/**
 * The Diffie-Hellman group Telegram uses for auth key creation and for SRP 2FA passwords: its
 * published 2048-bit safe prime (https://core.telegram.org/mtproto/auth_key, the same bytes GramJS's
 * `Password.js` accepts as the only "good prime") with generator 3, and BigInt arithmetic in it.
 */

/** Telegram's 2048-bit safe prime, big-endian. */
export const DH_PRIME_BYTES = Buffer.from(
  "c71caeb9c6b1c9048e6c522f70f13f73980d40238e3e21c14934d037563d930f48198a0aa7c14058229493d22530f4db" +
    "fa336f6e0ac925139543aed44cce7c3720fd51f69458705ac68cd4fe6b6b13abdc9746512969328454f18faf8c595f64" +
    "2477fe96bb2a941d5bcd1d4ac8cc49880708fa9b378e3c4f3a9060bee67cf9a4a4a695811051907e162753b56b0f6b41" +
    "0dba74d8a84b2a14b3144e0ef1284754fd17ed950d5965b4b9dd46582db1178d169c6bc465b0d6ff9ca3928fef5b9ae4" +
    "e418fc15e83ebea0f87fa9ff5eed70050ded2849f47bf959d956850ce929851f0d8115f635b105ee2e4e15d04b2454bf" +
    "6f4fadf034b10403119cd8e3b92fcc5b",
  "hex",
);
export const DH_PRIME = bigFromBytes(DH_PRIME_BYTES);
/** The generator Telegram announces with this prime (p mod 3 = 2, as the spec requires for g = 3). */
export const DH_G = 3;
/** Size in bytes of numbers modulo the prime (and of an auth key). */
export const DH_BYTES = 256;
/** g_a, g_b (and SRP's g^a, g^b) must lie in [2^(2048-64), p - 2^(2048-64)]: Telegram's range check. */
const SAFE_MARGIN = 1n << BigInt(2048 - 64);

/** An unsigned big-endian number. */
export function bigFromBytes(bytes: Buffer): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${bytes.toString("hex")}`);
}

/** An unsigned number as `length` big-endian bytes (zero-padded on the left). */
export function bytesFromBig(value: bigint, length = DH_BYTES): Buffer {
  if (value < 0n) throw new RangeError("negative numbers have no unsigned encoding");
  const hex = value.toString(16).padStart(length * 2, "0");
  if (hex.length > length * 2) throw new RangeError(`number does not fit in ${length} bytes`);
  return Buffer.from(hex, "hex");
}

/** base^exponent mod modulus, square-and-multiply. */
export function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = ((base % modulus) + modulus) % modulus;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
    e >>= 1n;
  }
  return result;
}

/**
 * The check Telegram (and its clients) apply to every g^x exchanged with this prime:
 * 1 < x < p - 1 and, tighter, 2^(2048-64) <= x <= p - 2^(2048-64).
 */
export function inSafeRange(value: bigint, prime = DH_PRIME): boolean {
  return value > 1n && value < prime - 1n && value >= SAFE_MARGIN && value <= prime - SAFE_MARGIN;
}
