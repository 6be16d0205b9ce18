import { type Cipher, createCipheriv, createDecipheriv, type Decipher, randomBytes } from "node:crypto";
import { crc32 } from "telegram/Helpers.js";

/** The MTProto TCP transports the test DC understands, detected from the first bytes a client sends. */
export type TransportKind = "full" | "abridged" | "intermediate" | "padded-intermediate";

/** A client broke the transport framing (bad CRC, bad sequence number, unknown obfuscation tag). */
export class TransportError extends Error {
  readonly code = "TRANSPORT_ERROR";
  constructor(message: string) {
    super(message);
    this.name = "TransportError";
  }
}

const ABRIDGED_TAG = 0xef;
const INTERMEDIATE_TAG = 0xeeeeeeee;
const PADDED_INTERMEDIATE_TAG = 0xdddddddd;
const OBFUSCATED_HEADER_LENGTH = 64;
/** Telegram refuses packets above about 1 MiB; anything bigger here is a framing bug or hostile. */
const MAX_PACKET = 2 * 1024 * 1024;

/**
 * Server side of the MTProto TCP transports (https://core.telegram.org/mtproto/mtproto-transports):
 * full (GramJS's default on Node), abridged, intermediate, padded intermediate, and the obfuscated
 * variants of the last three (GramJS's `ConnectionTCPObfuscated`). Feed it raw socket bytes with
 * {@link push}; frame outgoing payloads with {@link frame}.
 */
export class ServerTransport {
  kind: TransportKind | undefined;
  obfuscated = false;
  private pending = Buffer.alloc(0);
  private recvSeq = 0;
  private sendSeq = 0;
  private decipher: Decipher | undefined;
  private cipher: Cipher | undefined;

  /** Appends received bytes and returns every complete packet payload now available. */
  push(chunk: Buffer): Buffer[] {
    this.pending = Buffer.concat([this.pending, this.decipher ? this.decipher.update(chunk) : chunk]);
    if (!this.kind && !this.detect()) return [];
    const packets: Buffer[] = [];
    for (;;) {
      const packet = this.nextPacket();
      if (!packet) return packets;
      packets.push(packet);
    }
  }

  /** Wraps one payload for the detected transport (and encrypts it when obfuscated). */
  frame(payload: Buffer): Buffer {
    let framed: Buffer;
    switch (this.kind) {
      case "full": {
        const head = Buffer.alloc(8);
        head.writeInt32LE(payload.length + 12, 0);
        head.writeInt32LE(this.sendSeq++, 4);
        const body = Buffer.concat([head, payload]);
        const crc = Buffer.alloc(4);
        crc.writeUInt32LE(crc32(body), 0);
        framed = Buffer.concat([body, crc]);
        break;
      }
      case "abridged": {
        const words = payload.length >> 2;
        if (words < 0x7f) {
          framed = Buffer.concat([Buffer.from([words]), payload]);
        } else {
          const head = Buffer.alloc(4);
          head.writeUInt32LE((words << 8) | 0x7f, 0);
          framed = Buffer.concat([head, payload]);
        }
        break;
      }
      case "intermediate":
      case "padded-intermediate": {
        const padding =
          this.kind === "padded-intermediate" ? randomBytes(randomBytes(1)[0]! % 16) : Buffer.alloc(0);
        const head = Buffer.alloc(4);
        head.writeUInt32LE(payload.length + padding.length, 0);
        framed = Buffer.concat([head, payload, padding]);
        break;
      }
      default:
        throw new TransportError("transport not detected yet");
    }
    return this.cipher ? this.cipher.update(framed) : framed;
  }

  /** Reads the transport tag (or obfuscation header); false until enough bytes arrived. */
  private detect(): boolean {
    const buf = this.pending;
    if (buf.length >= 1 && buf[0] === ABRIDGED_TAG) {
      this.kind = "abridged";
      this.pending = buf.subarray(1);
      return true;
    }
    if (buf.length < 4) return false;
    const tag = buf.readUInt32LE(0);
    if (tag === INTERMEDIATE_TAG || tag === PADDED_INTERMEDIATE_TAG) {
      this.kind = tag === INTERMEDIATE_TAG ? "intermediate" : "padded-intermediate";
      this.pending = buf.subarray(4);
      return true;
    }
    if (buf.length < 8) return false;
    // A full-transport packet starts with its length and sequence number 0; an obfuscated header
    // never has zeroes there (clients re-draw it), and full lengths are always multiples of 4.
    if (buf.readUInt32LE(4) === 0 && tag % 4 === 0) {
      this.kind = "full";
      return true;
    }
    if (buf.length < OBFUSCATED_HEADER_LENGTH) return false;
    const header = buf.subarray(0, OBFUSCATED_HEADER_LENGTH);
    const reversed = Buffer.from(header.subarray(8, 56)).reverse();
    this.decipher = createDecipheriv("aes-256-ctr", header.subarray(8, 40), header.subarray(40, 56));
    this.cipher = createCipheriv("aes-256-ctr", reversed.subarray(0, 32), reversed.subarray(32, 48));
    const plainHeader = this.decipher.update(header);
    const innerTag = plainHeader.readUInt32LE(56);
    if (innerTag === 0xefefefef) this.kind = "abridged";
    else if (innerTag === INTERMEDIATE_TAG) this.kind = "intermediate";
    else if (innerTag === PADDED_INTERMEDIATE_TAG) this.kind = "padded-intermediate";
    else throw new TransportError("unknown transport");
    this.obfuscated = true;
    // Bytes after the header arrived encrypted with the same stream: decrypt them in order.
    this.pending = this.decipher.update(buf.subarray(OBFUSCATED_HEADER_LENGTH));
    return true;
  }

  private nextPacket(): Buffer | undefined {
    const buf = this.pending;
    let headerLength: number;
    let length: number;
    switch (this.kind) {
      case "full": {
        if (buf.length < 4) return undefined;
        const total = buf.readInt32LE(0);
        if (total < 12 || total > MAX_PACKET) throw new TransportError(`bad packet length ${total}`);
        if (buf.length < total) return undefined;
        const seq = buf.readInt32LE(4);
        if (seq !== this.recvSeq)
          throw new TransportError(`bad sequence number ${seq}, expected ${this.recvSeq}`);
        const crc = buf.readUInt32LE(total - 4);
        if (crc !== crc32(buf.subarray(0, total - 4))) throw new TransportError("bad checksum");
        this.recvSeq++;
        this.pending = buf.subarray(total);
        return Buffer.from(buf.subarray(8, total - 4));
      }
      case "abridged": {
        if (buf.length < 1) return undefined;
        // The top bit asks for a quick ack, which GramJS never does; the length is what matters.
        const first = buf[0]! & 0x7f;
        if (first < 0x7f) {
          headerLength = 1;
          length = first * 4;
        } else {
          if (buf.length < 4) return undefined;
          headerLength = 4;
          length = (buf.readUInt32LE(0) >>> 8) * 4;
        }
        break;
      }
      default: {
        if (buf.length < 4) return undefined;
        headerLength = 4;
        length = buf.readUInt32LE(0) & 0x7fffffff;
      }
    }
    if (length > MAX_PACKET) throw new TransportError(`bad packet length ${length}`);
    if (buf.length < headerLength + length) return undefined;
    let payload = Buffer.from(buf.subarray(headerLength, headerLength + length));
    this.pending = buf.subarray(headerLength + length);
    if (this.kind === "padded-intermediate" && payload.length > 24) {
      // Encrypted messages are 24 + 16k bytes: whatever exceeds that is transport padding.
      payload = payload.subarray(0, payload.length - ((payload.length - 24) % 16));
    }
    return payload;
  }
}
