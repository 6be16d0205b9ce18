/**
 * Unigram (SentencePiece) tokenisation from a Hugging Face `tokenizer.json`, pure (the parsed
 * document in, token ids out): the tokenizer of XLM-RoBERTa and the multilingual sentence
 * models built on it (intfloat/multilingual-e5-*, paraphrase-multilingual-MiniLM-L12-v2, LaBSE's
 * relatives). Steps, as the `tokenizers` library runs them:
 *
 * 1. added tokens (`added_tokens`, e.g. `<s>`, `<mask>`) are split out of the raw text, leftmost
 *    longest first, honouring `single_word`, `lstrip` and `rstrip` (`normalized: true` ones are
 *    looked for in the normalised text instead);
 * 2. each remaining section is normalised: `Sequence`, `Precompiled` (approximated, see below),
 *    `Nmt`, `NFC`/`NFD`/`NFKC`/`NFKD`, `Lowercase`, `StripAccents`, `Strip`, `Replace` (string or
 *    regular expression), `Prepend`;
 * 3. pre-tokenised: `Metaspace` (spaces become `▁`, prepended by `prepend_scheme` `always`/`first`/
 *    `never` or the older `add_prefix_space`, split before each `▁` unless `split: false`),
 *    `WhitespaceSplit`, or a `Sequence` of them;
 * 4. each word is segmented by Viterbi over the vocabulary's log-probability scores (a piece trie:
 *    piece-trie.ts); a character no piece covers costs the lowest score minus 10 and becomes the
 *    unknown token, consecutive unknown characters fused into one; with `byte_fallback`, an
 *    unknown run becomes its UTF-8 bytes' `<0xNN>` pieces when the vocabulary has them all;
 * 5. the text's tokens are cut to the budget, then wrapped by the post-processor
 *    (`TemplateProcessing` single template, `RobertaProcessing`, `BertProcessing`): `<s> … </s>`.
 *
 * Approximated: `Precompiled` holds SentencePiece's compiled normalisation table (nmt_nfkc); it is
 * not decoded. Instead, as @huggingface/tokenizers (the JavaScript port) does: control characters
 * U+0001–U+0008, U+000B, U+000E–U+001F, U+007F, U+008F, U+009F are removed; tab, line feed, form
 * feed, carriage return, U+1680, U+200B–U+200F, U+2028, U+2029, U+2581, U+FEFF and U+FFFD become
 * spaces (that is the `Nmt` step, exact); then Unicode NFKC of the running engine, except that the
 * full-width tilde U+FF5E is kept. Texts whose characters the table maps differently from NFKC
 * (rare: some compatibility characters of newer Unicode versions) may get different pieces.
 */
import { PieceTrie } from "./piece-trie.ts";
import { isRecord, MAX_VOCABULARY_SIZE, type SentenceTokenizer, TokenizerFormatError } from "./tokenizer.ts";

/** Score below the vocabulary's lowest given to an unknown character (SentencePiece's kUnkPenalty). */
const UNKNOWN_PENALTY = 10;

/** A part of the text: plain text still to tokenise, or an added token already recognised. */
type Section = { text: string; start: number } | { id: number };

interface AddedToken {
  id: number;
  content: string;
  singleWord: boolean;
  lstrip: boolean;
  rstrip: boolean;
  normalized: boolean;
}

type Normalize = (text: string) => string;
/** Splits a normalised section into words; `atStart`: the section begins the text. */
type PreTokenize = (text: string, atStart: boolean) => string[];

const fail = (message: string) => new TokenizerFormatError(`tokenizer.json: ${message}`);

// --- normalisers ----------------------------------------------------------------------------------

const NMT_REMOVED = /[\u0001-\u0008\u000b\u000e-\u001f\u007f\u008f\u009f]/gu;
const NMT_SPACES = /[\t\n\f\r\u1680\u200b-\u200f\u2028\u2029\u2581\ufeff\ufffd]/gu;
const LEADING_WHITESPACE = /^\p{White_Space}+/u;
const TRAILING_WHITESPACE = /\p{White_Space}+$/u;
const MARKS = /\p{M}/gu;

function nmt(text: string): string {
  return text.replace(NMT_REMOVED, "").replace(NMT_SPACES, " ");
}

/** NFKC, but the full-width tilde stays (the compiled table keeps it). */
function nfkcKeepingTilde(text: string): string {
  if (!text.includes("\uff5e")) return text.normalize("NFKC");
  return text
    .split("\uff5e")
    .map((part) => part.normalize("NFKC"))
    .join("\uff5e");
}

const NORMALIZERS =
  "Sequence, Precompiled, Nmt, NFC, NFD, NFKC, NFKD, Lowercase, StripAccents, Strip, Replace, Prepend";

function replacePattern(spec: Record<string, unknown>): RegExp | string {
  const pattern = spec.pattern;
  if (isRecord(pattern) && typeof pattern.String === "string") return pattern.String;
  if (isRecord(pattern) && typeof pattern.Regex === "string") {
    try {
      return new RegExp(pattern.Regex, "gu");
    } catch {
      throw fail(`the Replace normalizer's pattern ${JSON.stringify(pattern.Regex)} is not supported`);
    }
  }
  throw fail("a Replace normalizer has no String or Regex pattern");
}

function compileNormalizer(spec: unknown): Normalize | null {
  if (spec === null || spec === undefined) return null;
  if (!isRecord(spec)) throw fail("the normalizer is not an object");
  switch (spec.type) {
    case "Sequence": {
      if (!Array.isArray(spec.normalizers)) throw fail("a Sequence normalizer has no normalizers list");
      const steps = spec.normalizers.map(compileNormalizer).filter((n): n is Normalize => n !== null);
      return (text) => steps.reduce((out, step) => step(out), text);
    }
    case "Precompiled":
      return (text) => nfkcKeepingTilde(nmt(text));
    case "Nmt":
      return nmt;
    case "NFC":
    case "NFD":
    case "NFKC":
    case "NFKD": {
      const form = spec.type;
      return (text) => text.normalize(form);
    }
    case "Lowercase":
      return (text) => text.toLowerCase();
    case "StripAccents":
      // Marks only, as `tokenizers` does: an NFD step before it (in the Sequence) splits accents off.
      return (text) => text.replace(MARKS, "");
    case "Strip": {
      const left = spec.strip_left === true;
      const right = spec.strip_right === true;
      return (text) => {
        let out = text;
        if (left) out = out.replace(LEADING_WHITESPACE, "");
        if (right) out = out.replace(TRAILING_WHITESPACE, "");
        return out;
      };
    }
    case "Replace": {
      const pattern = replacePattern(spec);
      const content = typeof spec.content === "string" ? spec.content : "";
      // A function, so `$&` or `$1` in the content are not read as replacement patterns.
      return (text) => text.replaceAll(pattern, () => content);
    }
    case "Prepend": {
      const prefix = typeof spec.prepend === "string" ? spec.prepend : "";
      return (text) => (text.length === 0 ? text : prefix + text);
    }
    default:
      throw fail(
        `the ${typeof spec.type === "string" ? spec.type : "unknown"} normalizer is not supported with a Unigram model (supported: ${NORMALIZERS})`,
      );
  }
}

// --- pre-tokenisers -------------------------------------------------------------------------------

interface Word {
  text: string;
  /** Code unit offset in the normalised section. */
  start: number;
}

type WordSplit = (words: Word[], atStart: boolean) => Word[];

const WHITESPACE_RUN = /\p{White_Space}+/gu;

function metaspace(spec: Record<string, unknown>): WordSplit {
  const replacement = typeof spec.replacement === "string" ? spec.replacement : "\u2581";
  if ([...replacement].length !== 1) throw fail("the Metaspace replacement must be one character");
  let scheme = spec.prepend_scheme ?? "always";
  if (scheme !== "always" && scheme !== "first" && scheme !== "never")
    throw fail(`Metaspace prepend_scheme ${JSON.stringify(scheme)} is not always, first or never`);
  if (spec.add_prefix_space === false) scheme = "never";
  const split = spec.split !== false;
  return (words, atStart) => {
    const out: Word[] = [];
    for (const word of words) {
      let text = word.text.replaceAll(" ", replacement);
      const prepend =
        !text.startsWith(replacement) &&
        (scheme === "always" || (scheme === "first" && atStart && word.start === 0));
      if (prepend) text = replacement + text;
      if (!split) {
        out.push({ text, start: word.start });
        continue;
      }
      // Split before every replacement character, which stays with the word after it.
      let from = 0;
      let at = text.indexOf(replacement, 1);
      while (at > 0) {
        out.push({ text: text.slice(from, at), start: word.start + from });
        from = at;
        at = text.indexOf(replacement, at + replacement.length);
      }
      out.push({ text: text.slice(from), start: word.start + from });
    }
    return out;
  };
}

const whitespaceSplit: WordSplit = (words) => {
  const out: Word[] = [];
  for (const word of words) {
    let from = 0;
    for (const match of word.text.matchAll(WHITESPACE_RUN)) {
      if (match.index > from)
        out.push({ text: word.text.slice(from, match.index), start: word.start + from });
      from = match.index + match[0].length;
    }
    if (from < word.text.length) out.push({ text: word.text.slice(from), start: word.start + from });
  }
  return out;
};

function compileWordSplit(spec: unknown): WordSplit {
  if (!isRecord(spec)) throw fail("the pre_tokenizer is not an object");
  switch (spec.type) {
    case "Metaspace":
      return metaspace(spec);
    case "WhitespaceSplit":
      return whitespaceSplit;
    case "Sequence": {
      if (!Array.isArray(spec.pretokenizers))
        throw fail("a Sequence pre_tokenizer has no pretokenizers list");
      const steps = spec.pretokenizers.map(compileWordSplit);
      return (words, atStart) => steps.reduce((out, step) => step(out, atStart), words);
    }
    default:
      throw fail(
        `the ${typeof spec.type === "string" ? spec.type : "unknown"} pre_tokenizer is not supported with a Unigram model (supported: Metaspace, WhitespaceSplit, a Sequence of them)`,
      );
  }
}

function compilePreTokenizer(spec: unknown): PreTokenize {
  if (spec === null || spec === undefined) return (text) => (text.length === 0 ? [] : [text]);
  const split = compileWordSplit(spec);
  // An empty section is dropped before pre-tokenisation (it would otherwise become a lone `▁`).
  return (text, atStart) =>
    (text.length === 0 ? [] : split([{ text, start: 0 }], atStart))
      .map((word) => word.text)
      .filter((word) => word.length > 0);
}

// --- post-processor -------------------------------------------------------------------------------

interface Template {
  prefix: number[];
  suffix: number[];
}

function tokenId(pair: unknown, field: string): number {
  const id = Array.isArray(pair) ? pair[1] : undefined;
  if (typeof id !== "number" || !Number.isInteger(id) || id < 0)
    throw fail(`the post_processor's ${field} is not a [token, id] pair`);
  return id;
}

function compileTemplate(spec: unknown): Template {
  if (spec === null || spec === undefined) return { prefix: [], suffix: [] };
  if (!isRecord(spec)) throw fail("the post_processor is not an object");
  if (spec.type === "RobertaProcessing" || spec.type === "BertProcessing")
    return { prefix: [tokenId(spec.cls, "cls")], suffix: [tokenId(spec.sep, "sep")] };
  if (spec.type !== "TemplateProcessing")
    throw fail(
      `the ${typeof spec.type === "string" ? spec.type : "unknown"} post_processor is not supported with a Unigram model (supported: TemplateProcessing, RobertaProcessing, BertProcessing)`,
    );
  if (!Array.isArray(spec.single)) throw fail("the TemplateProcessing post_processor has no single template");
  const specials = isRecord(spec.special_tokens) ? spec.special_tokens : {};
  const template: Template = { prefix: [], suffix: [] };
  let seenText = false;
  for (const item of spec.single) {
    if (isRecord(item) && isRecord(item.Sequence) && item.Sequence.id === "A" && !seenText) {
      seenText = true;
      continue;
    }
    const name = isRecord(item) && isRecord(item.SpecialToken) ? item.SpecialToken.id : undefined;
    const special = typeof name === "string" ? specials[name] : undefined;
    const ids = isRecord(special) ? special.ids : undefined;
    if (!Array.isArray(ids) || !ids.every((id) => typeof id === "number" && Number.isInteger(id) && id >= 0))
      throw fail(
        `the TemplateProcessing single template has an item that is neither $A once nor a special token with ids: ${JSON.stringify(item)}`,
      );
    (seenText ? template.suffix : template.prefix).push(...(ids as number[]));
  }
  if (!seenText) throw fail("the TemplateProcessing single template has no $A");
  return template;
}

// --- added tokens ---------------------------------------------------------------------------------

const WORD_CHARACTER = /[\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}]/u;
const WHITESPACE_CHARACTER = /\p{White_Space}/u;

/** The whole character (a surrogate pair included) that ends at code unit `end`. */
function characterBefore(text: string, end: number): string {
  const low = text.charCodeAt(end - 1);
  const pair = end >= 2 && (low & 0xfc00) === 0xdc00 && (text.charCodeAt(end - 2) & 0xfc00) === 0xd800;
  return text.slice(pair ? end - 2 : end - 1, end);
}

function parseAddedTokens(spec: unknown): AddedToken[] {
  if (spec === null || spec === undefined) return [];
  if (!Array.isArray(spec)) throw fail("added_tokens is not a list");
  if (spec.length > MAX_VOCABULARY_SIZE)
    throw fail(`added_tokens has more than ${MAX_VOCABULARY_SIZE} entries`);
  return spec.map((entry): AddedToken => {
    if (
      !isRecord(entry) ||
      typeof entry.content !== "string" ||
      entry.content.length === 0 ||
      typeof entry.id !== "number" ||
      !Number.isInteger(entry.id) ||
      entry.id < 0
    )
      throw fail(`an added token is not {id, content}: ${JSON.stringify(entry)?.slice(0, 100)}`);
    return {
      id: entry.id,
      content: entry.content,
      singleWord: entry.single_word === true,
      lstrip: entry.lstrip === true,
      rstrip: entry.rstrip === true,
      // Absent, it follows `special` (special tokens are matched as written), as in `tokenizers`.
      normalized: typeof entry.normalized === "boolean" ? entry.normalized : entry.special !== true,
    };
  });
}

/** Finds added tokens in text: leftmost, longest, as the `tokenizers` library's matcher. */
class AddedTokenMatcher {
  private readonly trie: PieceTrie;

  constructor(private readonly tokens: readonly AddedToken[]) {
    this.trie = new PieceTrie(tokens.map((t) => t.content));
  }

  /** `text` cut into plain sections (offsets `base + …`) and added tokens. */
  split(text: string, base: number): Section[] {
    if (this.tokens.length === 0) return [{ text, start: base }];
    const sections: Section[] = [];
    let from = 0;
    let i = 0;
    while (i < text.length) {
      let index = -1;
      let stop = i;
      this.trie.prefixes(text, i, (id, end) => {
        index = id;
        stop = end;
      });
      if (index < 0) {
        i++;
        continue;
      }
      const token = this.tokens[index]!;
      let start = i;
      if (token.singleWord) {
        const before = start > 0 && WORD_CHARACTER.test(characterBefore(text, start));
        const after =
          stop < text.length && WORD_CHARACTER.test(String.fromCodePoint(text.codePointAt(stop)!));
        if (before || after) {
          i = stop;
          continue;
        }
      }
      if (token.lstrip) while (start > from && WHITESPACE_CHARACTER.test(text[start - 1]!)) start--;
      if (token.rstrip) while (stop < text.length && WHITESPACE_CHARACTER.test(text[stop]!)) stop++;
      if (start > from) sections.push({ text: text.slice(from, start), start: base + from });
      sections.push({ id: token.id });
      from = stop;
      i = stop;
    }
    if (from < text.length) sections.push({ text: text.slice(from), start: base + from });
    return sections;
  }
}

// --- the tokenizer --------------------------------------------------------------------------------

export interface UnigramOptions {
  /** `pieces[id]`, the vocabulary in id order. */
  pieces: readonly string[];
  /** `scores[id]`: the piece's log probability. */
  scores: readonly number[];
  unkId: number;
  byteFallback?: boolean;
  normalizer?: unknown;
  preTokenizer?: unknown;
  postProcessor?: unknown;
  addedTokens?: unknown;
}

export class UnigramTokenizer implements SentenceTokenizer {
  readonly kind = "Unigram";
  readonly specialTokenCount: number;
  readonly unkId: number;
  private readonly trie: PieceTrie;
  private readonly scores: Float64Array;
  private readonly unknownScore: number;
  /** Id of `<0xNN>` for each byte, -1 when missing; null without byte fallback. */
  private readonly byteIds: Int32Array | null;
  private readonly normalize: Normalize | null;
  private readonly preTokenize: PreTokenize;
  private readonly template: Template;
  private readonly raw: AddedTokenMatcher;
  private readonly normalizedAdded: AddedTokenMatcher;

  /** Throws TokenizerFormatError when the options describe a tokenizer it cannot run. */
  constructor(options: UnigramOptions) {
    const { pieces, scores, unkId } = options;
    if (pieces.length === 0) throw fail("the Unigram vocabulary is empty");
    if (pieces.length > MAX_VOCABULARY_SIZE)
      throw fail(`the Unigram vocabulary has more than ${MAX_VOCABULARY_SIZE} pieces`);
    if (!Number.isInteger(unkId) || unkId < 0 || unkId >= pieces.length)
      throw fail(`the Unigram unk_id ${unkId} is not an id of the vocabulary (0–${pieces.length - 1})`);
    this.unkId = unkId;
    this.scores = Float64Array.from(scores);
    let lowest = Number.POSITIVE_INFINITY;
    for (const score of this.scores) lowest = Math.min(lowest, score);
    this.unknownScore = lowest - UNKNOWN_PENALTY;
    this.trie = new PieceTrie(pieces);
    if (options.byteFallback === true) {
      this.byteIds = new Int32Array(256);
      for (let byte = 0; byte < 256; byte++)
        this.byteIds[byte] = this.trie.idOf(`<0x${byte.toString(16).toUpperCase().padStart(2, "0")}>`);
    } else this.byteIds = null;
    this.normalize = compileNormalizer(options.normalizer);
    this.preTokenize = compilePreTokenizer(options.preTokenizer);
    this.template = compileTemplate(options.postProcessor);
    this.specialTokenCount = this.template.prefix.length + this.template.suffix.length;
    const added = parseAddedTokens(options.addedTokens);
    this.raw = new AddedTokenMatcher(added.filter((t) => !t.normalized));
    this.normalizedAdded = new AddedTokenMatcher(added.filter((t) => t.normalized));
  }

  /** The text's token ids, without special tokens; stops once `budget` ids are found. */
  contentIds(text: string, budget = Number.POSITIVE_INFINITY): number[] {
    const ids: number[] = [];
    for (const section of this.raw.split(text, 0)) {
      if (ids.length >= budget) break;
      if ("id" in section) {
        ids.push(section.id);
        continue;
      }
      const normalized = this.normalize ? this.normalize(section.text) : section.text;
      for (const part of this.normalizedAdded.split(normalized, 0)) {
        if (ids.length >= budget) break;
        if ("id" in part) {
          ids.push(part.id);
          continue;
        }
        const atStart = section.start === 0 && part.start === 0;
        for (const word of this.preTokenize(part.text, atStart)) {
          if (ids.length >= budget) break;
          this.segment(word, ids);
        }
      }
    }
    if (ids.length > budget) ids.length = budget;
    return ids;
  }

  /** Viterbi over `word`'s pieces; appends the best segmentation's ids to `out`. */
  segment(word: string, out: number[]): void {
    const n = word.length;
    const best = new Float64Array(n + 1);
    const from = new Int32Array(n + 1).fill(-1);
    const pieceAt = new Int32Array(n + 1);
    let position = 0;
    let base = 0;
    let width = 1;
    let single = false;
    const relax = (id: number, end: number): void => {
      const score = base + this.scores[id]!;
      if (from[end]! < 0 || score > best[end]!) {
        best[end] = score;
        from[end] = position;
        pieceAt[end] = id;
      }
      if (end - position === width) single = true;
    };
    while (position < n) {
      base = best[position]!;
      const unit = word.charCodeAt(position);
      width =
        unit >= 0xd800 &&
        unit <= 0xdbff &&
        position + 1 < n &&
        (word.charCodeAt(position + 1) & 0xfc00) === 0xdc00
          ? 2
          : 1;
      single = false;
      this.trie.prefixes(word, position, relax);
      if (!single) {
        // No piece is this character: the unknown token, at a cost below every piece.
        const end = position + width;
        const score = base + this.unknownScore;
        if (from[end]! < 0 || score > best[end]!) {
          best[end] = score;
          from[end] = position;
          pieceAt[end] = this.unkId;
        }
      }
      position += width;
    }
    // Back from the end; a run of unknown characters becomes one token, as in `tokenizers`.
    const path: number[] = [];
    let end = n;
    let unknownEnd = -1;
    while (end > 0) {
      const start = from[end]!;
      const id = pieceAt[end]!;
      if (id === this.unkId) {
        if (unknownEnd < 0) unknownEnd = end;
      } else {
        if (unknownEnd >= 0) this.pushUnknown(word.slice(end, unknownEnd), path);
        unknownEnd = -1;
        path.push(id);
      }
      end = start;
    }
    if (unknownEnd >= 0) this.pushUnknown(word.slice(0, unknownEnd), path);
    for (let k = path.length - 1; k >= 0; k--) out.push(path[k]!);
  }

  /** Pushes (in reverse order, as the back-tracking path) the ids of an unknown run. */
  private pushUnknown(text: string, reversedPath: number[]): void {
    const id = this.trie.idOf(text);
    if (id >= 0) {
      reversedPath.push(id);
      return;
    }
    if (this.byteIds) {
      const bytes = new TextEncoder().encode(text);
      const ids = Array.from(bytes, (byte) => this.byteIds![byte]!);
      if (ids.every((byteId) => byteId >= 0)) {
        for (let k = ids.length - 1; k >= 0; k--) reversedPath.push(ids[k]!);
        return;
      }
    }
    reversedPath.push(this.unkId);
  }

  encode(text: string, maxTokens: number): number[] {
    const budget = Math.max(0, Math.floor(maxTokens) - this.specialTokenCount);
    return [...this.template.prefix, ...this.contentIds(text, budget), ...this.template.suffix];
  }

  probeIds(maxTokens: number): number[] {
    const fill = Math.max(0, Math.floor(maxTokens) - this.specialTokenCount);
    return [...this.template.prefix, ...new Array<number>(fill).fill(this.unkId), ...this.template.suffix];
  }
}

/** The Unigram tokenizer a parsed tokenizer.json describes (its `model.type` is `Unigram`). */
export function unigramFromTokenizerJson(document: Record<string, unknown>): UnigramTokenizer {
  const model = document.model;
  if (!isRecord(model) || !Array.isArray(model.vocab)) throw fail("the Unigram model has no vocab list");
  if (model.vocab.length === 0) throw fail("the Unigram vocabulary is empty");
  if (model.vocab.length > MAX_VOCABULARY_SIZE)
    throw fail(`the Unigram vocabulary has more than ${MAX_VOCABULARY_SIZE} pieces`);
  const pieces: string[] = [];
  const scores: number[] = [];
  model.vocab.forEach((entry: unknown, id: number) => {
    const [piece, score] = Array.isArray(entry) ? entry : [];
    if (typeof piece !== "string" || typeof score !== "number" || !Number.isFinite(score))
      throw fail(`Unigram vocab entry ${id} is not [piece, score]`);
    pieces.push(piece);
    scores.push(score);
  });
  if (model.unk_id === null || model.unk_id === undefined)
    throw fail("the Unigram model has no unk_id; characters outside the vocabulary could not be tokenised");
  return new UnigramTokenizer({
    pieces,
    scores,
    unkId: typeof model.unk_id === "number" ? model.unk_id : Number.NaN,
    byteFallback: model.byte_fallback === true,
    normalizer: document.normalizer,
    preTokenizer: document.pre_tokenizer,
    postProcessor: document.post_processor,
    addedTokens: document.added_tokens,
  });
}
