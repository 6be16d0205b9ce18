import { createCipheriv, createDecipheriv } from "node:crypto";

const BLOCK = 16;

function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.alloc(BLOCK);
  for (let i = 0; i < BLOCK; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

function checkArgs(key: Buffer, iv: Buffer, data: Buffer): void {
  if (key.length !== 32) throw new RangeError("AES-256-IGE needs a 32-byte key");
  if (iv.length !== 32) throw new RangeError("AES-256-IGE needs a 32-byte IV");
  if (data.length % BLOCK !== 0) throw new RangeError("AES-IGE data must be a multiple of 16 bytes");
}

/**
 * AES-256 in IGE mode, as MTProto uses it, built on node:crypto's AES-256-ECB. The 32-byte IV is
 * Telegram's: the first half stands for the "previous ciphertext" block, the second for the
 * "previous plaintext" block.
 */
export function aesIgeEncrypt(key: Buffer, iv: Buffer, plain: Buffer): Buffer {
  checkArgs(key, iv, plain);
  const ecb = createCipheriv("aes-256-ecb", key, null).setAutoPadding(false);
  let prevCipher = iv.subarray(0, BLOCK);
  let prevPlain = iv.subarray(BLOCK);
  const out = Buffer.alloc(plain.length);
  for (let offset = 0; offset < plain.length; offset += BLOCK) {
    const block = plain.subarray(offset, offset + BLOCK);
    const encrypted = xor(ecb.update(xor(block, prevCipher)), prevPlain);
    encrypted.copy(out, offset);
    prevCipher = encrypted;
    prevPlain = block;
  }
  return out;
}

/** The inverse of {@link aesIgeEncrypt}. */
export function aesIgeDecrypt(key: Buffer, iv: Buffer, cipherText: Buffer): Buffer {
  checkArgs(key, iv, cipherText);
  const ecb = createDecipheriv("aes-256-ecb", key, null).setAutoPadding(false);
  let prevCipher = iv.subarray(0, BLOCK);
  let prevPlain = iv.subarray(BLOCK);
  const out = Buffer.alloc(cipherText.length);
  for (let offset = 0; offset < cipherText.length; offset += BLOCK) {
    const block = cipherText.subarray(offset, offset + BLOCK);
    const decrypted = xor(ecb.update(xor(block, prevPlain)), prevCipher);
    decrypted.copy(out, offset);
    prevCipher = block;
    prevPlain = decrypted;
  }
  return out;
}
