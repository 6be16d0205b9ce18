/**
 * Text folding for matching: width (NFKC), case, accents and whitespace runs are folded away so a
 * keyword written one way matches a message written another, while every folded code unit keeps
 * the span of the original text it came from, so reasons can point at the original characters.
 *
 * Folding works one code point at a time (memoised): the same function folds keywords and
 * messages, so both sides always agree, and the offset map stays exact.
 */

/** A folded text and, for each of its UTF-16 code units, the original span it came from. */
export interface FoldedText {
  /** The folded text: NFKC, case-folded, accents stripped, whitespace runs collapsed to one space. */
  readonly text: string;
  /** `starts[i]`: UTF-16 offset in the original text where the source of folded unit `i` starts. */
  readonly starts: Int32Array;
  /** `ends[i]`: UTF-16 offset in the original text where the source of folded unit `i` ends. */
  readonly ends: Int32Array;
}

/** How a code point behaves at a word boundary. */
export const CharClass = {
  /** Punctuation, symbols, spaces: a keyword edge may sit next to it. */
  Other: 0,
  /** Letters, digits, marks and underscore of scripts that separate words with spaces. */
  Word: 1,
  /** Letters of scripts written without spaces (Han, Kana, Thai, …): no boundary is required. */
  Unspaced: 2,
} as const;
export type CharClass = (typeof CharClass)[keyof typeof CharClass];

// Combining diacritics (accents) only: marks that are part of a script's spelling (Indic vowel
// signs, for instance) are kept so words of those scripts do not collapse into each other.
// Default-ignorable code points (soft hyphen, zero-width joiners, variation selectors) go too.
const STRIPPED =
  /[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f\p{Default_Ignorable_Code_Point}]/gu;
const WHITESPACE_ONLY = /^\s+$/u;
const WORD_CHAR = /^[\p{L}\p{N}\p{M}_]$/u;
const UNSPACED_CHAR =
  /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}\p{Script=Tibetan}]$/u;

// Latin letters that carry a stroke or are ligatures: Unicode gives them no decomposition, but
// people type them without it ("Lodz" for "Łódź").
const LATIN_EXTRA: Record<string, string> = { ø: "o", đ: "d", ł: "l", ħ: "h", ŧ: "t", æ: "ae", œ: "oe" };

const SPACE = 32;
const foldCache = new Map<number, string>();
const classCache = new Map<number, CharClass>();
const FOLD_CACHE_LIMIT = 200_000;

/** Folds one code point; a whitespace code point folds to a single space. */
function foldCodePoint(cp: number): string {
  const cached = foldCache.get(cp);
  if (cached !== undefined) return cached;
  // Upper-then-lower approximates full case folding (ß → ss, final ς → σ, ı → i).
  let folded = String.fromCodePoint(cp).normalize("NFKC").toUpperCase().toLowerCase().normalize("NFD");
  folded = folded.replace(STRIPPED, "");
  if (folded.length > 0) {
    let mapped = "";
    for (const ch of folded) mapped += LATIN_EXTRA[ch] ?? ch;
    folded = WHITESPACE_ONLY.test(mapped) ? " " : mapped;
  }
  if (foldCache.size < FOLD_CACHE_LIMIT) foldCache.set(cp, folded);
  return folded;
}

/** Classes of BMP code points met so far, as class + 1 (0: not classified yet); ASCII filled now. */
const classBmp = new Uint8Array(0x10000);
for (let cp = 0; cp < 128; cp++) {
  const word = (cp >= 48 && cp <= 57) || (cp >= 65 && cp <= 90) || (cp >= 97 && cp <= 122) || cp === 95;
  classBmp[cp] = (word ? CharClass.Word : CharClass.Other) + 1;
}

/** Classifies a code point for word-boundary checks. */
export function charClass(cp: number): CharClass {
  // Small enough to be inlined into the scanning loops; the first sight of a code point is slower.
  if (cp < 0x10000) {
    const known = classBmp[cp]!;
    if (known !== 0) return (known - 1) as CharClass;
  }
  return classify(cp);
}

function classify(cp: number): CharClass {
  const cached = cp < 0x10000 ? undefined : classCache.get(cp);
  if (cached !== undefined) return cached;
  const ch = String.fromCodePoint(cp);
  const cls = UNSPACED_CHAR.test(ch)
    ? CharClass.Unspaced
    : WORD_CHAR.test(ch)
      ? CharClass.Word
      : CharClass.Other;
  if (cp < 0x10000) classBmp[cp] = cls + 1;
  else if (classCache.size < FOLD_CACHE_LIMIT) classCache.set(cp, cls);
  return cls;
}

/** The code point that ends just before UTF-16 offset `index` (-1 at the start). */
export function codePointBefore(text: string, index: number): number {
  if (index <= 0) return -1;
  const low = text.charCodeAt(index - 1);
  if (low >= 0xdc00 && low <= 0xdfff && index >= 2) {
    const high = text.charCodeAt(index - 2);
    if (high >= 0xd800 && high <= 0xdbff) return (high - 0xd800) * 0x400 + (low - 0xdc00) + 0x10000;
  }
  return low;
}

/** The code point that starts at UTF-16 offset `index` (-1 at the end). */
export function codePointAtOffset(text: string, index: number): number {
  return index >= text.length ? -1 : text.codePointAt(index)!;
}

/** Folded code points of the Basic Multilingual Plane by code point (filled as met). */
const foldBmp: Array<string | undefined> = new Array(0x10000);
/**
 * The same for code units that fold to exactly one code unit, as a typed table: the unit + 1,
 * FOLDS_TO_SPACE for whitespace, 0 for anything else (not met yet, folds to nothing or to several
 * units, surrogates). ASCII is filled now.
 */
const foldUnit = new Int32Array(0x10000);
const FOLDS_TO_SPACE = -1;
for (let c = 0; c < 128; c++) {
  if (c === SPACE || (c >= 9 && c <= 13)) foldUnit[c] = FOLDS_TO_SPACE;
  else foldUnit[c] = (c >= 65 && c <= 90 ? c + 32 : c) + 1;
}

// Scratch buffers reused by every fold (scoring is synchronous, so one fold runs at a time); the
// result gets its own copies. They grow to the longest text seen.
let unitBuf = new Uint16Array(4096);
let startBuf = new Int32Array(4096);
let endBuf = new Int32Array(4096);

function reserve(capacity: number, used: number): void {
  if (capacity <= unitBuf.length) return;
  const size = Math.max(capacity, unitBuf.length * 2);
  const units = new Uint16Array(size);
  const starts = new Int32Array(size);
  const ends = new Int32Array(size);
  units.set(unitBuf.subarray(0, used));
  starts.set(startBuf.subarray(0, used));
  ends.set(endBuf.subarray(0, used));
  unitBuf = units;
  startBuf = starts;
  endBuf = ends;
}

/** Bumped by every fold: tells a FoldedText whether the scratch buffers still hold its offsets. */
let generation = 0;

/**
 * A fold's result. The offsets stay in the scratch buffers until another fold overwrites them;
 * they are copied out only when asked for (`starts`, `ends`) or read in place by `originalSpan`
 * right after the fold, so texts without a keyword hit never pay for them.
 */
class LazyFoldedText implements FoldedText {
  private startsCopy: Int32Array | null = null;
  private endsCopy: Int32Array | null = null;

  constructor(
    readonly text: string,
    private readonly original: string,
    private readonly length: number,
    private readonly generation: number,
  ) {}

  get starts(): Int32Array {
    return this.materialize()[0];
  }

  get ends(): Int32Array {
    return this.materialize()[1];
  }

  span(start: number, end: number): { start: number; end: number } {
    if (this.startsCopy === null && this.generation === generation)
      return { start: startBuf[start]!, end: endBuf[end - 1]! };
    const [starts, ends] = this.materialize();
    return { start: starts[start]!, end: ends[end - 1]! };
  }

  private materialize(): [Int32Array, Int32Array] {
    if (this.startsCopy === null || this.endsCopy === null) {
      // Overwritten by a later fold: fold the same text again (same offsets, by construction).
      if (this.generation !== generation) foldIntoBuffers(this.original);
      this.startsCopy = startBuf.slice(0, this.length);
      this.endsCopy = endBuf.slice(0, this.length);
    }
    return [this.startsCopy, this.endsCopy];
  }
}

/**
 * Folds `original` for matching and records where each folded code unit came from.
 * Runs of whitespace become one space whose span covers the whole run; code points that fold to
 * nothing (combining accents, soft hyphens) extend the span of the preceding folded unit, so a
 * highlighted "café" written with a combining accent includes the accent.
 */
export function foldWithOffsets(original: string): FoldedText {
  const { length, unpaired } = foldIntoBuffers(original);
  return new LazyFoldedText(unitsToString(unitBuf, length, unpaired), original, length, generation);
}

/** Folds into the scratch buffers (units, starts, ends); returns how many units it wrote. */
function foldIntoBuffers(original: string): { length: number; unpaired: boolean } {
  generation += 1;
  const n = original.length;
  // Most code points fold to one unit; longer folds reserve more as they come.
  reserve(n, 0);
  let units = unitBuf;
  let starts = startBuf;
  let ends = endBuf;
  let len = 0;
  let lastWasSpace = false;
  let unpaired = false;
  let i = 0;
  while (i < n) {
    const c = original.charCodeAt(i);
    const simple = foldUnit[c]!;
    if (simple > 0) {
      // The common case: a code unit that folds to one other (or the same) code unit.
      units[len] = simple - 1;
      starts[len] = i;
      ends[len] = i + 1;
      len += 1;
      lastWasSpace = false;
      i += 1;
      continue;
    }
    if (simple === FOLDS_TO_SPACE) {
      if (lastWasSpace) ends[len - 1] = i + 1;
      else {
        units[len] = SPACE;
        starts[len] = i;
        ends[len] = i + 1;
        len += 1;
        lastWasSpace = true;
      }
      i += 1;
      continue;
    }
    let cp = c;
    let width = 1;
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const low = original.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        cp = (c - 0xd800) * 0x400 + (low - 0xdc00) + 0x10000;
        width = 2;
      }
    }
    if (width === 1 && c >= 0xd800 && c <= 0xdfff) unpaired = true;
    let folded = cp < 0x10000 ? foldBmp[cp] : undefined;
    if (folded === undefined) {
      folded = foldCodePoint(cp);
      if (cp < 0x10000) {
        foldBmp[cp] = folded;
        // Remembered in the typed table when it folds to one unit (surrogates never do here).
        if (folded === " ") foldUnit[cp] = FOLDS_TO_SPACE;
        else if (folded.length === 1 && (cp < 0xd800 || cp > 0xdfff)) foldUnit[cp] = folded.charCodeAt(0) + 1;
      }
    }
    const k = folded.length;
    if (k === 0) {
      if (len > 0) ends[len - 1] = i + width;
    } else if (k === 1 && folded.charCodeAt(0) === SPACE) {
      if (lastWasSpace) ends[len - 1] = i + width;
      else {
        units[len] = SPACE;
        starts[len] = i;
        ends[len] = i + width;
        len += 1;
        lastWasSpace = true;
      }
    } else {
      if (len + k + (n - i) > units.length) {
        reserve(len + k + (n - i), len);
        units = unitBuf;
        starts = startBuf;
        ends = endBuf;
      }
      for (let j = 0; j < k; j++) {
        units[len] = folded.charCodeAt(j);
        starts[len] = i;
        ends[len] = i + width;
        len += 1;
      }
      lastWasSpace = false;
    }
    i += width;
  }
  return { length: len, unpaired };
}

const UTF16 = new TextDecoder("utf-16le");
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The string of `units[0..len)`. A TextDecoder is the fast way, but it replaces unpaired
 * surrogates (and reads bytes little-endian), so text with one takes the slow, exact way.
 */
function unitsToString(units: Uint16Array, len: number, unpaired: boolean): string {
  if (!unpaired && LITTLE_ENDIAN) return UTF16.decode(units.subarray(0, len));
  const CHUNK = 8192;
  let out = "";
  for (let k = 0; k < len; k += CHUNK)
    out += String.fromCharCode.apply(
      null,
      units.subarray(k, Math.min(len, k + CHUNK)) as unknown as number[],
    );
  return out;
}

/** Folds a keyword, phrase, name or title: like message text, then trimmed. */
export function foldTerm(term: string): string {
  return foldWithOffsets(term).text.trim();
}

/** Maps a folded span `[start, end)` back to the original text's UTF-16 span. */
export function originalSpan(folded: FoldedText, start: number, end: number): { start: number; end: number } {
  if (folded instanceof LazyFoldedText) return folded.span(start, end);
  return { start: folded.starts[start]!, end: folded.ends[end - 1]! };
}

/**
 * Whether the folded span `[start, end)` of `text` stands as a whole word or phrase: an edge that is
 * a word character must not touch another word character. Scripts written without spaces
 * (Han, Kana, Thai, …) never need a boundary, on either side.
 */
export function isWholeWord(text: string, start: number, end: number): boolean {
  const first = charClass(codePointAtOffset(text, start));
  if (first === CharClass.Word && charClass(codePointBefore(text, start)) === CharClass.Word) return false;
  const last = charClass(codePointBefore(text, end));
  if (last === CharClass.Word && charClass(codePointAtOffset(text, end)) === CharClass.Word) return false;
  return true;
}
