/**
 * Similarity to example messages: TF-IDF over character 3–5-grams of folded text, compared by
 * cosine. No model, no download, deterministic. The IDF comes from the example texts of all profiles
 * (so n-grams common to every topic, like " the ", weigh little); example vectors are computed once
 * at build time and kept in an inverted index, so a message only touches the examples that share
 * n-grams with it.
 */
import { CharClass, charClass, foldTerm } from "./normalize.ts";

export const MIN_NGRAM = 3;
export const MAX_NGRAM = 5;
/** Only the first this many folded characters of a message are compared (bounds the cost). */
export const MAX_SIMILARITY_INPUT = 4_000;

/** The example texts of one profile. */
export interface ExampleSet {
  profileIndex: number;
  texts: readonly string[];
}

/** The closest example of one profile. */
export interface SimilarityMatch {
  profileIndex: number;
  /** Cosine similarity in [0, 1]. */
  similarity: number;
  /** Index of the closest example in the profile's `texts`. */
  exampleIndex: number;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const HASH_MASK = 0x3fffffff; // small non-negative integers keep Map keys fast

/**
 * Term frequencies of the hashed 3–5-grams of already-folded text. Non-word characters are mapped
 * to single spaces and the text is padded, so word starts and ends form their own n-grams.
 */
export function ngramCounts(folded: string): Map<number, number> {
  const units: number[] = [32];
  const limit = Math.min(folded.length, MAX_SIMILARITY_INPUT);
  for (let i = 0; i < limit; i++) {
    const c = folded.charCodeAt(i);
    const cls = c < 128 ? charClass(c) : charClass(folded.codePointAt(i)!);
    if (cls === CharClass.Other) {
      if (units[units.length - 1] !== 32) units.push(32);
    } else units.push(c);
  }
  if (units[units.length - 1] !== 32) units.push(32);
  const counts = new Map<number, number>();
  for (let start = 0; start + MIN_NGRAM <= units.length; start++) {
    let hash = FNV_OFFSET;
    const end = Math.min(units.length, start + MAX_NGRAM);
    for (let k = start; k < end; k++) {
      hash = Math.imul(hash ^ units[k]!, FNV_PRIME);
      if (k - start + 1 >= MIN_NGRAM) {
        const key = (hash ^ (k - start)) & HASH_MASK;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }
  }
  return counts;
}

function tfWeight(count: number): number {
  return 1 + Math.log(count);
}

export class SimilarityIndex {
  /** n-gram → row in the postings. */
  private readonly vocabulary: Map<number, number>;
  private readonly idf: Float64Array;
  /** IDF of an n-gram no example contains. */
  private readonly unseenIdf: number;
  private readonly postingStart: Int32Array;
  private readonly postingExample: Int32Array;
  private readonly postingWeight: Float64Array;
  private readonly exampleProfile: Int32Array;
  private readonly exampleLocalIndex: Int32Array;
  /** Scratch accumulators, reset after each query (queries are synchronous). */
  private readonly dot: Float64Array;
  private readonly touched: Int32Array;

  private constructor(parts: {
    vocabulary: Map<number, number>;
    idf: Float64Array;
    unseenIdf: number;
    postingStart: Int32Array;
    postingExample: Int32Array;
    postingWeight: Float64Array;
    exampleProfile: Int32Array;
    exampleLocalIndex: Int32Array;
  }) {
    this.vocabulary = parts.vocabulary;
    this.idf = parts.idf;
    this.unseenIdf = parts.unseenIdf;
    this.postingStart = parts.postingStart;
    this.postingExample = parts.postingExample;
    this.postingWeight = parts.postingWeight;
    this.exampleProfile = parts.exampleProfile;
    this.exampleLocalIndex = parts.exampleLocalIndex;
    this.dot = new Float64Array(parts.exampleProfile.length);
    this.touched = new Int32Array(parts.exampleProfile.length);
  }

  /** Number of example texts indexed. */
  get exampleCount(): number {
    return this.exampleProfile.length;
  }

  static build(sets: readonly ExampleSet[]): SimilarityIndex {
    const exampleProfile: number[] = [];
    const exampleLocalIndex: number[] = [];
    const exampleCounts: Array<Map<number, number>> = [];
    for (const set of sets) {
      set.texts.forEach((text, local) => {
        exampleProfile.push(set.profileIndex);
        exampleLocalIndex.push(local);
        exampleCounts.push(ngramCounts(foldTerm(text)));
      });
    }
    const documents = exampleCounts.length;

    const vocabulary = new Map<number, number>();
    const df: number[] = [];
    for (const counts of exampleCounts) {
      for (const gram of counts.keys()) {
        const row = vocabulary.get(gram);
        if (row === undefined) {
          vocabulary.set(gram, df.length);
          df.push(1);
        } else df[row]!++;
      }
    }
    // Smoothed IDF: never zero, so an n-gram every example shares still counts a little.
    const idf = Float64Array.from(df, (d) => Math.log((1 + documents) / (1 + d)) + 1);
    const unseenIdf = Math.log(1 + documents) + 1;

    const postingStart = new Int32Array(df.length + 1);
    for (let row = 0; row < df.length; row++) postingStart[row + 1] = postingStart[row]! + df[row]!;
    const fill = postingStart.slice(0, df.length);
    const postingExample = new Int32Array(postingStart[df.length]!);
    const postingWeight = new Float64Array(postingStart[df.length]!);
    exampleCounts.forEach((counts, example) => {
      let norm = 0;
      for (const [gram, count] of counts) {
        const w = tfWeight(count) * idf[vocabulary.get(gram)!]!;
        norm += w * w;
      }
      norm = Math.sqrt(norm);
      for (const [gram, count] of counts) {
        const row = vocabulary.get(gram)!;
        const at = fill[row]!++;
        postingExample[at] = example;
        postingWeight[at] = norm === 0 ? 0 : (tfWeight(count) * idf[row]!) / norm;
      }
    });

    return new SimilarityIndex({
      vocabulary,
      idf,
      unseenIdf,
      postingStart,
      postingExample,
      postingWeight,
      exampleProfile: Int32Array.from(exampleProfile),
      exampleLocalIndex: Int32Array.from(exampleLocalIndex),
    });
  }

  /**
   * The closest example of each profile that shares any n-gram with the text (already folded with
   * `foldWithOffsets`/`foldTerm`), ordered by profile index; ties go to the earlier example.
   */
  bestMatches(folded: string): SimilarityMatch[] {
    if (this.exampleCount === 0) return [];
    const counts = ngramCounts(folded);
    let norm = 0;
    for (const [gram, count] of counts) {
      const row = this.vocabulary.get(gram);
      const w = tfWeight(count) * (row === undefined ? this.unseenIdf : this.idf[row]!);
      norm += w * w;
    }
    if (norm === 0) return [];
    norm = Math.sqrt(norm);

    let touchedCount = 0;
    for (const [gram, count] of counts) {
      const row = this.vocabulary.get(gram);
      if (row === undefined) continue;
      const w = tfWeight(count) * this.idf[row]!;
      for (let p = this.postingStart[row]!; p < this.postingStart[row + 1]!; p++) {
        const example = this.postingExample[p]!;
        if (this.dot[example] === 0) this.touched[touchedCount++] = example;
        this.dot[example]! += w * this.postingWeight[p]!;
      }
    }

    const best = new Map<number, SimilarityMatch>();
    for (let t = 0; t < touchedCount; t++) {
      const example = this.touched[t]!;
      const similarity = Math.min(1, this.dot[example]! / norm);
      this.dot[example] = 0;
      const profileIndex = this.exampleProfile[example]!;
      const exampleIndex = this.exampleLocalIndex[example]!;
      const current = best.get(profileIndex);
      if (
        current === undefined ||
        similarity > current.similarity ||
        (similarity === current.similarity && exampleIndex < current.exampleIndex)
      ) {
        best.set(profileIndex, { profileIndex, similarity, exampleIndex });
      }
    }
    return [...best.values()].sort((a, b) => a.profileIndex - b.profileIndex);
  }
}
