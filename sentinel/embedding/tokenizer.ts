/**
 * What the embedder needs from a tokenizer, whatever its algorithm (WordPiece in wordpiece.ts,
 * Unigram/SentencePiece in unigram.ts), and the error every tokenizer file problem becomes.
 * Pure: file contents in, token ids out.
 */

/** A tokenizer file that cannot be used; `message` says which and why. */
export class TokenizerFormatError extends Error {
  readonly code = "EMBEDDING_TOKENIZER_INVALID";
  constructor(message: string) {
    super(message);
    this.name = "TokenizerFormatError";
  }
}

/** Vocabularies larger than this are refused (BERT's is 30,522; XLM-RoBERTa's 250,002). */
export const MAX_VOCABULARY_SIZE = 1_000_000;

/** Turns one text into the token ids a sentence-embedding model takes. */
export interface SentenceTokenizer {
  /** The algorithm, for logs: "WordPiece" or "Unigram". */
  readonly kind: string;
  /** How many special tokens wrap every text (`[CLS]`/`[SEP]`, `<s>`/`</s>`): 2 for the supported models. */
  readonly specialTokenCount: number;
  /**
   * The ids of `text`, special tokens included, at most `maxTokens` of them (the text's tokens are
   * cut, the special tokens kept). `maxTokens` must exceed `specialTokenCount`.
   */
  encode(text: string, maxTokens: number): number[];
  /** A sequence of exactly `maxTokens` ids as encode could give (special tokens around unknowns): the load-time probe. */
  probeIds(maxTokens: number): number[];
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** JSON.parse with a TokenizerFormatError naming `file`. */
export function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new TokenizerFormatError(
      `${file} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
