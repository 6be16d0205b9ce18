/**
 * Similarity to example messages: TF-IDF over character 3–5-grams of folded text, compared by
 * cosine. No model, no download, deterministic. The IDF comes from the example texts of all profiles
 * (so n-grams common to every topic, like " the ", weigh little); example vectors are computed once
 * at build time.
 *
 * A message's cost is the number of postings its n-grams touch (their document frequencies): small
 * for a few profiles with examples, growing with the number of example texts for common n-grams.
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
const HASH_MASK = 0x3fffffff;
const SPACE = 32;

/** Open-addressing hash table (linear probing) from non-negative int keys to int values. */
class IntTable {
  readonly keys: Int32Array;
  readonly values: Int32Array;
  private readonly mask: number;

  constructor(minCapacity: number) {
    let size = 16;
    while (size < minCapacity * 2) size *= 2;
    this.keys = new Int32Array(size).fill(-1);
    this.values = new Int32Array(size);
    this.mask = size - 1;
  }

  /** The slot holding `key`, or the empty slot where it would go. */
  slot(key: number): number {
    let s = Math.imul(key, 0x9e3779b1) & this.mask;
    while (this.keys[s] !== -1 && this.keys[s] !== key) s = (s + 1) & this.mask;
    return s;
  }

  get(key: number): number {
    const s = this.slot(key);
    return this.keys[s] === key ? this.values[s]! : -1;
  }
}

/** Reusable scratch for one text's n-grams (queries are synchronous, so one set per index). */
class GramCounter {
  private readonly units = new Uint16Array(MAX_SIMILARITY_INPUT + 2);
  private readonly table: IntTable;
  /** Distinct grams of the last text, in first-seen order, and their counts. */
  readonly grams: Int32Array;
  readonly counts: Int32Array;
  private readonly slots: Int32Array;
  size = 0;

  constructor() {
    const maxGrams = (MAX_SIMILARITY_INPUT + 2) * (MAX_NGRAM - MIN_NGRAM + 1);
    this.table = new IntTable(maxGrams);
    this.grams = new Int32Array(maxGrams);
    this.counts = new Int32Array(maxGrams);
    this.slots = new Int32Array(maxGrams);
  }

  /**
   * Counts the hashed 3–5-grams of already-folded text. Non-word characters become single spaces
   * and the text is padded, so word starts and ends form their own n-grams.
   */
  count(folded: string): void {
    for (let k = 0; k < this.size; k++) this.table.keys[this.slots[k]!] = -1;
    this.size = 0;
    const units = this.units;
    let length = 0;
    units[length++] = SPACE;
    const limit = Math.min(folded.length, MAX_SIMILARITY_INPUT);
    for (let i = 0; i < limit; i++) {
      const c = folded.charCodeAt(i);
      const cls = c < 128 ? charClass(c) : charClass(folded.codePointAt(i)!);
      if (cls === CharClass.Other) {
        if (units[length - 1] !== SPACE) units[length++] = SPACE;
      } else units[length++] = c;
    }
    if (units[length - 1] !== SPACE) units[length++] = SPACE;
    for (let start = 0; start + MIN_NGRAM <= length; start++) {
      let hash = FNV_OFFSET;
      const end = Math.min(length, start + MAX_NGRAM);
      for (let k = start; k < end; k++) {
        hash = Math.imul(hash ^ units[k]!, FNV_PRIME);
        if (k - start + 1 >= MIN_NGRAM) this.add((hash ^ (k - start)) & HASH_MASK);
      }
    }
  }

  private add(gram: number): void {
    const s = this.table.slot(gram);
    if (this.table.keys[s] === gram) {
      this.counts[this.table.values[s]!]!++;
      return;
    }
    this.table.keys[s] = gram;
    this.table.values[s] = this.size;
    this.grams[this.size] = gram;
    this.counts[this.size] = 1;
    this.slots[this.size] = s;
    this.size++;
  }
}

/** Term frequencies of the hashed n-grams of folded text (for inspection and tests). */
export function ngramCounts(folded: string): Map<number, number> {
  const counter = new GramCounter();
  counter.count(folded);
  const out = new Map<number, number>();
  for (let k = 0; k < counter.size; k++) out.set(counter.grams[k]!, counter.counts[k]!);
  return out;
}

function tfWeight(count: number): number {
  return 1 + Math.log(count);
}

export class SimilarityIndex {
  /** n-gram hash → row. */
  private readonly vocabulary: IntTable;
  private readonly idf: Float64Array;
  /** IDF of an n-gram no example contains. */
  private readonly unseenIdf: number;
  /** Inverted index: (example, weight) postings of every row, CSR. */
  private readonly postingStart: Int32Array;
  private readonly postingExample: Int32Array;
  private readonly postingWeight: Float64Array;
  private readonly exampleProfile: Int32Array;
  private readonly exampleLocalIndex: Int32Array;
  // Scratch, reset after each query (queries are synchronous).
  private readonly counter = new GramCounter();
  private readonly dot: Float64Array;
  private readonly touched: Int32Array;

  private constructor(parts: {
    vocabulary: IntTable;
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
    const exampleGrams: Array<{ grams: Int32Array; counts: Int32Array }> = [];
    const counter = new GramCounter();
    for (const set of sets) {
      set.texts.forEach((text, local) => {
        counter.count(foldTerm(text));
        exampleProfile.push(set.profileIndex);
        exampleLocalIndex.push(local);
        exampleGrams.push({
          grams: counter.grams.slice(0, counter.size),
          counts: counter.counts.slice(0, counter.size),
        });
      });
    }
    const documents = exampleGrams.length;

    let totalGrams = 0;
    for (const e of exampleGrams) totalGrams += e.grams.length;
    const vocabulary = new IntTable(Math.max(1, totalGrams));
    const df: number[] = [];
    const exampleRows = exampleGrams.map(({ grams }) =>
      Int32Array.from(grams, (gram) => {
        const s = vocabulary.slot(gram);
        if (vocabulary.keys[s] === gram) {
          df[vocabulary.values[s]!]!++;
          return vocabulary.values[s]!;
        }
        vocabulary.keys[s] = gram;
        vocabulary.values[s] = df.length;
        df.push(1);
        return df.length - 1;
      }),
    );
    const rows = df.length;
    // Smoothed IDF: never zero, so an n-gram every example shares still counts a little.
    const idf = Float64Array.from(df, (d) => Math.log((1 + documents) / (1 + d)) + 1);
    const unseenIdf = Math.log(1 + documents) + 1;

    const postingStart = new Int32Array(rows + 1);
    for (let row = 0; row < rows; row++) postingStart[row + 1] = postingStart[row]! + df[row]!;
    const fill = postingStart.slice(0, rows);
    const postingExample = new Int32Array(postingStart[rows]!);
    const postingWeight = new Float64Array(postingStart[rows]!);
    exampleGrams.forEach(({ counts }, example) => {
      const exampleRowList = exampleRows[example]!;
      let norm = 0;
      for (let k = 0; k < exampleRowList.length; k++) {
        const w = tfWeight(counts[k]!) * idf[exampleRowList[k]!]!;
        norm += w * w;
      }
      norm = Math.sqrt(norm);
      for (let k = 0; k < exampleRowList.length; k++) {
        const row = exampleRowList[k]!;
        const at = fill[row]!++;
        postingExample[at] = example;
        postingWeight[at] = norm === 0 ? 0 : (tfWeight(counts[k]!) * idf[row]!) / norm;
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
    const counter = this.counter;
    counter.count(folded);
    let norm = 0;
    for (let k = 0; k < counter.size; k++) {
      const row = this.vocabulary.get(counter.grams[k]!);
      const w = tfWeight(counter.counts[k]!) * (row === -1 ? this.unseenIdf : this.idf[row]!);
      norm += w * w;
    }
    if (norm === 0) return [];
    norm = Math.sqrt(norm);

    // Accumulated in the message's n-gram order: the same for every example, whatever the profiles.
    let touchedCount = 0;
    for (let k = 0; k < counter.size; k++) {
      const row = this.vocabulary.get(counter.grams[k]!);
      if (row === -1) continue;
      const w = tfWeight(counter.counts[k]!) * this.idf[row]!;
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
