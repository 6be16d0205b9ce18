import { createHash, randomBytes } from "node:crypto";
import { AuthKey } from "telegram/crypto/AuthKey.js";
import { IGE } from "telegram/crypto/IGE.js";
import { readBigIntFromBuffer, readBufferFromBigInt, toSignedLittleBuffer } from "telegram/Helpers.js";

/** A 64-bit MTProto integer as GramJS represents it (big-integer). */
export type Long = ReturnType<typeof readBigIntFromBuffer>;

/** One decrypted client message: the envelope fields and the serialized TL object. */
export interface ClientMessage {
  salt: Long;
  sessionId: Long;
  msgId: Long;
  seqNo: number;
  body: Buffer;
}

/** The packet does not decrypt under our key, or its envelope is malformed. */
export class CipherError extends Error {
  constructor(
    readonly code: "UNKNOWN_AUTH_KEY" | "BAD_MSG_KEY" | "BAD_LENGTH",
    message: string,
  ) {
    super(message);
    this.name = "CipherError";
  }
}

function sha256(...parts: Buffer[]): Buffer {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return hash.digest();
}

/**
 * The server half of MTProto 2.0 message encryption for one auth key
 * (https://core.telegram.org/mtproto/description): client messages use x = 0, server messages x = 8.
 * The key and its id come from GramJS's own `AuthKey`, the block cipher from its `IGE`.
 */
export class MessageCipher {
  private constructor(
    private readonly key: Buffer,
    /** auth_key_id: the low 64 bits of SHA1(key), as GramJS's AuthKey computes and writes it. */
    private readonly keyId: Buffer,
  ) {}

  static async create(key: Buffer): Promise<MessageCipher> {
    if (key.length !== 256) throw new Error("an MTProto auth key is 256 bytes");
    const authKey = new AuthKey();
    await authKey.setKey(key);
    return new MessageCipher(key, readBufferFromBigInt(authKey.keyId!, 8));
  }

  /** auth_key_id as hex (an identifier of the key, not key material). */
  get keyIdHex(): string {
    return this.keyId.toString("hex");
  }

  /** True when the packet's auth_key_id names this key. */
  ownsPacket(packet: Buffer): boolean {
    return packet.length >= 8 && packet.subarray(0, 8).equals(this.keyId);
  }

  decryptClientMessage(packet: Buffer): ClientMessage {
    if (!this.ownsPacket(packet))
      throw new CipherError("UNKNOWN_AUTH_KEY", "packet is not for this auth key");
    if (packet.length < 24 + 48 || (packet.length - 24) % 16 !== 0) {
      throw new CipherError("BAD_LENGTH", "encrypted payload has a bad length");
    }
    const msgKey = packet.subarray(8, 24);
    const { key, iv } = this.derive(msgKey, 0);
    const plain = new IGE(key, iv).decryptIge(packet.subarray(24));
    if (!sha256(this.key.subarray(88, 120), plain).subarray(8, 24).equals(msgKey)) {
      throw new CipherError("BAD_MSG_KEY", "msg_key does not match the decrypted payload");
    }
    const length = plain.readInt32LE(28);
    const padding = plain.length - 32 - length;
    if (length < 0 || length % 4 !== 0 || padding < 12 || padding > 1024) {
      throw new CipherError("BAD_LENGTH", "message length and padding are inconsistent");
    }
    return {
      salt: readBigIntFromBuffer(plain.subarray(0, 8), true, true),
      sessionId: readBigIntFromBuffer(plain.subarray(8, 16), true, true),
      msgId: readBigIntFromBuffer(plain.subarray(16, 24), true, true),
      seqNo: plain.readInt32LE(24),
      body: Buffer.from(plain.subarray(32, 32 + length)),
    };
  }

  encryptServerMessage(envelope: {
    salt: Long;
    sessionId: Long;
    msgId: Long;
    seqNo: number;
    body: Buffer;
  }): Buffer {
    const head = Buffer.alloc(8);
    head.writeInt32LE(envelope.seqNo, 0);
    head.writeInt32LE(envelope.body.length, 4);
    const data = Buffer.concat([
      toSignedLittleBuffer(envelope.salt, 8),
      toSignedLittleBuffer(envelope.sessionId, 8),
      toSignedLittleBuffer(envelope.msgId, 8),
      head,
      envelope.body,
    ]);
    // 12..1024 bytes of padding, total a multiple of 16; random length like Telegram's.
    const minimum = 12 + ((16 - ((data.length + 12) % 16)) % 16);
    const plain = Buffer.concat([data, randomBytes(minimum + 16 * (randomBytes(1)[0]! % 4))]);
    const msgKey = sha256(this.key.subarray(96, 128), plain).subarray(8, 24);
    const { key, iv } = this.derive(msgKey, 8);
    return Buffer.concat([this.keyId, msgKey, new IGE(key, iv).encryptIge(plain)]);
  }

  private derive(msgKey: Buffer, x: 0 | 8): { key: Buffer; iv: Buffer } {
    const a = sha256(msgKey, this.key.subarray(x, x + 36));
    const b = sha256(this.key.subarray(x + 40, x + 76), msgKey);
    return {
      key: Buffer.concat([a.subarray(0, 8), b.subarray(8, 24), a.subarray(24, 32)]),
      iv: Buffer.concat([b.subarray(0, 8), a.subarray(8, 24), b.subarray(24, 32)]),
    };
  }
}
