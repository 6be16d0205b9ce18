/**
 * A cheap test that rules a regex out before it runs: the longest run of characters every match
 * must contain, found once when the scorer is built. A message whose text lacks that run cannot
 * match, so the scorer skips the regex after one `String.includes` instead of running it.
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
  /** The characters, lower case when `folded`. */
  literal: string;
  /** Compare with the lower-cased text (the pattern has the `i` flag). */
  folded: boolean;
}

const BREAK = null;
type Piece = string | typeof BREAK;

/** The pre-filter of a pattern, or null when no required run of characters is certain. */
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
  return best.length === 0 ? null : { literal: best, folded };
}

/** True when the text may match (the pre-filter does not rule it out). */
export function mayMatch(prefilter: RegexPrefilter | null, text: string, lowerText: string): boolean {
  if (prefilter === null) return true;
  return (prefilter.folded ? lowerText : text).includes(prefilter.literal);
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
