import { describe, expect, it } from "vitest";
import { TokenizerFormatError } from "./tokenizer.ts";
import { tokenizerFromFiles } from "./tokenizer-files.ts";
import { parseVocabText, type WordPieceTokenizer, wordPieceFromVocabText } from "./wordpiece.ts";

const VOCAB = [
  "[PAD]",
  "[UNK]",
  "[CLS]",
  "[SEP]",
  "bitcoin",
  "price",
  "un",
  "##aff",
  "##able",
  "cafe",
  "!",
  ",",
  "$",
  "中",
  "国",
  "hello",
];
const ids = (...tokens: string[]) => tokens.map((t) => VOCAB.indexOf(t));

function uncased(): WordPieceTokenizer {
  return wordPieceFromVocabText(`${VOCAB.join("\n")}\n`);
}

describe("WordPiece tokenisation", () => {
  it("wraps pieces in [CLS] … [SEP], lower-casing and splitting punctuation", () => {
    expect(uncased().encode("Bitcoin PRICE!", 32)).toEqual(ids("[CLS]", "bitcoin", "price", "!", "[SEP]"));
  });

  it("splits a word into the longest pieces first, with ## continuations", () => {
    expect(uncased().wordIds("unaffable")).toEqual(ids("un", "##aff", "##able"));
  });

  it("maps a word with an unknown part to one [UNK]", () => {
    expect(uncased().wordIds("unaffx")).toEqual(ids("[UNK]"));
    expect(uncased().encode("hello zebra", 32)).toEqual(ids("[CLS]", "hello", "[UNK]", "[SEP]"));
  });

  it("strips accents when uncased, and keeps them when the tokenizer config says cased", () => {
    expect(uncased().encode("Café", 8)).toEqual(ids("[CLS]", "cafe", "[SEP]"));
    const cased = wordPieceFromVocabText(VOCAB.join("\n"), JSON.stringify({ do_lower_case: false }));
    expect(cased.encode("Café", 8)).toEqual(ids("[CLS]", "[UNK]", "[SEP]"));
  });

  it("treats ASCII symbols as punctuation and CJK ideographs as words of their own", () => {
    expect(uncased().words("$5,bitcoin 中国hello")).toEqual(["$", "5", ",", "bitcoin", "中", "国", "hello"]);
  });

  it("drops control characters and treats every kind of whitespace as a separator", () => {
    expect(uncased().words("hel\u0000lo\u200b\tbit\u00a0coin\ufffd")).toEqual(["hello", "bit", "coin"]);
  });

  it("cuts the sequence at maxTokens, always ending with [SEP]", () => {
    const tokenizer = uncased();
    expect(tokenizer.encode("hello hello hello hello", 4)).toEqual(ids("[CLS]", "hello", "hello", "[SEP]"));
    expect(tokenizer.encode("unaffable", 4)).toEqual(ids("[CLS]", "un", "##aff", "[SEP]"));
    expect(tokenizer.encode("", 4)).toEqual(ids("[CLS]", "[SEP]"));
    expect(tokenizer.probeIds(4)).toEqual(ids("[CLS]", "[UNK]", "[UNK]", "[SEP]"));
  });

  it("maps a word longer than the per-word limit to [UNK] without trying to split it", () => {
    expect(uncased().wordIds("un".repeat(60))).toEqual(ids("[UNK]"));
  });
});

describe("tokenizer files", () => {
  it("reads a WordPiece tokenizer.json with its normaliser and special tokens", () => {
    const vocab = Object.fromEntries(["<unk>", "<s>", "</s>", "Hello", "wor", "@@ld"].map((t, i) => [t, i]));
    const { tokenizer } = tokenizerFromFiles({
      tokenizerJson: JSON.stringify({
        normalizer: { type: "BertNormalizer", lowercase: false, strip_accents: null },
        post_processor: { type: "BertProcessing", cls: ["<s>", 1], sep: ["</s>", 2] },
        model: { type: "WordPiece", vocab, unk_token: "<unk>", continuing_subword_prefix: "@@" },
      }),
      vocabTxt: "ignored",
    });
    expect(tokenizer.encode("Hello world hello", 16)).toEqual([1, 3, 4, 5, 0, 2]);
  });

  it("refuses a vocabulary without the special tokens", () => {
    expect(() => tokenizerFromFiles({ vocabTxt: "[CLS]\n[SEP]\nhello\n" })).toThrow(TokenizerFormatError);
    expect(() => tokenizerFromFiles({ vocabTxt: "[CLS]\n[SEP]\nhello\n" })).toThrow("no [UNK] token");
  });

  it("refuses a directory with no tokenizer file and unreadable JSON", () => {
    expect(() => tokenizerFromFiles({})).toThrow(/put vocab.txt or tokenizer.json/);
    expect(() => tokenizerFromFiles({ tokenizerJson: "{" })).toThrow(/tokenizer.json is not valid JSON/);
  });

  it("gives line numbers as ids, keeping the first of duplicate lines, with CRLF endings", () => {
    const vocabulary = parseVocabText("a\r\nb\r\na\r\nc\r\n\r\n");
    expect([...vocabulary]).toEqual([
      ["a", 0],
      ["b", 1],
      ["c", 3],
    ]);
    expect(() => parseVocabText("\n")).toThrow(/empty/);
  });
});
