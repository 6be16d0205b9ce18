import { describe, expect, it } from "vitest";
import { decodeCursor, encodeCursor } from "./page-cursor.ts";

describe("page cursors", () => {
  it("round-trips ids and looks opaque", () => {
    for (const id of [0, 1, 42, 987_654_321, Number.MAX_SAFE_INTEGER]) {
      const cursor = encodeCursor("alert", id);
      expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(cursor).not.toContain(String(id));
      expect(decodeCursor("alert", cursor)).toBe(id);
    }
  });

  it("refuses a cursor of another kind", () => {
    expect(decodeCursor("alert", encodeCursor("digest", 5))).toBeNull();
    expect(decodeCursor("digest", encodeCursor("digest", 5))).toBe(5);
  });

  it.each([
    ["empty", ""],
    ["not base64", "!!!"],
    ["a bare number", "42"],
    ["a negative id", Buffer.from("alert:-1").toString("base64url")],
    ["a leading zero", Buffer.from("alert:007").toString("base64url")],
    ["an unsafe integer", Buffer.from("alert:9007199254740993").toString("base64url")],
    ["trailing junk", Buffer.from("alert:5;drop").toString("base64url")],
    ["a huge string", "A".repeat(1000)],
  ])("returns null for %s", (_label, text) => {
    expect(decodeCursor("alert", text)).toBeNull();
  });
});
