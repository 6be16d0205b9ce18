/**
 * BERT-style WordPiece tokenisation, pure (file contents in, token ids out), for the local
 * embedding model. Supported formats:
 * - `vocab.txt`: one token per line, the line number is the id (BERT/sentence-transformers
 *   exports). Uncased (lower-case + accents stripped) unless `tokenizer_config.json` says
 *   `"do_lower_case": false`.
 * - `tokenizer.json` (Hugging Face tokenizers) whose `model.type` is `WordPiece`; its
 *   `BertNormalizer` settings (lowercase, strip_accents) are honoured. (tokenizer-files.ts picks
 *   this or the Unigram tokenizer by `model.type`.)
 *
 * Steps, as BERT's: drop control characters, put spaces around CJK ideographs, split on
 * whitespace, (lower-case, strip accents), split off punctuation, then greedy longest-match-first
 * WordPiece with a `##` continuation prefix; a word that cannot be split is `[UNK]`. The sequence is
 * `[CLS] pieces… [SEP]`, cut to `maxTokens`.
 */
import {
  isRecord,
  MAX_VOCABULARY_SIZE,
  parseJson,
  type SentenceTokenizer,
  TokenizerFormatError,
} from "./tokenizer.ts";

/** Longest word (in code points) WordPiece splits; longer words are `[UNK]`, as in BERT. */
export const DEFAULT_MAX_CHARS_PER_WORD = 100;

export interface WordPieceOptions {
  /** Token → id. */
  vocabulary: ReadonlyMap<string, number>;
  lowercase: boolean;
  stripAccents: boolean;
  unkToken?: string;
  clsToken?: string;
  sepToken?: string;
  continuationPrefix?: string;
  maxCharsPerWord?: number;
}

const CJK_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x4e00, 0x9fff],
  [0x3400, 0x4dbf],
  [0x20000, 0x2a6df],
  [0x2a700, 0x2b73f],
  [0x2b740, 0x2b81f],
  [0x2b820, 0x2ceaf],
  [0xf900, 0xfaff],
  [0x2f800, 0x2fa1f],
];

function isCjk(codePoint: number): boolean {
  return CJK_RANGES.some(([from, to]) => codePoint >= from && codePoint <= to);
}

const WHITESPACE = /^[\t\n\r\p{Zs}]$/u;
const CONTROL = /^\p{C}$/u;
const PUNCTUATION = /^\p{P}$/u;
const COMBINING_MARK = /\p{Mn}/gu;

function isPunctuation(char: string, codePoint: number): boolean {
  // BERT counts every non-alphanumeric ASCII symbol ($, +, ^, `…) as punctuation.
  if (
    (codePoint >= 33 && codePoint <= 47) ||
    (codePoint >= 58 && codePoint <= 64) ||
    (codePoint >= 91 && codePoint <= 96) ||
    (codePoint >= 123 && codePoint <= 126)
  )
    return true;
  return PUNCTUATION.test(char);
}

export class WordPieceTokenizer implements SentenceTokenizer {
  readonly kind = "WordPiece";
  readonly specialTokenCount = 2;
  readonly vocabulary: ReadonlyMap<string, number>;
  readonly lowercase: boolean;
  readonly stripAccents: boolean;
  readonly unkId: number;
  readonly clsId: number;
  readonly sepId: number;
  private readonly prefix: string;
  private readonly maxCharsPerWord: number;

  constructor(options: WordPieceOptions) {
    this.vocabulary = options.vocabulary;
    this.lowercase = options.lowercase;
    this.stripAccents = options.stripAccents;
    this.prefix = options.continuationPrefix ?? "##";
    this.maxCharsPerWord = options.maxCharsPerWord ?? DEFAULT_MAX_CHARS_PER_WORD;
    const id = (token: string): number => {
      const value = this.vocabulary.get(token);
      if (value === undefined) throw new TokenizerFormatError(`the vocabulary has no ${token} token`);
      return value;
    };
    this.unkId = id(options.unkToken ?? "[UNK]");
    this.clsId = id(options.clsToken ?? "[CLS]");
    this.sepId = id(options.sepToken ?? "[SEP]");
  }

  /** The words of `text` after cleaning, normalisation and punctuation splitting. */
  words(text: string): string[] {
    const words: string[] = [];
    let current = "";
    const flush = (): void => {
      if (current.length === 0) return;
      let word = current;
      if (this.lowercase) word = word.toLowerCase();
      if (this.stripAccents) word = word.normalize("NFD").replace(COMBINING_MARK, "");
      current = "";
      // Punctuation is split after normalisation: stripping accents cannot create punctuation, but
      // lower-casing may change length, so the split runs on the final form.
      let piece = "";
      for (const char of word) {
        if (isPunctuation(char, char.codePointAt(0)!)) {
          if (piece.length > 0) words.push(piece);
          words.push(char);
          piece = "";
        } else piece += char;
      }
      if (piece.length > 0) words.push(piece);
    };
    for (const char of text) {
      const codePoint = char.codePointAt(0)!;
      if (WHITESPACE.test(char)) flush();
      else if (codePoint === 0 || codePoint === 0xfffd || CONTROL.test(char)) continue;
      else if (isCjk(codePoint)) {
        flush();
        words.push(char);
      } else current += char;
    }
    flush();
    return words;
  }

  /** WordPiece ids of one word: greedy longest match first; `[UNK]` when some part has no piece. */
  wordIds(word: string): number[] {
    const chars = [...word];
    if (chars.length > this.maxCharsPerWord) return [this.unkId];
    const ids: number[] = [];
    let start = 0;
    while (start < chars.length) {
      let end = chars.length;
      let found: number | undefined;
      while (end > start) {
        const piece = chars.slice(start, end).join("");
        found = this.vocabulary.get(start === 0 ? piece : this.prefix + piece);
        if (found !== undefined) break;
        end--;
      }
      if (found === undefined) return [this.unkId];
      ids.push(found);
      start = end;
    }
    return ids;
  }

  /** `[CLS] pieces… [SEP]`, at most `maxTokens` ids (≥ 2); pieces beyond the budget are dropped. */
  encode(text: string, maxTokens: number): number[] {
    const budget = Math.max(0, Math.floor(maxTokens) - 2);
    const ids = [this.clsId];
    for (const word of this.words(text)) {
      if (ids.length - 1 >= budget) break;
      for (const id of this.wordIds(word)) {
        if (ids.length - 1 >= budget) break;
        ids.push(id);
      }
    }
    ids.push(this.sepId);
    return ids;
  }

  probeIds(maxTokens: number): number[] {
    return [
      this.clsId,
      ...new Array<number>(Math.max(0, Math.floor(maxTokens) - 2)).fill(this.unkId),
      this.sepId,
    ];
  }
}

/** Parses vocab.txt: one token per line, id = line number (0-based); blank trailing lines ignored. */
export function parseVocabText(text: string): Map<string, number> {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  while (lines.length > 0 && lines.at(-1) === "") lines.pop();
  if (lines.length === 0) throw new TokenizerFormatError("vocab.txt is empty");
  if (lines.length > MAX_VOCABULARY_SIZE)
    throw new TokenizerFormatError(`vocab.txt has more than ${MAX_VOCABULARY_SIZE} tokens`);
  const vocabulary = new Map<string, number>();
  lines.forEach((token, id) => {
    // The first occurrence wins, as in BERT's loader (later duplicates would shadow ids).
    if (!vocabulary.has(token)) vocabulary.set(token, id);
  });
  return vocabulary;
}

/** Lower-casing and accent stripping from a tokenizer.json normalizer (BertNormalizer or a Sequence). */
function normalizerFlags(normalizer: unknown): { lowercase: boolean; stripAccents: boolean } {
  if (!isRecord(normalizer)) return { lowercase: false, stripAccents: false };
  if (normalizer.type === "BertNormalizer") {
    const lowercase = normalizer.lowercase !== false;
    // strip_accents null/absent follows lowercase, as in the tokenizers library.
    const stripAccents = typeof normalizer.strip_accents === "boolean" ? normalizer.strip_accents : lowercase;
    return { lowercase, stripAccents };
  }
  if (normalizer.type === "Sequence" && Array.isArray(normalizer.normalizers)) {
    const types = normalizer.normalizers.map((n) => (isRecord(n) ? n.type : undefined));
    return { lowercase: types.includes("Lowercase"), stripAccents: types.includes("StripAccents") };
  }
  if (normalizer.type === "Lowercase") return { lowercase: true, stripAccents: false };
  return { lowercase: false, stripAccents: false };
}

/** `[CLS]`/`[SEP]` from a BertProcessing or TemplateProcessing post-processor, when it names them. */
function specialTokens(postProcessor: unknown): { cls?: string; sep?: string } {
  if (!isRecord(postProcessor)) return {};
  if (postProcessor.type === "BertProcessing") {
    const cls = Array.isArray(postProcessor.cls) ? postProcessor.cls[0] : undefined;
    const sep = Array.isArray(postProcessor.sep) ? postProcessor.sep[0] : undefined;
    return {
      ...(typeof cls === "string" ? { cls } : {}),
      ...(typeof sep === "string" ? { sep } : {}),
    };
  }
  return {};
}

/** A WordPiece tokenizer from a parsed tokenizer.json whose `model.type` is `WordPiece`. */
export function wordPieceFromTokenizerJson(document: Record<string, unknown>): WordPieceTokenizer {
  const model = document.model;
  if (!isRecord(model) || !isRecord(model.vocab))
    throw new TokenizerFormatError("tokenizer.json has no model.vocab");
  const entries = Object.entries(model.vocab);
  if (entries.length === 0) throw new TokenizerFormatError("tokenizer.json's vocabulary is empty");
  if (entries.length > MAX_VOCABULARY_SIZE)
    throw new TokenizerFormatError(`tokenizer.json has more than ${MAX_VOCABULARY_SIZE} tokens`);
  const vocabulary = new Map<string, number>();
  for (const [token, id] of entries) {
    if (typeof id !== "number" || !Number.isInteger(id) || id < 0)
      throw new TokenizerFormatError(`tokenizer.json: the id of ${JSON.stringify(token)} is not an integer`);
    vocabulary.set(token, id);
  }
  const { lowercase, stripAccents } = normalizerFlags(document.normalizer);
  const special = specialTokens(document.post_processor);
  return new WordPieceTokenizer({
    vocabulary,
    lowercase,
    stripAccents,
    ...(typeof model.unk_token === "string" ? { unkToken: model.unk_token } : {}),
    ...(typeof model.continuing_subword_prefix === "string"
      ? { continuationPrefix: model.continuing_subword_prefix }
      : {}),
    ...(typeof model.max_input_chars_per_word === "number"
      ? { maxCharsPerWord: model.max_input_chars_per_word }
      : {}),
    ...(special.cls !== undefined ? { clsToken: special.cls } : {}),
    ...(special.sep !== undefined ? { sepToken: special.sep } : {}),
  });
}

/** A WordPiece tokenizer from vocab.txt, cased when tokenizer_config.json says `do_lower_case: false`. */
export function wordPieceFromVocabText(vocabTxt: string, tokenizerConfigJson?: string): WordPieceTokenizer {
  let lowercase = true;
  if (tokenizerConfigJson !== undefined) {
    const config = parseJson(tokenizerConfigJson, "tokenizer_config.json");
    if (isRecord(config) && typeof config.do_lower_case === "boolean") lowercase = config.do_lower_case;
  }
  return new WordPieceTokenizer({ vocabulary: parseVocabText(vocabTxt), lowercase, stripAccents: lowercase });
}
