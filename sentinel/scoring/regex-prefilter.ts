/**
 * A cheap test that rules a regex out before it runs: the longest run of characters every match
 * must contain, found once when the scorer is built. A message whose text lacks that run cannot
 * match, so the scorer skips the regex after one `String.includes` instead of running it.
 * Patterns with no such run often still need digits: every match of `\d{6,9}` holds six ASCII
 * digits in a row. The longest run of digits in a text is found once per text (`TextFacts`; most
 * messages have none), and every regex needing a longer one is skipped.
 *
 * The analysis only ever keeps characters it is sure of, and gives up (no pre-filter) on anything
 * else: alternations, optional parts, classes, lookarounds, backreferences and assertions end a
 * run. Under the `i` flag only ASCII letters and ASCII non-letters are kept, compared on the
 * lower-cased text: their case variants are ASCII too — except k and s, which also match the
 * Kelvin sign and the long s under `iu`, so they end a run.
 */
import { type PatternNode, parsePattern } from "./regex-safety.ts";

/** What the text must contain for the regex to match. */
export interface RegexPrefilter {
  /** The characters, lower case when `folded` ("" when no run of characters is certain). */
  literal: string;
  /** Compare with the lower-cased text (the pattern has the `i` flag). */
  folded: boolean;
  /**
   * With `folded`: the literal is printable ASCII without spaces, so the scorer's folded text
   * (foldWithOffsets: ASCII lower-cased and kept, only whitespace runs and invisible characters
   * changed) holds it wherever the lower-cased text does, and can stand in for it.
   */
  foldSafe: boolean;
  /** Every match holds this many ASCII digits in a row (0: no such need). */
  digits: number;
}

const ANY_DIGIT = /[0-9]/;
const DIGIT_RUNS = /[0-9]+/g;

/** A text as the pre-filters look at it; the lower-cased copy and the digit run are made once, when first asked for. */
export class TextFacts {
  private lowerText: string | null = null;
  private digitRun = -1;

  /** `folded`: the text as foldWithOffsets folds it, when the caller has it (used for fold-safe literals). */
  constructor(
    readonly text: string,
    readonly folded: string | null = null,
  ) {}

  get lower(): string {
    this.lowerText ??= this.text.toLowerCase();
    return this.lowerText;
  }

  /** The longest run of ASCII digits (the regex engine scans natively; most texts have none). */
  get digits(): number {
    if (this.digitRun < 0) {
      let longest = 0;
      if (ANY_DIGIT.test(this.text)) {
        DIGIT_RUNS.lastIndex = 0;
        for (let m = DIGIT_RUNS.exec(this.text); m !== null; m = DIGIT_RUNS.exec(this.text))
          if (m[0].length > longest) longest = m[0].length;
      }
      this.digitRun = longest;
    }
    return this.digitRun;
  }
}

const BREAK = null;
type Piece = string | typeof BREAK;

/** Longest run counted from a repetition's minimum (more copies prove nothing more; bounded work). */
const MAX_COUNTED_REPEAT = 256;

/** The pre-filter of a pattern, or null when nothing about its matches is certain. */
export function regexPrefilter(source: string, flags: string): RegexPrefilter | null {
  // Stateful (g, y) and set-notation (v) regexes are left alone; so are group forms the
  // parser does not know (inline modifiers).
  if (/[gyv]/.test(flags) || /\(\?[^:=!<]/.test(source)) return null;
  let tree: PatternNode;
  try {
    tree = parsePattern(source, flags);
  } catch {
    return null;
  }
  const folded = flags.includes("i");
  const pieces: Piece[] = [];
  collect(tree, folded, pieces);
  let best = "";
  let run = "";
  for (const piece of [...pieces, BREAK]) {
    if (piece === BREAK) {
      if (run.length > best.length) best = run;
      run = "";
    } else run += piece;
  }
  const digits = classRun(tree, isDigitSet);
  if (best.length === 0 && digits === 0) return null;
  return { literal: best, folded, foldSafe: folded && /^[\x21-\x7e]*$/.test(best), digits };
}

/** True when the text may match (the pre-filter does not rule it out). */
export function mayMatch(prefilter: RegexPrefilter | null, text: TextFacts): boolean {
  if (prefilter === null) return true;
  if (prefilter.digits > 0 && text.digits < prefilter.digits) return false;
  if (prefilter.literal === "") return true;
  if (!prefilter.folded) return text.text.includes(prefilter.literal);
  if (prefilter.foldSafe && text.folded !== null) return text.folded.includes(prefilter.literal);
  return text.lower.includes(prefilter.literal);
}

/** Code point ranges [lo, hi, …] all within `allowed` ranges. */
function within(set: readonly number[], allowed: readonly number[]): boolean {
  if (set.length === 0) return false;
  for (let i = 0; i < set.length; i += 2) {
    let inside = false;
    for (let j = 0; j < allowed.length; j += 2)
      if (set[i]! >= allowed[j]! && set[i + 1]! <= allowed[j + 1]!) inside = true;
    if (!inside) return false;
  }
  return true;
}

// Sets as the parser builds them (already closed under the `i` flag): digits have no other case.
const DIGITS = [48, 57];
const isDigitSet = (set: readonly number[]) => within(set, DIGITS);

/**
 * The longest run of characters from a class every match contains: a character in the class
 * counts 1, a repetition of one such character its minimum, anything else (or what follows a
 * repetition that may go on) ends the run, like `collect` for literal characters.
 */
function classRun(tree: PatternNode, inClass: (set: readonly number[]) => boolean): number {
  const runs: number[] = [];
  walkClass(tree, inClass, runs);
  let best = 0;
  let run = 0;
  for (const piece of [...runs, 0]) {
    if (piece === 0) {
      if (run > best) best = run;
      run = 0;
    } else run += piece;
  }
  return best;
}

function walkClass(node: PatternNode, inClass: (set: readonly number[]) => boolean, out: number[]): void {
  switch (node.t) {
    case "chars":
      out.push(inClass(node.set) ? 1 : 0);
      return;
    case "seq":
      for (const item of node.items) walkClass(item, inClass, out);
      return;
    case "group":
      walkClass(node.body, inClass, out);
      return;
    case "quant": {
      if (node.min >= 1) {
        const single = node.body.t === "group" ? node.body.body : node.body;
        if (single.t === "chars") out.push(inClass(single.set) ? Math.min(node.min, MAX_COUNTED_REPEAT) : 0);
        else walkClass(node.body, inClass, out);
      }
      out.push(0);
      return;
    }
    default:
      out.push(0);
  }
}

function collect(node: PatternNode, folded: boolean, out: Piece[]): void {
  switch (node.t) {
    case "chars":
      out.push(certainChar(node.set, folded));
      return;
    case "seq":
      for (const item of node.items) collect(item, folded, out);
      return;
    case "group":
      collect(node.body, folded, out);
      return;
    case "quant":
      // At least one copy is contiguous with what precedes it; what follows may be another copy.
      if (node.min >= 1) collect(node.body, folded, out);
      out.push(BREAK);
      return;
    default:
      out.push(BREAK);
  }
}

/** The one character a set stands for, or BREAK. */
function certainChar(set: readonly number[], folded: boolean): Piece {
  if (!folded) return set.length === 2 && set[0] === set[1] ? String.fromCodePoint(set[0]!) : BREAK;
  if (set.length === 2 && set[0] === set[1]) {
    const ch = String.fromCodePoint(set[0]!);
    return set[0]! < 128 && !/[a-z]/i.test(ch) ? ch : BREAK;
  }
  // An ASCII letter with its other case, as the parser closes it under `i`.
  if (set.length === 4 && set[0] === set[1] && set[2] === set[3] && set[2]! - set[0]! === 32) {
    const lower = String.fromCharCode(set[2]!);
    return /[a-z]/.test(lower) && lower !== "k" && lower !== "s" ? lower : BREAK;
  }
  return BREAK;
}
