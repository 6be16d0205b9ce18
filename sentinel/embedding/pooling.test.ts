import { describe, expect, it } from "vitest";
import { firstTokenPool, l2Normalize, meanPool } from "./pooling.ts";

describe("pooling", () => {
  it("averages only the tokens the attention mask keeps", () => {
    const hidden = Float32Array.from([1, 0, 3, 4, 100, 100]);
    expect([...meanPool(hidden, [1, 1, 0], 3, 2)]).toEqual([2, 2]);
  });

  it("gives a zero vector when the mask keeps nothing, and refuses a short buffer", () => {
    expect([...meanPool(Float32Array.from([1, 2]), [0], 1, 2)]).toEqual([0, 0]);
    expect(() => meanPool(Float32Array.from([1]), [1], 1, 2)).toThrow(RangeError);
  });

  it("takes the first token's vector for first-token (CLS) pooling, and refuses a short buffer", () => {
    expect([...firstTokenPool(Float32Array.from([1, 2, 3, 4, 5, 6]), 3, 2)]).toEqual([1, 2]);
    expect(() => firstTokenPool(Float32Array.from([1]), 1, 2)).toThrow(RangeError);
    expect(() => firstTokenPool(new Float32Array(0), 0, 2)).toThrow(RangeError);
  });

  it("normalises to unit length, and leaves zero or non-finite vectors all zeros", () => {
    expect([...l2Normalize(Float32Array.from([3, 4]))]).toEqual([
      expect.closeTo(0.6, 6),
      expect.closeTo(0.8, 6),
    ]);
    expect([...l2Normalize(Float32Array.from([0, 0]))]).toEqual([0, 0]);
    expect([...l2Normalize(Float32Array.from([Number.NaN, 1]))]).toEqual([0, 0]);
  });
});
