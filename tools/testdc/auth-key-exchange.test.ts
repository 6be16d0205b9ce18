import { createHash, randomBytes } from "node:crypto";
import { Api } from "telegram";
import { Factorizator } from "telegram/crypto/Factorizator.js";
import { SecurityError } from "telegram/errors/index.js";
import { BinaryReader } from "telegram/extensions/BinaryReader.js";
import { Logger, LogLevel } from "telegram/extensions/Logger.js";
import { readBigIntFromBuffer, returnBigInt, toSignedLittleBuffer } from "telegram/Helpers.js";
import { doAuthentication } from "telegram/network/Authenticator.js";
import type { MTProtoPlainSender } from "telegram/network/MTProtoPlainSender.js";
import { beforeAll, describe, expect, it } from "vitest";
import { aesIgeDecrypt, aesIgeEncrypt } from "./aes-ige.ts";
import { AuthKeyExchange, HandshakeError } from "./auth-key-exchange.ts";
import { bigFromBytes, bytesFromBig, DH_PRIME, DH_PRIME_BYTES, inSafeRange, modPow } from "./dh-group.ts";
import { DcRsaKey } from "./rsa-key.ts";
import { trustTestDcKey } from "./trust-key.ts";

type Request = { getBytes(): Buffer; className: string };

/** Serializes a TL object and reads it back, as it would cross the wire. */
function wire<T>(obj: { getBytes(): Buffer }): T {
  return new BinaryReader(obj.getBytes()).tgReadObject() as T;
}

/**
 * Stands in for GramJS's MTProtoPlainSender: hands each request (through bytes) to the exchange
 * and gives back its answer the same way. `intercept` may rewrite a request or act before it.
 */
class InMemorySender {
  readonly keys: Buffer[] = [];
  constructor(
    private readonly exchange: AuthKeyExchange,
    private readonly intercept: (request: Request) => Request = (r) => r,
  ) {}

  async send(request: Request): Promise<unknown> {
    const step = this.exchange.handle(wire(this.intercept(request)));
    if (step.authKey) this.keys.push(step.authKey);
    return wire(step.answer);
  }

  asPlainSender(): MTProtoPlainSender {
    return this as unknown as MTProtoPlainSender;
  }
}

const log = new Logger(LogLevel.NONE);
let rsa: DcRsaKey;

beforeAll(async () => {
  rsa = await DcRsaKey.create();
  trustTestDcKey(rsa.publicKeyPem);
});

/**
 * GramJS's doAuthentication, retried on its own 1-in-200 failure: it drops a leading zero byte
 * of the new key (getByteArray), so the DC answers such a key with dh_gen_fail.
 */
async function authenticate(exchange: AuthKeyExchange, sender = new InMemorySender(exchange)) {
  for (let attempt = 0; ; attempt++) {
    try {
      return { result: await doAuthentication(sender.asPlainSender(), log), sender };
    } catch (error) {
      if (!(error instanceof SecurityError && /new nonce hash/.test(error.message)) || attempt > 3)
        throw error;
    }
  }
}

/** new_nonce, recovered from a req_DH_params with the DC's private key (what only the DC can do). */
function newNonceOf(request: Api.ReqDHParams): Buffer {
  const inner = new BinaryReader(rsa.decryptRsaPad(request.encryptedData)!).tgReadObject() as Api.PQInnerData;
  return toSignedLittleBuffer(inner.newNonce, 32);
}

function tmpAes(newNonce: Buffer, serverNonce: Buffer) {
  const sha1 = (...parts: Buffer[]) => createHash("sha1").update(Buffer.concat(parts)).digest();
  const h2 = sha1(serverNonce, newNonce);
  return {
    key: Buffer.concat([sha1(newNonce, serverNonce), h2.subarray(0, 12)]),
    iv: Buffer.concat([h2.subarray(12, 20), sha1(newNonce, newNonce), newNonce.subarray(0, 4)]),
  };
}

describe("the DH key exchange against GramJS's own client side", () => {
  it("ends with GramJS holding the very key the DC registers", async () => {
    const exchange = new AuthKeyExchange(rsa);
    const { result, sender } = await authenticate(exchange);
    const key = sender.keys.at(-1)!;
    expect(key).toHaveLength(256);
    expect(Buffer.from(result.authKey.getKey()!).equals(key)).toBe(true);
    expect(Math.abs(result.timeOffset)).toBeLessThanOrEqual(1);
    expect(exchange.completed).toBeGreaterThanOrEqual(1);
    expect(exchange.pendingCount).toBe(0);
  });

  it("answers req_pq_multi with its fingerprint and a pq of two distinct ~31-bit primes", () => {
    const exchange = new AuthKeyExchange(rsa);
    const nonce = readBigIntFromBuffer(randomBytes(16), true, true);
    const resPq = wire<Api.ResPQ>(exchange.handle(wire(new Api.ReqPqMulti({ nonce }))).answer);
    expect(resPq.nonce.equals(nonce)).toBe(true);
    expect(resPq.serverPublicKeyFingerprints.map(String)).toEqual([rsa.fingerprint]);
    expect(resPq.pq).toHaveLength(8);
    const pq = bigFromBytes(resPq.pq);
    const { p, q } = Factorizator.factorize(returnBigInt(pq));
    for (const factor of [BigInt(p.toString()), BigInt(q.toString())]) {
      expect(factor).toBeGreaterThanOrEqual(2n ** 30n);
      expect(factor).toBeLessThan(2n ** 31n);
    }
    expect(BigInt(p.toString())).toBeLessThan(BigInt(q.toString()));
    expect(exchange.pendingCount).toBe(1);
  });

  // A forged server_nonce names no handshake, so the real one stays pending (until it expires).
  it.each([
    ["wrong p and q", 0, (r: Api.ReqDHParams) => Object.assign(r, { p: Buffer.from([0, 0, 0, 7]) })],
    [
      "an unknown key fingerprint",
      0,
      (r: Api.ReqDHParams) => Object.assign(r, { publicKeyFingerprint: returnBigInt(42) }),
    ],
    [
      "garbage instead of RSA_PAD",
      0,
      (r: Api.ReqDHParams) => Object.assign(r, { encryptedData: randomBytes(256) }),
    ],
    ["another client's nonce", 0, (r: Api.ReqDHParams) => Object.assign(r, { nonce: returnBigInt(1) })],
    [
      "an unknown server_nonce",
      1,
      (r: Api.ReqDHParams) => Object.assign(r, { serverNonce: returnBigInt(1) }),
    ],
  ])("refuses a req_DH_params with %s (pending afterwards: %i)", async (_name, pending, tamper) => {
    const exchange = new AuthKeyExchange(rsa);
    const sender = new InMemorySender(exchange, (request) =>
      request instanceof Api.ReqDHParams ? (tamper(request) as Request) : request,
    );
    await expect(doAuthentication(sender.asPlainSender(), log)).rejects.toThrow(HandshakeError);
    expect(exchange.pendingCount).toBe(pending);
    expect(exchange.completed).toBe(0);
  });

  it.each([
    ["g_b = 1", () => Buffer.from([1])],
    ["g_b = p - 1", () => bytesFromBig(DH_PRIME - 1n)],
    ["g_b just below 2^(2048-64)", () => bytesFromBig((1n << 1984n) - 1n)],
    ["g_b = p", () => DH_PRIME_BYTES],
  ])("refuses a set_client_DH_params with %s", async (_name, gB) => {
    const exchange = new AuthKeyExchange(rsa);
    let newNonce: Buffer = Buffer.alloc(0);
    const sender = new InMemorySender(exchange, (request) => {
      if (request instanceof Api.ReqDHParams) newNonce = newNonceOf(request);
      if (!(request instanceof Api.SetClientDHParams)) return request;
      // Re-encrypt the client's inner data with a bad g_b (and a correct hash), as a hostile client would.
      const serverNonce = toSignedLittleBuffer(request.serverNonce, 16);
      const { key, iv } = tmpAes(newNonce, serverNonce);
      const plain = aesIgeDecrypt(key, iv, request.encryptedData);
      const inner = new BinaryReader(plain.subarray(20)).tgReadObject() as Api.ClientDHInnerData;
      const forged = new Api.ClientDHInnerData({ ...inner, gB: gB() }).getBytes();
      const body = Buffer.concat([createHash("sha1").update(forged).digest(), forged]);
      const padded = Buffer.concat([body, randomBytes((16 - (body.length % 16)) % 16)]);
      return Object.assign(request, { encryptedData: aesIgeEncrypt(key, iv, padded) }) as Request;
    });
    await expect(doAuthentication(sender.asPlainSender(), log)).rejects.toThrow(/out of range/);
    expect(sender.keys).toEqual([]);
    expect(exchange.pendingCount).toBe(0);
  });

  it("answers dh_gen_fail, and keeps no key, when the key starts with a zero byte (GramJS would drop it)", async () => {
    const exchange = new AuthKeyExchange(rsa);
    let newNonce: Buffer = Buffer.alloc(0);
    let gA = 0n;
    let expectedKey: Buffer = Buffer.alloc(0);
    const answers: unknown[] = [];
    const sender = new InMemorySender(exchange, (request) => {
      if (request instanceof Api.ReqDHParams) newNonce = newNonceOf(request);
      if (!(request instanceof Api.SetClientDHParams)) return request;
      // A (small) b for which g_a^b starts with a zero byte; g^b goes to the DC as g_b.
      let b = 1n << 63n;
      while (modPow(gA, b, DH_PRIME) >= 1n << 2040n || !inSafeRange(modPow(3n, b, DH_PRIME))) b++;
      expectedKey = bytesFromBig(modPow(gA, b, DH_PRIME));
      const { key, iv } = tmpAes(newNonce, toSignedLittleBuffer(request.serverNonce, 16));
      const inner = new BinaryReader(
        aesIgeDecrypt(key, iv, request.encryptedData).subarray(20),
      ).tgReadObject();
      const forged = new Api.ClientDHInnerData({
        ...(inner as Api.ClientDHInnerData),
        gB: bytesFromBig(modPow(3n, b, DH_PRIME)),
      }).getBytes();
      const body = Buffer.concat([createHash("sha1").update(forged).digest(), forged]);
      const padded = Buffer.concat([body, randomBytes((16 - (body.length % 16)) % 16)]);
      return Object.assign(request, { encryptedData: aesIgeEncrypt(key, iv, padded) }) as Request;
    });
    // Watch the answers on their way back: g_a (decrypted with new_nonce) and the final verdict.
    const send = sender.send.bind(sender);
    sender.send = async (request: Request) => {
      const answer = await send(request);
      answers.push(answer);
      if (answer instanceof Api.ServerDHParamsOk) {
        const { key, iv } = tmpAes(newNonce, toSignedLittleBuffer(answer.serverNonce, 16));
        const plain = aesIgeDecrypt(key, iv, answer.encryptedAnswer).subarray(20);
        gA = bigFromBytes((new BinaryReader(plain).tgReadObject() as Api.ServerDHInnerData).gA);
      }
      return answer;
    };
    await expect(doAuthentication(sender.asPlainSender(), log)).rejects.toThrow(SecurityError);
    expect(expectedKey[0]).toBe(0);
    const verdict = answers.at(-1);
    expect(verdict).toBeInstanceOf(Api.DhGenFail);
    const sha1 = (...parts: Buffer[]) => createHash("sha1").update(Buffer.concat(parts)).digest();
    const hash3 = sha1(newNonce, Buffer.from([3]), sha1(expectedKey).subarray(0, 8)).subarray(4, 20);
    expect(toSignedLittleBuffer((verdict as Api.DhGenFail).newNonceHash3, 16).equals(hash3)).toBe(true);
    expect(sender.keys).toEqual([]);
    expect(exchange.completed).toBe(0);
    expect(exchange.pendingCount).toBe(0);
  });

  it("refuses set_client_DH_params whose hash does not match, and a replayed one", async () => {
    const exchange = new AuthKeyExchange(rsa);
    const tampering = new InMemorySender(exchange, (request) => {
      if (!(request instanceof Api.SetClientDHParams)) return request;
      const data = Buffer.from(request.encryptedData);
      data[5] = data[5]! ^ 1;
      return Object.assign(request, { encryptedData: data }) as Request;
    });
    await expect(doAuthentication(tampering.asPlainSender(), log)).rejects.toThrow(HandshakeError);

    let last: Api.SetClientDHParams | undefined;
    const recording = new InMemorySender(exchange, (request) => {
      if (request instanceof Api.SetClientDHParams) last = request;
      return request;
    });
    await authenticate(exchange, recording);
    expect(() => exchange.handle(wire(last!))).toThrow(/unknown or expired server_nonce/);
  });

  it("refuses anything but the four key exchange requests", () => {
    const exchange = new AuthKeyExchange(rsa);
    expect(AuthKeyExchange.handles(new Api.Ping({ pingId: returnBigInt(1) }))).toBe(false);
    expect(() => exchange.handle(new Api.Ping({ pingId: returnBigInt(1) }))).toThrow(HandshakeError);
  });
});

describe("limits of pending key exchanges", () => {
  it("drops the oldest pending handshake beyond maxPending", async () => {
    const exchange = new AuthKeyExchange(rsa, { maxPending: 2 });
    const sender = new InMemorySender(exchange, (request) => {
      if (request instanceof Api.ReqDHParams) {
        // Two more clients start while this one computes its step 2.
        for (let i = 0; i < 2; i++)
          exchange.handle(new Api.ReqPqMulti({ nonce: readBigIntFromBuffer(randomBytes(16), true, true) }));
      }
      return request;
    });
    await expect(doAuthentication(sender.asPlainSender(), log)).rejects.toThrow(/unknown or expired/);
    expect(exchange.pendingCount).toBe(2);
    // With room for one more, the same course succeeds.
    const roomy = new AuthKeyExchange(rsa, { maxPending: 3 });
    const ok = new InMemorySender(roomy, (request) => {
      if (request instanceof Api.ReqDHParams)
        for (let i = 0; i < 2; i++)
          roomy.handle(new Api.ReqPqMulti({ nonce: readBigIntFromBuffer(randomBytes(16), true, true) }));
      return request;
    });
    await authenticate(roomy, ok);
    expect(roomy.completed).toBeGreaterThanOrEqual(1);
  });

  it("expires a handshake ttlMs after its req_pq_multi", async () => {
    let now = 1_000_000;
    const exchange = new AuthKeyExchange(rsa, { ttlMs: 5_000, now: () => now });
    const slow = new InMemorySender(exchange, (request) => {
      if (request instanceof Api.ReqDHParams) now += 5_000;
      return request;
    });
    await expect(doAuthentication(slow.asPlainSender(), log)).rejects.toThrow(/unknown or expired/);
    const inTime = new InMemorySender(exchange, (request) => {
      if (request instanceof Api.SetClientDHParams) now += 4_999;
      return request;
    });
    await authenticate(exchange, inTime);
    expect(exchange.pendingCount).toBe(0);
  });
});
