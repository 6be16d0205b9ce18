/**
 * Hostile session uploads: mutated SQLite files, random bytes, a zip bomb, absurd page sizes.
 * Deterministic (seeded), so a failing case can be replayed.
 */
import { deflateRawSync } from "node:zlib";
import { SeededRandom } from "../../sentinel/scoring/seeded-random.ts";

export interface HostileFile {
  name: string;
  bytes: Buffer;
}

/** `count` copies of `valid` with random bytes flipped, ranges zeroed, or cut short. */
export function mutatedSqlite(valid: Buffer, count: number, seed: number): HostileFile[] {
  const random = new SeededRandom(seed);
  const out: HostileFile[] = [];
  for (let i = 0; i < count; i++) {
    const bytes = Buffer.from(valid);
    const kind = random.pick(["flip", "zero-range", "truncate", "header"] as const);
    if (kind === "flip") {
      for (let n = random.int(1, 64); n > 0; n--) {
        const at = random.int(0, bytes.length - 1);
        bytes[at] = (bytes[at]! ^ random.int(1, 255)) & 0xff;
      }
    } else if (kind === "zero-range") {
      const at = random.int(0, bytes.length - 1);
      bytes.fill(0, at, Math.min(bytes.length, at + random.int(16, 8192)));
    } else if (kind === "header") {
      // The 100-byte SQLite header: page size, format versions, page counts, schema cookie.
      for (let n = random.int(1, 8); n > 0; n--) bytes[random.int(16, 99)] = random.int(0, 255);
    } else {
      out.push({ name: `mutated-${i}-truncate`, bytes: bytes.subarray(0, random.int(0, bytes.length - 1)) });
      continue;
    }
    out.push({ name: `mutated-${i}-${kind}`, bytes });
  }
  return out;
}

/** A valid file's header with its page size field set to `raw` (1 means 65536 in SQLite). */
export function withPageSize(valid: Buffer, raw: number): HostileFile {
  const bytes = Buffer.from(valid);
  bytes.writeUInt16BE(raw, 16);
  return { name: `page-size-${raw}`, bytes };
}

/** A valid header claiming a database of `pages` pages (in-header size) on a small file. */
export function withPageCount(valid: Buffer, pages: number): HostileFile {
  const bytes = Buffer.from(valid);
  bytes.writeUInt32BE(pages >>> 0, 28);
  return { name: `page-count-${pages}`, bytes };
}

export function randomBytesFile(size: number, seed: number): HostileFile {
  const random = new SeededRandom(seed);
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = random.int(0, 255);
  return { name: `random-${size}`, bytes };
}

/**
 * A zip archive holding one file of `inflatedBytes` zeros (deflate compresses it ~1000:1): a
 * zip bomb, to be uploaded under a .session name. Nothing in the import path may inflate it.
 */
export function zipBomb(inflatedBytes: number): HostileFile {
  const data = deflateRawSync(Buffer.alloc(inflatedBytes), { level: 9 });
  const name = Buffer.from("tgsentinel.session");
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8); // deflate
  local.writeUInt32LE(0, 14); // crc (not checked by anything that refuses the file)
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(inflatedBytes >>> 0, 22);
  local.writeUInt16LE(name.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(inflatedBytes >>> 0, 24);
  central.writeUInt16LE(name.length, 28);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + name.length, 12);
  end.writeUInt32LE(local.length + name.length + data.length, 16);
  return {
    name: "bomb.session",
    bytes: Buffer.concat([local, name, data, central, name, end]),
  };
}
