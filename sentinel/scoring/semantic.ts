/**
 * Semantic similarity: cosine between a message's embedding and the embeddings of each profile's
 * `semantic.texts`. Pure: the vectors are computed elsewhere (an Embedder, before scoring) and
 * handed in; this module only compares them. All vectors of one index come from one model, so they
 * share a length; they are normalised here again so a caller's rounding never inflates a cosine.
 *
 * Cost per message: one dot product per indexed text (texts × dimensions multiply-adds; 500 texts
 * of 384 dimensions is about 0.2 M, well under a millisecond).
 */
import type { Profile } from "./profile.ts";

/** The embeddings of one profile's semantic texts, in the order of `semantic.texts`. */
export interface SemanticSet {
  profileIndex: number;
  vectors: readonly Float32Array[];
}

/** The closest semantic text of one profile. */
export interface SemanticMatch {
  profileIndex: number;
  /** Cosine similarity in [-1, 1]. */
  similarity: number;
  /** Index of the closest text in the profile's `semantic.texts`. */
  textIndex: number;
}

/**
 * The distinct semantic texts of a set's active rules (enabled profile, weight > 0): what must be
 * embedded before `buildScorer` can use them.
 */
export function semanticTexts(profiles: readonly Profile[]): string[] {
  const texts = new Set<string>();
  for (const profile of profiles) {
    if (!profile.enabled || profile.semantic === undefined || profile.semantic.weight === 0) continue;
    for (const text of profile.semantic.texts) texts.add(text);
  }
  return [...texts];
}

export class SemanticIndex {
  private constructor(
    readonly dimensions: number,
    /** Unit rows, one per text, `dimensions` floats each. */
    private readonly matrix: Float32Array,
    private readonly rowProfile: Int32Array,
    private readonly rowText: Int32Array,
  ) {}

  /** Number of texts indexed. */
  get textCount(): number {
    return this.rowProfile.length;
  }

  /**
   * Indexes the sets' vectors. Throws RangeError when the vectors differ in length (they must come
   * from one model). Zero vectors are kept but can never match.
   */
  static build(sets: readonly SemanticSet[]): SemanticIndex {
    const rows = sets.reduce((n, set) => n + set.vectors.length, 0);
    const dimensions = sets.find((set) => set.vectors.length > 0)?.vectors[0]?.length ?? 0;
    const matrix = new Float32Array(rows * dimensions);
    const rowProfile = new Int32Array(rows);
    const rowText = new Int32Array(rows);
    let row = 0;
    for (const set of sets) {
      set.vectors.forEach((vector, textIndex) => {
        if (vector.length !== dimensions)
          throw new RangeError(`semantic vectors differ in length (${vector.length} and ${dimensions})`);
        writeUnit(vector, matrix, row * dimensions);
        rowProfile[row] = set.profileIndex;
        rowText[row] = textIndex;
        row++;
      });
    }
    return new SemanticIndex(dimensions, matrix, rowProfile, rowText);
  }

  /**
   * The closest text of each profile, ordered by profile index; ties go to the earlier text. A zero
   * message vector matches nothing. Throws RangeError for a vector of another length.
   */
  bestMatches(vector: Float32Array): SemanticMatch[] {
    if (this.textCount === 0) return [];
    if (vector.length !== this.dimensions)
      throw new RangeError(`message vector has ${vector.length} dimensions, the index ${this.dimensions}`);
    const unit = new Float32Array(this.dimensions);
    if (!writeUnit(vector, unit, 0)) return [];
    const best = new Map<number, SemanticMatch>();
    const d = this.dimensions;
    for (let row = 0; row < this.textCount; row++) {
      let dot = 0;
      const offset = row * d;
      for (let k = 0; k < d; k++) dot += this.matrix[offset + k]! * unit[k]!;
      const similarity = Math.max(-1, Math.min(1, dot));
      const profileIndex = this.rowProfile[row]!;
      const current = best.get(profileIndex);
      // Rows of a profile are in text order, so a strict > keeps the earlier text on ties.
      if (current === undefined || similarity > current.similarity)
        best.set(profileIndex, { profileIndex, similarity, textIndex: this.rowText[row]! });
    }
    return [...best.values()].sort((a, b) => a.profileIndex - b.profileIndex);
  }
}

/** Writes `vector` scaled to unit length into `out` at `offset`; false (zeros written) when it has no length. */
function writeUnit(vector: Float32Array, out: Float32Array, offset: number): boolean {
  let squares = 0;
  for (let k = 0; k < vector.length; k++) squares += vector[k]! * vector[k]!;
  const norm = Math.sqrt(squares);
  if (norm === 0 || !Number.isFinite(norm)) {
    out.fill(0, offset, offset + vector.length);
    return false;
  }
  for (let k = 0; k < vector.length; k++) out[offset + k] = vector[k]! / norm;
  return true;
}
