/**
 * The topic terms of the benchmark: invented names, products and places in several scripts,
 * ranked by popularity. Messages mention them (popular ones far more often, Zipf-like); profiles
 * watch some of them as keywords. Deterministic for a given seed and count.
 */
import { foldTerm } from "../sentinel/scoring/normalize.ts";
import { SeededRandom } from "../sentinel/scoring/seeded-random.ts";
import { LANGUAGES, type Language } from "./vocabulary.ts";

export interface TopicTerm {
  term: string;
  /** Language the term is written in (its script decides spacing). */
  language: Language;
}

/** `count` distinct topic terms (distinct also after case and accent folding), most popular first. */
export function topicTerms(count: number, seed: number): TopicTerm[] {
  const random = new SeededRandom(seed);
  const seen = new Set<string>();
  const out: TopicTerm[] = [];
  let attempts = 0;
  while (out.length < count) {
    attempts += 1;
    if (attempts > count * 50) throw new Error(`could not invent ${count} distinct topic terms`);
    const language = pickLanguage(random);
    const words = language.unspaced ? 1 : random.chance(0.25) ? 2 : 1;
    const parts: string[] = [];
    for (let w = 0; w < words; w++) parts.push(inventWord(random, language));
    const term = parts.join(" ");
    const folded = foldTerm(term);
    if (folded.length < 3 || seen.has(folded)) continue;
    seen.add(folded);
    out.push({ term, language });
  }
  return out;
}

function inventWord(random: SeededRandom, language: Language): string {
  const syllables = language.unspaced ? random.int(2, 4) : random.int(2, 4);
  let word = "";
  for (let s = 0; s < syllables; s++) word += random.pick(language.syllables);
  // Latin and Cyrillic names are capitalised; the scorer folds case anyway.
  return !language.unspaced && random.chance(0.6) ? word[0]!.toUpperCase() + word.slice(1) : word;
}

export function pickLanguage(random: SeededRandom): Language {
  let roll = random.next();
  for (const language of LANGUAGES) {
    roll -= language.share;
    if (roll < 0) return language;
  }
  return LANGUAGES[0]!;
}

/**
 * Draws ranks from a Zipf distribution (exponent 1) over `size` items: rank 0 is the most
 * popular. Uses a precomputed cumulative table and binary search.
 */
export class ZipfRanks {
  private readonly cumulative: Float64Array;

  constructor(size: number, exponent = 1) {
    this.cumulative = new Float64Array(size);
    let total = 0;
    for (let rank = 0; rank < size; rank++) {
      total += 1 / (rank + 1) ** exponent;
      this.cumulative[rank] = total;
    }
    for (let rank = 0; rank < size; rank++) this.cumulative[rank]! /= total;
  }

  draw(random: SeededRandom): number {
    const roll = random.next();
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cumulative[mid]! < roll) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
