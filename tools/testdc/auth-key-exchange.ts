import { createHash, randomBytes, randomInt } from "node:crypto";
import { Api } from "telegram";
import { BinaryReader } from "telegram/extensions/BinaryReader.js";
import { readBigIntFromBuffer, returnBigInt, toSignedLittleBuffer } from "telegram/Helpers.js";
import { aesIgeDecrypt, aesIgeEncrypt } from "./aes-ige.ts";
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
import type { DcRsaKey } from "./rsa-key.ts";

/** Handshakes started (req_pq_multi answered) but not finished; the oldest is dropped beyond this. */
export const MAX_PENDING_HANDSHAKES = 256;
/** A handshake must finish (set_client_DH_params) within this time after its req_pq_multi. */
export const HANDSHAKE_TTL_MS = 60_000;

/** The client broke the key exchange: the DC answers transport error -404 and closes. */
export class HandshakeError extends Error {
  readonly code = "HANDSHAKE_REJECTED";
  constructor(message: string) {
    super(message);
    this.name = "HandshakeError";
  }
}

/** What an answered step gives back: the TL answer and, after the last step, the new auth key. */
export interface HandshakeStep {
  answer: { getBytes(): Buffer };
  /** The 256-byte auth key, only on dh_gen_ok: a secret, never log it. */
  authKey?: Buffer;
}

export interface AuthKeyExchangeOptions {
  maxPending?: number;
  ttlMs?: number;
  now?: () => number;
}

interface PendingHandshake {
  nonce: Buffer;
  serverNonce: Buffer;
  p: bigint;
  q: bigint;
  createdAt: number;
  /** Set once server_DH_params_ok went out. */
  dh?: { newNonce: Buffer; a: bigint; key: Buffer; iv: Buffer };
}

function sha1(...parts: Buffer[]): Buffer {
  const hash = createHash("sha1");
  for (const part of parts) hash.update(part);
  return hash.digest();
}

/** TL int128/int256 fields arrive as signed little-endian big-integers: back to their raw bytes. */
function rawBytes(value: unknown, length: number): Buffer {
  return toSignedLittleBuffer(value as Parameters<typeof toSignedLittleBuffer>[0], length);
}

function tlLargeInt(bytes: Buffer): ReturnType<typeof readBigIntFromBuffer> {
  return readBigIntFromBuffer(bytes, true, true);
}

function isPrime31(n: bigint): boolean {
  if (n < 2n || n % 2n === 0n) return n === 2n;
  // Deterministic Miller-Rabin for n < 4,759,123,141 with bases 2, 7, 61.
  let d = n - 1n;
  let s = 0;
  while (d % 2n === 0n) {
    d /= 2n;
    s++;
  }
  for (const a of [2n, 7n, 61n]) {
    if (a % n === 0n) continue;
    let x = modPow(a, d, n);
    if (x === 1n || x === n - 1n) continue;
    let composite = true;
    for (let r = 1; r < s; r++) {
      x = (x * x) % n;
      if (x === n - 1n) {
        composite = false;
        break;
      }
    }
    if (composite) return false;
  }
  return true;
}

/** A random prime in [2^30, 2^31), the size Telegram's pq factors have. */
function randomPrime31(): bigint {
  for (;;) {
    const candidate = BigInt(randomInt(2 ** 30, 2 ** 31) | 1);
    if (isPrime31(candidate)) return candidate;
  }
}

/** A random 2048-bit exponent whose power of g passes Telegram's range check. */
function dhSecret(): { secret: bigint; power: bigint } {
  for (;;) {
    const secret = bigFromBytes(randomBytes(DH_BYTES));
    const power = modPow(BigInt(DH_G), secret, DH_PRIME);
    if (inSafeRange(power)) return { secret, power };
  }
}

/** tmp_aes_key and tmp_aes_iv from new_nonce and server_nonce (the spec's formula; GramJS's generateKeyDataFromNonce). */
function tmpAes(newNonce: Buffer, serverNonce: Buffer): { key: Buffer; iv: Buffer } {
  const h1 = sha1(newNonce, serverNonce);
  const h2 = sha1(serverNonce, newNonce);
  const h3 = sha1(newNonce, newNonce);
  return {
    key: Buffer.concat([h1, h2.subarray(0, 12)]),
    iv: Buffer.concat([h2.subarray(12, 20), h3, newNonce.subarray(0, 4)]),
  };
}

function paddedTo16(data: Buffer): Buffer {
  const missing = (16 - (data.length % 16)) % 16;
  return Buffer.concat([data, randomBytes(missing)]);
}

/**
 * The server side of MTProto's auth key creation (https://core.telegram.org/mtproto/auth_key):
 * req_pq_multi → resPQ, req_DH_params → server_DH_params_ok, set_client_DH_params → dh_gen_ok.
 * Pure protocol logic (no sockets): it takes the client's TL objects and returns the answers.
 * Pending handshakes are kept by server_nonce, at most `maxPending` of them, each for `ttlMs`.
 * Temporary keys (p_q_inner_data_temp*) are not supported.
 */
export class AuthKeyExchange {
  private readonly pending = new Map<string, PendingHandshake>();
  private readonly maxPending: number;
  private readonly ttlMs: number;
  private readonly now: () => number;
  private completedCount = 0;
  private failuresArmed = 0;

  constructor(
    private readonly rsa: DcRsaKey,
    options: AuthKeyExchangeOptions = {},
  ) {
    this.maxPending = options.maxPending ?? MAX_PENDING_HANDSHAKES;
    this.ttlMs = options.ttlMs ?? HANDSHAKE_TTL_MS;
    this.now = options.now ?? Date.now;
  }

  /**
   * The next `count` key exchanges end in dh_gen_fail at their last step, as Telegram answers
   * when it cannot use the key (a client must start over). For clients' retry paths.
   */
  failNext(count: number): void {
    this.failuresArmed = count;
  }

  /** Key exchanges still to fail (see {@link failNext}). */
  get failuresPending(): number {
    return this.failuresArmed;
  }

  /** Handshakes that reached dh_gen_ok. */
  get completed(): number {
    return this.completedCount;
  }

  get pendingCount(): number {
    this.expire();
    return this.pending.size;
  }

  /** True for the TL objects this class answers (what a client sends with auth_key_id 0). */
  static handles(request: unknown): boolean {
    return (
      request instanceof Api.ReqPqMulti ||
      request instanceof Api.ReqPq ||
      request instanceof Api.ReqDHParams ||
      request instanceof Api.SetClientDHParams
    );
  }

  /** Answers one step; throws {@link HandshakeError} for anything a correct client never sends. */
  handle(request: unknown): HandshakeStep {
    this.expire();
    if (request instanceof Api.ReqPqMulti || request instanceof Api.ReqPq) return this.reqPq(request);
    if (request instanceof Api.ReqDHParams) return this.reqDhParams(request);
    if (request instanceof Api.SetClientDHParams) return this.setClientDhParams(request);
    throw new HandshakeError("not a key exchange message");
  }

  private expire(): void {
    const cutoff = this.now() - this.ttlMs;
    // Map order is creation order, so the expired ones are at the front.
    for (const [id, handshake] of this.pending) {
      if (handshake.createdAt > cutoff) break;
      this.pending.delete(id);
    }
  }

  private reqPq(request: Api.ReqPqMulti | Api.ReqPq): HandshakeStep {
    while (this.pending.size >= this.maxPending) {
      const oldest = this.pending.keys().next().value as string;
      this.pending.delete(oldest);
    }
    let p = randomPrime31();
    let q = randomPrime31();
    while (q === p) q = randomPrime31();
    if (p > q) [p, q] = [q, p];
    const serverNonce = randomBytes(16);
    const nonce = rawBytes(request.nonce, 16);
    this.pending.set(serverNonce.toString("hex"), { nonce, serverNonce, p, q, createdAt: this.now() });
    return {
      answer: new Api.ResPQ({
        nonce: request.nonce,
        serverNonce: tlLargeInt(serverNonce),
        pq: bytesFromBig(p * q, 8),
        serverPublicKeyFingerprints: [returnBigInt(this.rsa.fingerprint)],
      }),
    };
  }

  /** The pending handshake both nonces name; a mismatch ends it. */
  private find(nonceValue: unknown, serverNonceValue: unknown): PendingHandshake {
    const serverNonce = rawBytes(serverNonceValue, 16);
    const handshake = this.pending.get(serverNonce.toString("hex"));
    if (!handshake) throw new HandshakeError("unknown or expired server_nonce");
    if (!handshake.nonce.equals(rawBytes(nonceValue, 16))) {
      this.pending.delete(serverNonce.toString("hex"));
      throw new HandshakeError("nonce does not match server_nonce");
    }
    return handshake;
  }

  private fail(handshake: PendingHandshake, message: string): never {
    this.pending.delete(handshake.serverNonce.toString("hex"));
    throw new HandshakeError(message);
  }

  private reqDhParams(request: Api.ReqDHParams): HandshakeStep {
    const handshake = this.find(request.nonce, request.serverNonce);
    if (handshake.dh) this.fail(handshake, "req_DH_params repeated");
    const p = bytesFromBig(handshake.p, 4);
    const q = bytesFromBig(handshake.q, 4);
    if (!Buffer.from(request.p).equals(p) || !Buffer.from(request.q).equals(q))
      this.fail(handshake, "p and q are not the factors of pq");
    if (request.publicKeyFingerprint.toString() !== this.rsa.fingerprint)
      this.fail(handshake, "unknown public key fingerprint");
    const data = this.rsa.decryptRsaPad(Buffer.from(request.encryptedData));
    if (!data) this.fail(handshake, "encrypted_data is not RSA_PAD for this key");
    let inner: unknown;
    try {
      inner = new BinaryReader(data).tgReadObject();
    } catch {
      this.fail(handshake, "p_q_inner_data does not parse");
    }
    if (!(inner instanceof Api.PQInnerData || inner instanceof Api.PQInnerDataDc))
      this.fail(handshake, "expected p_q_inner_data (temporary keys are not supported)");
    if (
      !Buffer.from(inner.pq).equals(bytesFromBig(handshake.p * handshake.q, 8)) ||
      !Buffer.from(inner.p).equals(p) ||
      !Buffer.from(inner.q).equals(q) ||
      !rawBytes(inner.nonce, 16).equals(handshake.nonce) ||
      !rawBytes(inner.serverNonce, 16).equals(handshake.serverNonce)
    ) {
      this.fail(handshake, "p_q_inner_data does not match the handshake");
    }
    const newNonce = rawBytes(inner.newNonce, 32);
    const { secret: a, power: gA } = dhSecret();
    const answer = new Api.ServerDHInnerData({
      nonce: request.nonce,
      serverNonce: request.serverNonce,
      g: DH_G,
      dhPrime: DH_PRIME_BYTES,
      gA: bytesFromBig(gA),
      serverTime: Math.floor(this.now() / 1000),
    }).getBytes();
    const { key, iv } = tmpAes(newNonce, handshake.serverNonce);
    handshake.dh = { newNonce, a, key, iv };
    return {
      answer: new Api.ServerDHParamsOk({
        nonce: request.nonce,
        serverNonce: request.serverNonce,
        encryptedAnswer: aesIgeEncrypt(key, iv, paddedTo16(Buffer.concat([sha1(answer), answer]))),
      }),
    };
  }

  private setClientDhParams(request: Api.SetClientDHParams): HandshakeStep {
    const handshake = this.find(request.nonce, request.serverNonce);
    const dh = handshake.dh;
    if (!dh) this.fail(handshake, "set_client_DH_params before req_DH_params");
    const encrypted = Buffer.from(request.encryptedData);
    if (encrypted.length < 32 || encrypted.length % 16 !== 0)
      this.fail(handshake, "encrypted_data has a bad length");
    const plain = aesIgeDecrypt(dh.key, dh.iv, encrypted);
    const reader = new BinaryReader(plain.subarray(20));
    let inner: unknown;
    try {
      inner = reader.tgReadObject();
    } catch {
      this.fail(handshake, "client_DH_inner_data does not parse");
    }
    const end = 20 + reader.tellPosition();
    if (!(inner instanceof Api.ClientDHInnerData)) this.fail(handshake, "expected client_DH_inner_data");
    if (!sha1(plain.subarray(20, end)).equals(plain.subarray(0, 20)) || plain.length - end >= 16)
      this.fail(handshake, "client_DH_inner_data hash or padding is wrong");
    if (
      !rawBytes(inner.nonce, 16).equals(handshake.nonce) ||
      !rawBytes(inner.serverNonce, 16).equals(handshake.serverNonce)
    ) {
      this.fail(handshake, "client_DH_inner_data does not match the handshake");
    }
    const gB = bigFromBytes(Buffer.from(inner.gB));
    if (!inSafeRange(gB)) this.fail(handshake, "g_b is out of range");
    const authKey = bytesFromBig(modPow(gB, dh.a, DH_PRIME));
    this.pending.delete(handshake.serverNonce.toString("hex"));
    const auxHash = sha1(authKey).subarray(0, 8);
    const newNonceHash = (n: number) =>
      tlLargeInt(sha1(dh.newNonce, Buffer.from([n]), auxHash).subarray(4, 20));
    const armed = this.failuresArmed > 0;
    if (armed) this.failuresArmed--;
    if (armed || authKey[0] === 0) {
      // GramJS (and Telethon) keep g^ab as a minimal big-endian number and so drop this leading
      // zero byte: their key would not be ours (about 1 exchange in 200). Telegram registers the
      // key anyway and the client retries; the DC says dh_gen_fail instead, so it keeps no key
      // nobody holds. The client starts over either way.
      return {
        answer: new Api.DhGenFail({
          nonce: request.nonce,
          serverNonce: request.serverNonce,
          newNonceHash3: newNonceHash(3),
        }),
      };
    }
    this.completedCount++;
    return {
      answer: new Api.DhGenOk({
        nonce: request.nonce,
        serverNonce: request.serverNonce,
        newNonceHash1: newNonceHash(1),
      }),
      authKey,
    };
  }
}
