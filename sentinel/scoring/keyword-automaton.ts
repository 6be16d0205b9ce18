/**
 * One trie over the folded keywords of every profile. A message is scanned once, whatever the
 * number of keywords or profiles: the trie is walked from every position where a whole word may
 * start, as far as the text follows a branch; each hit is checked for word boundaries and mapped to
 * the (profile, keyword) pairs that own the term. (Keywords only ever match as whole words, so
 * positions inside a word are never starts, and Aho–Corasick failure links would only add work.)
 *
 * Layout: the root has a direct 65,536-entry table (it has the most children); other states keep
 * their children sorted in flat typed arrays (CSR), searched linearly when few, by bisection when
 * many.
 */
import { CharClass, charClass, codePointAtOffset, codePointBefore, isWholeWord } from "./normalize.ts";

/** One keyword of one profile, with its term already folded by `foldTerm`. */
export interface KeywordSource {
  profileIndex: number;
  keywordIndex: number;
  /** The folded term (`foldTerm`); terms equal after folding share one automaton pattern. */
  folded: string;
}

/** Called for the first whole-word occurrence of each (profile, keyword); offsets are folded. */
export type KeywordHitVisitor = (
  profileIndex: number,
  keywordIndex: number,
  start: number,
  end: number,
) => void;

const LINEAR_SCAN_MAX = 8;

export class KeywordAutomaton {
  /** Number of distinct folded patterns. */
  readonly patternCount: number;
  /** Number of automaton states (the root included). */
  readonly stateCount: number;

  private readonly rootNext: Int32Array;
  private readonly edgeStart: Int32Array;
  private readonly edgeChar: Uint16Array;
  private readonly edgeTarget: Int32Array;
  /** Pattern ending at a state, or -1. */
  private readonly patternAt: Int32Array;
  private readonly ownerStart: Int32Array;
  private readonly ownerProfile: Int32Array;
  private readonly ownerKeyword: Int32Array;
  /** Per-scan dedup of patterns: a pattern is reported at most once per scan. */
  private readonly seenStamp: Uint32Array;
  private stamp = 0;

  private constructor(parts: {
    rootNext: Int32Array;
    edgeStart: Int32Array;
    edgeChar: Uint16Array;
    edgeTarget: Int32Array;
    patternAt: Int32Array;
    patternCount: number;
    ownerStart: Int32Array;
    ownerProfile: Int32Array;
    ownerKeyword: Int32Array;
  }) {
    this.rootNext = parts.rootNext;
    this.edgeStart = parts.edgeStart;
    this.edgeChar = parts.edgeChar;
    this.edgeTarget = parts.edgeTarget;
    this.patternAt = parts.patternAt;
    this.ownerStart = parts.ownerStart;
    this.ownerProfile = parts.ownerProfile;
    this.ownerKeyword = parts.ownerKeyword;
    this.patternCount = parts.patternCount;
    this.stateCount = parts.patternAt.length;
    this.seenStamp = new Uint32Array(this.patternCount);
  }

  /** Builds the automaton; empty folded terms are ignored (validation rejects them earlier). */
  static build(sources: readonly KeywordSource[]): KeywordAutomaton {
    // Distinct patterns, each with the (profile, keyword) pairs that own it, in source order.
    const patternIds = new Map<string, number>();
    const patterns: string[] = [];
    const owners: Array<Array<[number, number]>> = [];
    for (const src of sources) {
      if (src.folded.length === 0) continue;
      let id = patternIds.get(src.folded);
      if (id === undefined) {
        id = patterns.length;
        patternIds.set(src.folded, id);
        patterns.push(src.folded);
        owners.push([]);
      }
      owners[id]!.push([src.profileIndex, src.keywordIndex]);
    }

    // Trie with first-child / next-sibling lists while building (root children in a table).
    const rootNext = new Int32Array(65536);
    const firstChild: number[] = [-1];
    const nextSibling: number[] = [-1];
    const label: number[] = [0];
    const patternAtList: number[] = [-1];
    for (let p = 0; p < patterns.length; p++) {
      const term = patterns[p]!;
      let state = 0;
      for (let k = 0; k < term.length; k++) {
        const c = term.charCodeAt(k);
        let next = -1;
        if (state === 0) {
          next = rootNext[c]! > 0 ? rootNext[c]! : -1;
        } else {
          for (let e = firstChild[state]!; e !== -1; e = nextSibling[e]!) {
            if (label[e] === c) {
              next = e;
              break;
            }
          }
        }
        if (next === -1) {
          next = label.length;
          label.push(c);
          firstChild.push(-1);
          patternAtList.push(-1);
          if (state === 0) {
            rootNext[c] = next;
            nextSibling.push(-1);
          } else {
            nextSibling.push(firstChild[state]!);
            firstChild[state] = next;
          }
        }
        state = next;
      }
      patternAtList[state] = p;
    }

    const stateCount = label.length;
    // CSR of children sorted by label (the root's children live in rootNext).
    const edgeStart = new Int32Array(stateCount + 1);
    for (let s = 1; s < stateCount; s++) {
      let count = 0;
      for (let e = firstChild[s]!; e !== -1; e = nextSibling[e]!) count++;
      edgeStart[s + 1] = count;
    }
    for (let s = 0; s < stateCount; s++) edgeStart[s + 1]! += edgeStart[s]!;
    const edgeChar = new Uint16Array(edgeStart[stateCount]!);
    const edgeTarget = new Int32Array(edgeStart[stateCount]!);
    const scratch: number[] = [];
    for (let s = 1; s < stateCount; s++) {
      scratch.length = 0;
      for (let e = firstChild[s]!; e !== -1; e = nextSibling[e]!) scratch.push(e);
      scratch.sort((a, b) => label[a]! - label[b]!);
      let at = edgeStart[s]!;
      for (const child of scratch) {
        edgeChar[at] = label[child]!;
        edgeTarget[at] = child;
        at++;
      }
    }

    return new KeywordAutomaton({
      rootNext,
      edgeStart,
      edgeChar,
      edgeTarget,
      patternAt: Int32Array.from(patternAtList),
      patternCount: patterns.length,
      ...flattenOwners(owners),
    });
  }

  /** The child of `state` on code unit `c`, or -1 (the root answers 0 for "stay at root"). */
  private step(state: number, c: number): number {
    if (state === 0) {
      const next = this.rootNext[c]!;
      return next > 0 ? next : -1;
    }
    let lo = this.edgeStart[state]!;
    let hi = this.edgeStart[state + 1]!;
    if (hi - lo <= LINEAR_SCAN_MAX) {
      for (; lo < hi; lo++) if (this.edgeChar[lo] === c) return this.edgeTarget[lo]!;
      return -1;
    }
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const mc = this.edgeChar[mid]!;
      if (mc === c) return this.edgeTarget[mid]!;
      if (mc < c) lo = mid + 1;
      else hi = mid;
    }
    return -1;
  }

  /**
   * Scans folded text once and reports, for every (profile, keyword) pair, the first occurrence of
   * its term that stands as a whole word (offsets are in the folded text). Synchronous; the
   * automaton itself is never modified after `build` apart from a per-scan dedup stamp.
   *
   * A whole-word occurrence can only start where a word can: not between two word characters. So
   * instead of following every character through failure links, the trie is walked from each such
   * position only (word starts, punctuation, characters of scripts written without spaces), as far
   * as the text follows a branch; inside words nothing is done.
   */
  scan(folded: string, visit: KeywordHitVisitor): void {
    if (this.patternCount === 0) return;
    this.stamp = (this.stamp + 1) >>> 0;
    if (this.stamp === 0) {
      this.seenStamp.fill(0);
      this.stamp = 1;
    }
    const stamp = this.stamp;
    const n = folded.length;
    const rootNext = this.rootNext;
    // Class of the code point that ends right before position i.
    let before: CharClass = CharClass.Other;
    for (let i = 0; i < n; i++) {
      const c = folded.charCodeAt(i);
      let here: CharClass;
      let endingHere: CharClass;
      if (c < 0xd800 || c > 0xdfff) {
        here = charClass(c);
        endingHere = here;
      } else {
        here = charClass(codePointAtOffset(folded, i));
        endingHere = charClass(codePointBefore(folded, i + 1));
      }
      if (!(here === CharClass.Word && before === CharClass.Word) && rootNext[c]! > 0)
        this.walk(folded, i, stamp, visit);
      before = endingHere;
    }
  }

  /** Follows the trie from `start`; reports each pattern ending on the way (first whole-word occurrence only). */
  private walk(folded: string, start: number, stamp: number, visit: KeywordHitVisitor): void {
    let state = 0;
    for (let j = start; j < folded.length; j++) {
      const next = this.step(state, folded.charCodeAt(j));
      if (next === -1) return;
      state = next;
      const p = this.patternAt[state]!;
      if (p < 0 || this.seenStamp[p] === stamp) continue;
      const end = j + 1;
      if (!isWholeWord(folded, start, end)) continue;
      this.seenStamp[p] = stamp;
      for (let o = this.ownerStart[p]!; o < this.ownerStart[p + 1]!; o++) {
        visit(this.ownerProfile[o]!, this.ownerKeyword[o]!, start, end);
      }
    }
  }
}

function flattenOwners(owners: Array<Array<[number, number]>>): {
  ownerStart: Int32Array;
  ownerProfile: Int32Array;
  ownerKeyword: Int32Array;
} {
  const ownerStart = new Int32Array(owners.length + 1);
  let total = 0;
  for (let p = 0; p < owners.length; p++) {
    ownerStart[p] = total;
    total += owners[p]!.length;
  }
  ownerStart[owners.length] = total;
  const ownerProfile = new Int32Array(total);
  const ownerKeyword = new Int32Array(total);
  let at = 0;
  for (const list of owners) {
    for (const [profile, keyword] of list) {
      ownerProfile[at] = profile;
      ownerKeyword[at] = keyword;
      at++;
    }
  }
  return { ownerStart, ownerProfile, ownerKeyword };
}
