/** Turning a model's token vectors into one sentence vector: pure arithmetic on flat arrays. */

/**
 * Mean of the token vectors whose attention mask is 1 (`hidden` holds `tokens` rows of
 * `dimensions` floats, row-major, as an ONNX [1, n, d] output). All-zero mask → zero vector.
 */
export function meanPool(
  hidden: Float32Array,
  mask: ArrayLike<number>,
  tokens: number,
  dimensions: number,
): Float32Array {
  if (hidden.length < tokens * dimensions)
    throw new RangeError(`expected ${tokens * dimensions} values, got ${hidden.length}`);
  const sum = new Float64Array(dimensions);
  let counted = 0;
  for (let t = 0; t < tokens; t++) {
    if (mask[t] === 0) continue;
    counted++;
    const row = t * dimensions;
    for (let k = 0; k < dimensions; k++) sum[k]! += hidden[row + k]!;
  }
  const out = new Float32Array(dimensions);
  if (counted === 0) return out;
  for (let k = 0; k < dimensions; k++) out[k] = sum[k]! / counted;
  return out;
}

/** The first token's vector (`[CLS]`/`<s>`), for models pooled that way (same layout as meanPool). */
export function firstTokenPool(hidden: Float32Array, tokens: number, dimensions: number): Float32Array {
  if (tokens < 1 || hidden.length < tokens * dimensions)
    throw new RangeError(`expected ${tokens * dimensions} values, got ${hidden.length}`);
  return hidden.slice(0, dimensions);
}

/** Scales `vector` to unit length in place and returns it; a zero (or non-finite) vector becomes all zeros. */
export function l2Normalize(vector: Float32Array): Float32Array {
  let squares = 0;
  for (let k = 0; k < vector.length; k++) squares += vector[k]! * vector[k]!;
  const norm = Math.sqrt(squares);
  if (norm === 0 || !Number.isFinite(norm)) return vector.fill(0);
  for (let k = 0; k < vector.length; k++) vector[k]! /= norm;
  return vector;
}
