/**
 * The tokenizer of a model directory, from its files' contents (pure; onnx-embedder.ts reads the
 * files): `tokenizer.json` when present, by its `model.type` (WordPiece → wordpiece.ts, Unigram →
 * unigram.ts; BPE and others refused, naming what is supported), else `vocab.txt` (WordPiece).
 */
import { isRecord, parseJson, type SentenceTokenizer, TokenizerFormatError } from "./tokenizer.ts";
import { unigramFromTokenizerJson } from "./unigram.ts";
import { wordPieceFromTokenizerJson, wordPieceFromVocabText } from "./wordpiece.ts";

/** The tokenizer files found in a model directory (contents, not paths). */
export interface TokenizerFiles {
  tokenizerJson?: string;
  vocabTxt?: string;
  tokenizerConfigJson?: string;
}

export interface LoadedTokenizer {
  tokenizer: SentenceTokenizer;
  /** tokenizer.json's `truncation.max_length`, when it sets one (tokens per text, special ones included). */
  maxLength?: number;
}

export const SUPPORTED_TOKENIZERS =
  "WordPiece (BERT, MiniLM: vocab.txt or tokenizer.json) and Unigram (SentencePiece: XLM-RoBERTa, multilingual-e5, paraphrase-multilingual-MiniLM)";

function truncationLength(truncation: unknown): number | undefined {
  if (!isRecord(truncation)) return undefined;
  const value = truncation.max_length;
  return typeof value === "number" && Number.isInteger(value) && value >= 1 ? value : undefined;
}

/**
 * The tokenizer described by a model directory's files. Throws TokenizerFormatError
 * (EMBEDDING_TOKENIZER_INVALID) naming the file and the problem.
 */
export function tokenizerFromFiles(files: TokenizerFiles): LoadedTokenizer {
  if (files.tokenizerJson !== undefined) {
    const document = parseJson(files.tokenizerJson, "tokenizer.json");
    if (!isRecord(document) || !isRecord(document.model))
      throw new TokenizerFormatError("tokenizer.json has no model section");
    const type = document.model.type;
    const maxLength = truncationLength(document.truncation);
    const withLength = (tokenizer: SentenceTokenizer): LoadedTokenizer =>
      maxLength === undefined ? { tokenizer } : { tokenizer, maxLength };
    if (type === "WordPiece") return withLength(wordPieceFromTokenizerJson(document));
    if (type === "Unigram") return withLength(unigramFromTokenizerJson(document));
    throw new TokenizerFormatError(
      `tokenizer.json uses a ${typeof type === "string" ? type : "unknown"} model; supported: ${SUPPORTED_TOKENIZERS}`,
    );
  }
  if (files.vocabTxt !== undefined)
    return { tokenizer: wordPieceFromVocabText(files.vocabTxt, files.tokenizerConfigJson) };
  throw new TokenizerFormatError("no tokenizer: put vocab.txt or tokenizer.json next to model.onnx");
}
