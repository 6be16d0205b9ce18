/**
 * A conservative static check for regular expressions that a backtracking engine (V8's Irregexp)
 * could take exponential or high-polynomial time on. It parses the JavaScript pattern source into a
 * small tree and rejects, with a reason quoting the offending part:
 *
 * 1. a repetition (max > 1) of something that can match the empty string: `(a?)*`, `(.*)*`;
 * 2. a repetition whose body ends with a variable repetition that can also start the body, so one
 *    input splits into iterations in many ways: `(a+)+`, `(\d+\s?)+`, `(\w+x\w*)+`;
 * 3. an alternation inside a repetition whose branches can start with the same character:
 *    `(a|a)*`, `(a|ab)+`, `(\w|\d)+`;
 * 4. two unbounded repetitions over overlapping characters with only optional parts between them
 *    (polynomial blow-up, cubic or worse with the search loop): `\d+\d+`, `\w+\s*\w+`, `.*.*`,
 *    also across consecutive iterations of a repetition: `(.*a){25}`, `(x.*y){10}`.
 *
 * False positives are accepted (a safe pattern may be refused with a clear reason); the scorer
 * additionally bounds the input length every regex runs on.
 */

/** The verdict on one pattern. */
export type RegexSafety = { safe: true } | { safe: false; reason: string };

/** Repetitions with a larger upper bound are treated as unbounded. */
const LARGE_REPEAT = 32;
const MAX_CP = 0x10ffff;

// ---------------------------------------------------------------------------------------------
// Character sets: sorted, non-overlapping inclusive ranges [lo0, hi0, lo1, hi1, …].

type CharSet = readonly number[];

const EMPTY: CharSet = [];
const ANY: CharSet = [0, MAX_CP];
const DIGIT: CharSet = [48, 57];
const WORD: CharSet = [48, 57, 65, 90, 95, 95, 97, 122, 0x17f, 0x17f, 0x212a, 0x212a];
const SPACE: CharSet = [
  9, 13, 32, 32, 0xa0, 0xa0, 0x1680, 0x1680, 0x2000, 0x200a, 0x2028, 0x2029, 0x202f, 0x202f, 0x205f, 0x205f,
  0x3000, 0x3000, 0xfeff, 0xfeff,
];
const LINE_TERMINATORS: CharSet = [10, 10, 13, 13, 0x2028, 0x2029];

function normalizeSet(ranges: number[]): CharSet {
  const pairs: Array<[number, number]> = [];
  for (let i = 0; i < ranges.length; i += 2) pairs.push([ranges[i]!, ranges[i + 1]!]);
  pairs.sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [lo, hi] of pairs) {
    if (out.length > 0 && lo <= out[out.length - 1]! + 1) {
      out[out.length - 1] = Math.max(out[out.length - 1]!, hi);
    } else out.push(lo, hi);
  }
  return out;
}

function union(a: CharSet, b: CharSet): CharSet {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  return normalizeSet([...a, ...b]);
}

function complement(a: CharSet): CharSet {
  const out: number[] = [];
  let next = 0;
  for (let i = 0; i < a.length; i += 2) {
    if (a[i]! > next) out.push(next, a[i]! - 1);
    next = a[i + 1]! + 1;
  }
  if (next <= MAX_CP) out.push(next, MAX_CP);
  return out;
}

function intersects(a: CharSet, b: CharSet): boolean {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i + 1]! < b[j]!) i += 2;
    else if (b[j + 1]! < a[i]!) j += 2;
    else return true;
  }
  return false;
}

/** Adds the other-case variants of every character (for the `i` flag); huge ranges become ANY. */
function caseClosure(a: CharSet): CharSet {
  const extra: number[] = [];
  for (let i = 0; i < a.length; i += 2) {
    const lo = a[i]!;
    const hi = a[i + 1]!;
    if (hi - lo > 2048) return ANY;
    for (let cp = lo; cp <= hi; cp++) {
      const ch = String.fromCodePoint(cp);
      for (const variant of [ch.toLowerCase(), ch.toUpperCase()]) {
        const v = variant.codePointAt(0)!;
        if (variant.length === String.fromCodePoint(v).length && v !== cp) extra.push(v, v);
      }
    }
  }
  return extra.length === 0 ? a : union(a, normalizeSet(extra));
}

// Unicode property escapes (\p{…}, \P{…}): the engine itself says which code points match, once
// per property, by scanning every code point of the populated planes (0–3 and 14) in a few runs;
// each of the unpopulated ranges is uniform, so one code point stands for it.
const PROPERTY_CACHE_LIMIT = 256;
const propertyCache = new Map<string, CharSet>();
let codePointRuns: Array<{ from: number; text: string }> | null = null;
const UNIFORM_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x40000, 0xdffff],
  [0xf0000, MAX_CP],
];

function allCodePointRuns(): Array<{ from: number; text: string }> {
  if (codePointRuns !== null) return codePointRuns;
  const run = (from: number, to: number) => {
    const parts: string[] = [];
    for (let cp = from; cp <= to; cp++) parts.push(String.fromCodePoint(cp));
    return { from, text: parts.join("") };
  };
  codePointRuns = [run(0, 0xd7ff), run(0xe000, 0x3ffff), run(0xe0000, 0xeffff)];
  return codePointRuns;
}

function propertySet(propertyEscape: string): CharSet {
  const cached = propertyCache.get(propertyEscape);
  if (cached !== undefined) return cached;
  const ranges: number[] = [];
  const matcher = new RegExp(`${propertyEscape}+`, "gu");
  for (const { text } of allCodePointRuns()) {
    for (const match of text.matchAll(matcher)) {
      const first = text.codePointAt(match.index)!;
      const last = codePointBefore(text, match.index + match[0].length);
      ranges.push(first, last);
    }
  }
  const single = new RegExp(`^${propertyEscape}$`, "u");
  for (const [lo, hi] of UNIFORM_RANGES) if (single.test(String.fromCodePoint(lo))) ranges.push(lo, hi);
  const set = normalizeSet(ranges);
  if (propertyCache.size < PROPERTY_CACHE_LIMIT) propertyCache.set(propertyEscape, set);
  return set;
}

function codePointBefore(text: string, end: number): number {
  const low = text.charCodeAt(end - 1);
  return low >= 0xdc00 && low <= 0xdfff ? text.codePointAt(end - 2)! : low;
}

// ---------------------------------------------------------------------------------------------
// Pattern tree.

/** The parsed shape of a pattern; `chars` sets already hold the case variants under the `i` flag. */
export type PatternNode = Node;

type Node =
  | { t: "empty" }
  | { t: "chars"; set: CharSet }
  | { t: "seq"; items: Node[] }
  | { t: "alt"; alts: Node[]; start: number; end: number }
  | { t: "group"; body: Node }
  | { t: "look"; body: Node }
  | { t: "assert" }
  | { t: "backref" }
  | { t: "quant"; body: Node; min: number; max: number; start: number; end: number };

class PatternParser {
  private pos = 0;
  private readonly unicode: boolean;
  private readonly ignoreCase: boolean;
  private readonly dotAll: boolean;

  constructor(
    private readonly src: string,
    flags: string,
  ) {
    this.unicode = flags.includes("u") || flags.includes("v");
    this.ignoreCase = flags.includes("i");
    this.dotAll = flags.includes("s");
  }

  parse(): Node {
    const node = this.disjunction();
    if (this.pos < this.src.length) throw new Error(`unexpected ")" at ${this.pos}`);
    return node;
  }

  private disjunction(): Node {
    const start = this.pos;
    const alts: Node[] = [this.alternative()];
    while (this.src[this.pos] === "|") {
      this.pos++;
      alts.push(this.alternative());
    }
    return alts.length === 1 ? alts[0]! : { t: "alt", alts, start, end: this.pos };
  }

  private alternative(): Node {
    const items: Node[] = [];
    while (this.pos < this.src.length && this.src[this.pos] !== "|" && this.src[this.pos] !== ")") {
      items.push(this.term());
    }
    if (items.length === 0) return { t: "empty" };
    return items.length === 1 ? items[0]! : { t: "seq", items };
  }

  private term(): Node {
    const start = this.pos;
    const atom = this.atom();
    const quant = this.quantifier();
    if (quant === null) return atom;
    return { t: "quant", body: atom, min: quant.min, max: quant.max, start, end: this.pos };
  }

  private quantifier(): { min: number; max: number } | null {
    const c = this.src[this.pos];
    let q: { min: number; max: number } | null = null;
    if (c === "*") q = { min: 0, max: Infinity };
    else if (c === "+") q = { min: 1, max: Infinity };
    else if (c === "?") q = { min: 0, max: 1 };
    if (q !== null) this.pos++;
    else if (c === "{") {
      const m = /^\{(\d+)(?:(,)(\d*))?\}/.exec(this.src.slice(this.pos));
      if (m === null) return null;
      this.pos += m[0].length;
      const min = Number(m[1]);
      q = { min, max: m[2] === undefined ? min : m[3] === "" ? Infinity : Number(m[3]) };
    } else return null;
    if (this.src[this.pos] === "?") this.pos++; // lazy: same backtracking behaviour
    return q;
  }

  private chars(set: CharSet): Node {
    return { t: "chars", set: this.ignoreCase ? caseClosure(set) : set };
  }

  private atom(): Node {
    const c = this.src[this.pos]!;
    if (c === "^" || c === "$") {
      this.pos++;
      return { t: "assert" };
    }
    if (c === ".") {
      this.pos++;
      return { t: "chars", set: this.dotAll ? ANY : complement(LINE_TERMINATORS) };
    }
    if (c === "(") return this.group();
    if (c === "[") return { t: "chars", set: this.charClass() };
    if (c === "\\") return this.atomEscape();
    const cp = this.readCodePoint();
    return this.chars([cp, cp]);
  }

  private group(): Node {
    this.pos++; // (
    let look = false;
    if (this.src.startsWith("?=", this.pos) || this.src.startsWith("?!", this.pos)) {
      this.pos += 2;
      look = true;
    } else if (this.src.startsWith("?<=", this.pos) || this.src.startsWith("?<!", this.pos)) {
      this.pos += 3;
      look = true;
    } else if (this.src.startsWith("?:", this.pos)) {
      this.pos += 2;
    } else if (this.src.startsWith("?<", this.pos)) {
      const close = this.src.indexOf(">", this.pos);
      this.pos = close + 1;
    }
    const body = this.disjunction();
    if (this.src[this.pos] !== ")") throw new Error("unterminated group");
    this.pos++;
    return look ? { t: "look", body } : { t: "group", body };
  }

  private readCodePoint(): number {
    const cp = this.unicode ? this.src.codePointAt(this.pos)! : this.src.charCodeAt(this.pos);
    this.pos += cp > 0xffff ? 2 : 1;
    return cp;
  }

  /** Class escapes (\d \w \s and their negations, \p{…}); null when the escape is something else. */
  private classEscape(letter: string): CharSet | null {
    switch (letter) {
      case "d":
        return DIGIT;
      case "D":
        return complement(DIGIT);
      case "w":
        return WORD;
      case "W":
        return complement(WORD);
      case "s":
        return SPACE;
      case "S":
        return complement(SPACE);
      default:
        return null;
    }
  }

  private atomEscape(): Node {
    this.pos++; // backslash
    const c = this.src[this.pos]!;
    if (c === "b" || c === "B") {
      this.pos++;
      return { t: "assert" };
    }
    const cls = this.classEscape(c);
    if (cls !== null) {
      // Class escapes are already closed under case (\w with `iu` includes ſ and K, listed in WORD).
      this.pos++;
      return { t: "chars", set: cls };
    }
    if ((c === "p" || c === "P") && this.unicode) return { t: "chars", set: this.propertyEscape() };
    if (c >= "1" && c <= "9") {
      while (/\d/.test(this.src[this.pos] ?? "")) this.pos++;
      return { t: "backref" };
    }
    if (c === "k" && this.src[this.pos + 1] === "<") {
      this.pos = this.src.indexOf(">", this.pos) + 1;
      return { t: "backref" };
    }
    const cp = this.characterEscape();
    return this.chars([cp, cp]);
  }

  /** Reads \p{…} or \P{…} (the backslash already consumed) and returns its characters. */
  private propertyEscape(): CharSet {
    const start = this.pos;
    this.pos++; // p or P
    if (this.src[this.pos] === "{") this.pos = this.src.indexOf("}", this.pos) + 1;
    const set = propertySet(`\\${this.src.slice(start, this.pos)}`);
    return this.ignoreCase ? caseClosure(set) : set;
  }

  /** A character escape after the backslash (\n, \x41, \u{1F600}, \cJ, \0, \.), as a code point. */
  private characterEscape(): number {
    const c = this.src[this.pos]!;
    const simple: Record<string, number> = { n: 10, r: 13, t: 9, v: 11, f: 12, "0": 0 };
    if (c in simple && !(c === "0" && /\d/.test(this.src[this.pos + 1] ?? ""))) {
      this.pos++;
      return simple[c]!;
    }
    if (c === "x") {
      const m = /^x([0-9a-fA-F]{2})/.exec(this.src.slice(this.pos, this.pos + 3));
      if (m !== null) {
        this.pos += 3;
        return Number.parseInt(m[1]!, 16);
      }
    }
    if (c === "u") {
      const braced = /^u\{([0-9a-fA-F]+)\}/.exec(this.src.slice(this.pos, this.pos + 12));
      if (braced !== null && this.unicode) {
        this.pos += braced[0].length;
        return Number.parseInt(braced[1]!, 16);
      }
      const m = /^u([0-9a-fA-F]{4})/.exec(this.src.slice(this.pos, this.pos + 5));
      if (m !== null) {
        this.pos += 5;
        return Number.parseInt(m[1]!, 16);
      }
    }
    if (c === "c" && /[a-zA-Z]/.test(this.src[this.pos + 1] ?? "")) {
      this.pos += 2;
      return this.src.charCodeAt(this.pos - 1) % 32;
    }
    if (/[0-7]/.test(c)) {
      // Legacy octal escape (non-unicode mode only; the pattern compiled, so it is valid).
      const m = /^[0-7]{1,3}/.exec(this.src.slice(this.pos, this.pos + 3))!;
      this.pos += m[0].length;
      return Number.parseInt(m[0], 8);
    }
    return this.readCodePoint();
  }

  private charClass(): CharSet {
    this.pos++; // [
    let negate = false;
    if (this.src[this.pos] === "^") {
      negate = true;
      this.pos++;
    }
    let literals: number[] = [];
    let escapes: CharSet = EMPTY;
    while (this.pos < this.src.length && this.src[this.pos] !== "]") {
      const left = this.classAtom();
      if (
        this.src[this.pos] === "-" &&
        this.src[this.pos + 1] !== "]" &&
        this.pos + 1 < this.src.length &&
        typeof left === "number"
      ) {
        const save = this.pos;
        this.pos++;
        const right = this.classAtom();
        if (typeof right === "number") {
          literals.push(Math.min(left, right), Math.max(left, right));
          continue;
        }
        // `[a-\d]` in legacy mode: "-" is a literal.
        this.pos = save + 1;
        literals.push(left, left, 45, 45);
        escapes = union(escapes, right);
        continue;
      }
      if (typeof left === "number") literals.push(left, left);
      else escapes = union(escapes, left);
    }
    this.pos++; // ]
    literals = [...normalizeSet(literals)];
    // A negated class under `i` matches a subset of the plain complement, so no closure is needed
    // for a conservative (superset) answer; a positive class needs its literals' case variants.
    if (negate) return complement(union(literals, escapes));
    return union(this.ignoreCase ? caseClosure(literals) : literals, escapes);
  }

  /** A single character (as a code point) or a class escape (as a set). */
  private classAtom(): number | CharSet {
    if (this.src[this.pos] !== "\\") return this.readCodePoint();
    this.pos++;
    const c = this.src[this.pos]!;
    const cls = this.classEscape(c);
    if (cls !== null) {
      this.pos++;
      return cls;
    }
    if ((c === "p" || c === "P") && this.unicode) return this.propertyEscape();
    if (c === "b") {
      this.pos++;
      return 8;
    }
    if (c === "-") {
      this.pos++;
      return 45;
    }
    return this.characterEscape();
  }
}

// ---------------------------------------------------------------------------------------------
// Analysis.

function nullable(n: Node): boolean {
  switch (n.t) {
    case "empty":
    case "assert":
    case "look":
    case "backref":
      return true;
    case "chars":
      return false;
    case "seq":
      return n.items.every(nullable);
    case "alt":
      return n.alts.some(nullable);
    case "group":
      return nullable(n.body);
    case "quant":
      return n.min === 0 || nullable(n.body);
  }
}

/** Every character the node can consume. */
function charsOf(n: Node): CharSet {
  switch (n.t) {
    case "chars":
      return n.set;
    case "seq":
      return n.items.reduce<CharSet>((acc, item) => union(acc, charsOf(item)), EMPTY);
    case "alt":
      return n.alts.reduce<CharSet>((acc, alt) => union(acc, charsOf(alt)), EMPTY);
    case "group":
    case "quant":
      return charsOf(n.body);
    case "backref":
      return ANY;
    default:
      return EMPTY;
  }
}

/** Characters the node can consume first. */
function firstOf(n: Node): CharSet {
  switch (n.t) {
    case "chars":
      return n.set;
    case "seq": {
      let acc: CharSet = EMPTY;
      for (const item of n.items) {
        acc = union(acc, firstOf(item));
        if (!nullable(item)) break;
      }
      return acc;
    }
    case "alt":
      return n.alts.reduce<CharSet>((acc, alt) => union(acc, firstOf(alt)), EMPTY);
    case "group":
    case "quant":
      return firstOf(n.body);
    case "backref":
      return ANY;
    default:
      return EMPTY;
  }
}

/** Characters the node can consume last. */
function lastOf(n: Node): CharSet {
  switch (n.t) {
    case "chars":
      return n.set;
    case "seq": {
      let acc: CharSet = EMPTY;
      for (let i = n.items.length - 1; i >= 0; i--) {
        acc = union(acc, lastOf(n.items[i]!));
        if (!nullable(n.items[i]!)) break;
      }
      return acc;
    }
    case "alt":
      return n.alts.reduce<CharSet>((acc, alt) => union(acc, lastOf(alt)), EMPTY);
    case "group":
    case "quant":
      return lastOf(n.body);
    case "backref":
      return ANY;
    default:
      return EMPTY;
  }
}

/** A repetition that can sit at one edge of a node, reachable through optional parts only. */
interface EdgeRepeat {
  /** Every character the repetition can consume. */
  set: CharSet;
  /** Characters it can consume at the edge that faces its neighbour (last or first). */
  edgeSet: CharSet;
  source: string;
}

type Edge = "first" | "last";

/**
 * Repetitions at the node's first or last edge. `variable` selects repetitions whose count varies
 * (min ≠ max); otherwise only unbounded ones (max > LARGE_REPEAT) are returned.
 */
function edgeRepeats(n: Node, edge: Edge, variable: boolean, src: string): EdgeRepeat[] {
  switch (n.t) {
    case "seq": {
      const out: EdgeRepeat[] = [];
      const items = edge === "first" ? n.items : [...n.items].reverse();
      for (const item of items) {
        out.push(...edgeRepeats(item, edge, variable, src));
        if (!nullable(item)) break;
      }
      return out;
    }
    case "alt":
      return n.alts.flatMap((alt) => edgeRepeats(alt, edge, variable, src));
    case "group":
      return edgeRepeats(n.body, edge, variable, src);
    case "quant": {
      const counts = variable ? n.min !== n.max : n.max > LARGE_REPEAT;
      const edgeSet = edge === "first" ? firstOf(n.body) : lastOf(n.body);
      const self = counts ? [{ set: charsOf(n.body), edgeSet, source: src.slice(n.start, n.end) }] : [];
      return [...self, ...edgeRepeats(n.body, edge, variable, src)];
    }
    case "backref":
      return [{ set: ANY, edgeSet: ANY, source: "a backreference" }];
    default:
      return [];
  }
}

/** Inlines plain groups so repetitions nested in them are compared with their real neighbours. */
function flatten(items: readonly Node[]): Node[] {
  const out: Node[] = [];
  for (const item of items) {
    if (item.t === "group" && item.body.t === "seq") out.push(...flatten(item.body.items));
    else if (item.t === "group") out.push(...flatten([item.body]));
    else out.push(item);
  }
  return out;
}

/**
 * Two unbounded repetitions L … F in one sequence, with the parts M between them. With only
 * optional parts between, one input splits between L and F in several ways when characters can move
 * across the split both ways (L's last characters, or M's, can be taken by F, and F's first, or
 * M's, by L): `\d+\d+`, `\w+\s*\w+`. With a required part between, the split moves when L, M and
 * F overlap pairwise (`a.*b.*c` on "abab…" is cubic with the search loop), unless a required part
 * matches characters that nothing else from L to F can take (the "@" in `\w+@\w+`): it pins the
 * split.
 */
function checkRepeatPairs(items: readonly Node[], src: string): void {
  for (let i = 0; i < items.length; i++) {
    const lasts = edgeRepeats(items[i]!, "last", false, src);
    if (lasts.length === 0) continue;
    let middle: CharSet = EMPTY;
    let middleRequired = false;
    for (let j = i + 1; j < items.length; j++) {
      for (const first of edgeRepeats(items[j]!, "first", false, src)) {
        for (const last of lasts) {
          const ambiguous = middleRequired
            ? intersects(last.set, first.set) &&
              intersects(last.set, middle) &&
              intersects(middle, first.set) &&
              !pinned(items.slice(i + 1, j), last.set, first.set)
            : intersects(union(last.edgeSet, middle), first.set) &&
              intersects(union(first.edgeSet, middle), last.set);
          if (!ambiguous) continue;
          const between = middleRequired ? ` and the part between them` : "";
          throw new Unsafe(
            `"${last.source}" and "${first.source}"${between} can match the same characters, so the input splits ` +
              "between them in many ways (polynomial backtracking); make them match disjoint characters",
          );
        }
      }
      middle = union(middle, charsOf(items[j]!));
      if (!nullable(items[j]!)) middleRequired = true;
    }
  }
}

/**
 * Whether the required parts between two repetitions fix where the split falls: L cannot run past
 * the first required part if it cannot take that part's characters (nor can the optional parts
 * before it), F likewise for the last one, and a required part whose characters nothing else from
 * L to F can take stays on the same characters.
 */
function pinned(middle: readonly Node[], left: CharSet, right: CharSet): boolean {
  const requiredAt = middle.flatMap((item, k) => (nullable(item) ? [] : [k]));
  const firstRequired = requiredAt[0]!;
  const lastRequired = requiredAt[requiredAt.length - 1]!;
  let beforeFirst = left;
  for (let m = 0; m < firstRequired; m++) beforeFirst = union(beforeFirst, charsOf(middle[m]!));
  if (!intersects(charsOf(middle[firstRequired]!), beforeFirst)) return true;
  let afterLast = right;
  for (let m = lastRequired + 1; m < middle.length; m++) afterLast = union(afterLast, charsOf(middle[m]!));
  if (!intersects(charsOf(middle[lastRequired]!), afterLast)) return true;
  return requiredAt.some((k) => {
    let others = union(left, right);
    for (let m = 0; m < middle.length; m++) if (m !== k) others = union(others, charsOf(middle[m]!));
    return !intersects(charsOf(middle[k]!), others);
  });
}

class Unsafe extends Error {
  override name = "Unsafe";
}

function check(n: Node, src: string, underRepeat: boolean): void {
  switch (n.t) {
    case "seq": {
      checkRepeatPairs(flatten(n.items), src);
      for (const item of n.items) check(item, src, underRepeat);
      return;
    }
    case "alt": {
      if (underRepeat) {
        const firsts = n.alts.map(firstOf);
        for (let i = 0; i < firsts.length; i++) {
          for (let j = i + 1; j < firsts.length; j++) {
            if (intersects(firsts[i]!, firsts[j]!)) {
              throw new Unsafe(
                `the alternatives in "${src.slice(n.start, n.end)}" can start with the same character inside a ` +
                  "repetition (exponential backtracking); make the alternatives start differently",
              );
            }
          }
        }
      }
      for (const alt of n.alts) check(alt, src, underRepeat);
      return;
    }
    case "group":
    case "look":
      check(n.body, src, underRepeat);
      return;
    case "quant": {
      const repeats = n.max > 1;
      const quoted = src.slice(n.start, n.end);
      if (repeats && nullable(n.body)) {
        throw new Unsafe(
          `"${quoted}" repeats something that can match the empty string (exponential backtracking)`,
        );
      }
      if (repeats) {
        const first = firstOf(n.body);
        for (const last of edgeRepeats(n.body, "last", true, src)) {
          if (intersects(last.set, first)) {
            throw new Unsafe(
              `"${quoted}" nests a repetition ("${last.source}") inside a repetition over the same characters ` +
                "(nested quantifier, exponential backtracking)",
            );
          }
        }
        // Consecutive iterations are a sequence too: `(.*a){25}` is `.*a.*a…`, and the input splits
        // between one iteration's `.*` and the next one's in many ways (polynomial of degree 25).
        try {
          checkRepeatPairs(flatten([n.body, n.body]), src);
        } catch (error) {
          if (!(error instanceof Unsafe)) throw error;
          throw new Unsafe(`consecutive iterations of "${quoted}" overlap: ${error.message}`);
        }
      }
      check(n.body, src, underRepeat || repeats);
      return;
    }
    default:
      return;
  }
}

/** Parses a pattern (which must already compile with `new RegExp(source, flags)`); throws on shapes it does not know. */
export function parsePattern(source: string, flags: string): PatternNode {
  return new PatternParser(source, flags).parse();
}

/**
 * Checks a pattern (which must already compile with `new RegExp(source, flags)`) for shapes that can
 * backtrack catastrophically, and for patterns that can match the empty string.
 */
export function checkRegexSafety(source: string, flags: string): RegexSafety {
  let tree: Node;
  try {
    tree = new PatternParser(source, flags).parse();
  } catch {
    return { safe: false, reason: "pattern could not be analysed for backtracking safety" };
  }
  try {
    check(tree, source, false);
  } catch (error) {
    if (error instanceof Unsafe)
      return { safe: false, reason: `pattern can backtrack catastrophically: ${error.message}` };
    throw error;
  }
  if (nullable(tree)) {
    return { safe: false, reason: "pattern can match the empty string, so it would match every message" };
  }
  return { safe: true };
}
