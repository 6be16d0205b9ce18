import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { checkSessionFile } from "./session-file-check.ts";
import { readLimited } from "./session-upload.ts";
import { pyrogramSession, telethonSession } from "./testing/session-files.ts";

describe("checkSessionFile", () => {
  it("accepts a Telethon session with a 256-byte key", () => {
    const { bytes } = telethonSession();
    expect(checkSessionFile(bytes)).toEqual({ format: "telethon", size: bytes.length });
  });

  it("names the missing Telethon tables", () => {
    expect(() => checkSessionFile(telethonSession({ omit: ["sessions", "version"] }).bytes)).toThrow(
      "Missing required Telethon tables: sessions, version",
    );
  });

  it("rejects a Pyrogram session with its own code", () => {
    expect(() => checkSessionFile(pyrogramSession())).toThrow(
      expect.objectContaining({ code: "PYROGRAM_SESSION_UNSUPPORTED" }),
    );
  });

  it("rejects a truncated file and a WAL-mode file", () => {
    const { bytes } = telethonSession();
    expect(() => checkSessionFile(bytes.subarray(0, bytes.length - 100))).toThrow(/truncated/);
    const wal = Buffer.from(bytes);
    wal[18] = 2;
    wal[19] = 2;
    expect(() => checkSessionFile(wal)).toThrow(/WAL/);
  });

  it("reports a corrupt database as INVALID_SESSION_FILE, never a crash", () => {
    const { bytes } = telethonSession();
    const corrupt = Buffer.from(bytes);
    corrupt.fill(0xff, 100, 4096);
    expect(() => checkSessionFile(corrupt)).toThrow(
      expect.objectContaining({ code: "INVALID_SESSION_FILE" }),
    );
  });
});

describe("readLimited", () => {
  const chunks = (total: number, size = 64 * 1024) =>
    Readable.from(
      (function* () {
        for (let left = total; left > 0; left -= size) yield Buffer.alloc(Math.min(size, left), 1);
      })(),
    );

  it("reads exactly the limit", async () => {
    expect((await readLimited(chunks(1_000_000), 1_000_000)).length).toBe(1_000_000);
  });

  it("joins the chunks in order and leaves no copy of them behind", async () => {
    const parts = [Buffer.from([1, 2, 3]), Buffer.from([4, 5]), Buffer.from([6])];
    const bytes = await readLimited(Readable.from(parts), 10);
    expect([...bytes]).toEqual([1, 2, 3, 4, 5, 6]);
    for (const part of parts) expect(part.every((b) => b === 0)).toBe(true);
  });

  it("fails one byte over the limit with SESSION_TOO_LARGE", async () => {
    await expect(readLimited(chunks(1_000_001), 1_000_000)).rejects.toMatchObject({
      code: "SESSION_TOO_LARGE",
    });
  });
});
