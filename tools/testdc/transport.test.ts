import { randomBytes } from "node:crypto";
import { crc32 } from "telegram/Helpers.js";
import "telegram/network/index.js"; // loads TCPFull.js in an order that avoids GramJS's circular import
import { FullPacketCodec } from "telegram/network/connection/TCPFull.js";
import { describe, expect, it } from "vitest";
import { ServerTransport, TransportError } from "./transport.ts";

/** An encrypted-message-shaped payload: 24 + 16k bytes. */
const payload = (blocks: number) => randomBytes(24 + 16 * blocks);

function intermediate(tag: number, packets: Buffer[], padding = 0): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32LE(tag, 0);
  const frames = packets.map((p) => {
    const pad = randomBytes(padding);
    const length = Buffer.alloc(4);
    length.writeUInt32LE(p.length + pad.length, 0);
    return Buffer.concat([length, p, pad]);
  });
  return Buffer.concat([head, ...frames]);
}

describe("ServerTransport", () => {
  it("reads intermediate frames delivered one byte at a time", () => {
    const transport = new ServerTransport();
    const packets = [payload(1), payload(3)];
    const stream = intermediate(0xeeeeeeee, packets);
    const received: Buffer[] = [];
    for (const byte of stream) received.push(...transport.push(Buffer.from([byte])));
    expect(transport.kind).toBe("intermediate");
    expect(received).toEqual(packets);
    const framed = transport.frame(Buffer.from("abcd"));
    expect(framed.readUInt32LE(0)).toBe(4);
  });

  it("strips the random padding of padded intermediate frames", () => {
    const transport = new ServerTransport();
    const packets = [payload(2), payload(0)];
    expect(transport.push(intermediate(0xdddddddd, packets, 7))).toEqual(packets);
    expect(transport.kind).toBe("padded-intermediate");
  });

  it("reads GramJS's own TCPFull framing and checks sequence numbers and checksums", () => {
    const transport = new ServerTransport();
    const codec = new FullPacketCodec(undefined as never);
    const packets = [payload(1), payload(2)];
    const stream = Buffer.concat(packets.map((p) => codec.encodePacket(p) as unknown as Buffer));
    expect(transport.push(stream)).toEqual(packets);
    expect(transport.kind).toBe("full");

    const corrupt = codec.encodePacket(payload(1)) as unknown as Buffer;
    corrupt[20] = corrupt[20]! ^ 0xff;
    expect(() => transport.push(corrupt)).toThrow(TransportError);

    const replayed = new ServerTransport();
    const first = codec.encodePacket(payload(1)) as unknown as Buffer;
    const again = Buffer.from(first);
    again.writeInt32LE(0, 4); // sequence number 0 again
    again.writeUInt32LE(crc32(again.subarray(0, again.length - 4)), again.length - 4);
    replayed.push(again);
    expect(() => replayed.push(again)).toThrow(/sequence number/);
  });
});
