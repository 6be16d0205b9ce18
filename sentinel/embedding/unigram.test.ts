import { describe, expect, it } from "vitest";
import { unigramTokenizerJson } from "../testing/tiny-onnx-model.ts";
import { TokenizerFormatError } from "./tokenizer.ts";
import { tokenizerFromFiles } from "./tokenizer-files.ts";
import { type UnigramTokenizer, unigramFromTokenizerJson } from "./unigram.ts";

/**
 * A hand-made SentencePiece vocabulary ([piece, log-probability], id = index). The expected
 * segmentations below are worked out by hand from these scores (sum of the pieces' scores, the
 * highest wins).
 */
const VOCAB: ReadonlyArray<readonly [string, number]> = [
  ["<s>", 0],
  ["<pad>", 0],
  ["</s>", 0],
  ["<unk>", 0],
  ["▁", -2],
  ["▁при", -3],
  ["вет", -3],
  ["▁привет", -5.5], // beats ▁при + вет (-6)
  ["▁мир", -4],
  ["▁бит", -3],
  ["коин", -3],
  ["▁биткоин", -7], // loses to ▁бит + коин (-6)
  ["▁біт", -3.5],
  ["коїн", -3.5],
  ["中", -4],
  ["国", -4],
  ["中国", -7.5], // beats 中 + 国 (-8)
  ["人", -4.5],
  ["▁東京", -6],
  ["▁мой", -4],
  ["!", -3],
  ["п", -6],
  ["р", -6],
  ["и", -6],
  ["в", -6],
  ["е", -6],
  ["т", -6],
  ["м", -6],
  ["й", -6],
  ["о", -6],
  // The lowest score is 中国's -7.5: an unknown character costs -17.5.
];

const ID = new Map(VOCAB.map(([piece], id) => [piece, id]));
const MASK = VOCAB.length;
const ids = (...pieces: string[]) =>
  pieces.map((piece) => {
    if (piece === "<mask>") return MASK;
    const id = ID.get(piece);
    if (id === undefined) throw new Error(`no piece ${piece}`);
    return id;
  });

function tokenizer(overrides: Record<string, unknown> = {}, vocab = VOCAB): UnigramTokenizer {
  return unigramFromTokenizerJson(
    JSON.parse(unigramTokenizerJson(vocab, overrides)) as Record<string, unknown>,
  );
}

const xlmr = tokenizer();
/** The text's pieces without <s> … </s>. */
const pieces = (text: string, t: UnigramTokenizer = xlmr) => t.contentIds(text);

describe("Unigram segmentation (Viterbi over the scores)", () => {
  it("picks the segmentation with the highest total score", () => {
    expect(pieces("привет")).toEqual(ids("▁привет"));
    expect(pieces("биткоин")).toEqual(ids("▁бит", "коин"));
    expect(pieces("біткоїн")).toEqual(ids("▁біт", "коїн"));
    // ▁ 中国 人 (-14) over ▁ 中 国 人 (-14.5); CJK has no spaces, so one word.
    expect(pieces("中国人")).toEqual(ids("▁", "中国", "人"));
    expect(pieces("東京")).toEqual(ids("▁東京"));
  });

  it("falls back to single characters inside a word", () => {
    // ▁при + в + е + т (-21) is the only way without an unknown: вет needs the whole "вет".
    expect(pieces("привет!")).toEqual(ids("▁привет", "!"));
    expect(pieces("привёт")).toEqual([...ids("▁при", "в"), ID.get("<unk>")!, ...ids("т")]);
  });

  it("wraps the text in <s> … </s> (TemplateProcessing, or RobertaProcessing)", () => {
    expect(xlmr.encode("привет мир", 64)).toEqual(ids("<s>", "▁привет", "▁мир", "</s>"));
    const roberta = tokenizer({
      post_processor: {
        type: "RobertaProcessing",
        sep: ["</s>", 2],
        cls: ["<s>", 0],
        add_prefix_space: true,
      },
    });
    expect(roberta.encode("привет мир", 64)).toEqual(ids("<s>", "▁привет", "▁мир", "</s>"));
    expect(roberta.specialTokenCount).toBe(2);
    expect(tokenizer({ post_processor: null }).encode("мир", 64)).toEqual(ids("▁мир"));
  });
});

describe("Metaspace pre-tokenisation", () => {
  it("turns spaces into ▁ and splits before each, so no piece spans two words", () => {
    const across: Array<readonly [string, number]> = [...VOCAB, ["▁привет▁мир", -8]];
    expect(pieces("привет мир", tokenizer({}, across))).toEqual(ids("▁привет", "▁мир"));
    // Not split: the piece across the space (-8) beats ▁привет + ▁мир (-9.5).
    const unsplit = tokenizer(
      { pre_tokenizer: { type: "Metaspace", replacement: "▁", prepend_scheme: "always", split: false } },
      across,
    );
    expect(pieces("привет мир", unsplit)).toEqual([VOCAB.length]);
  });

  it("prepends ▁ to every section (always), the first only (first), or never", () => {
    const scheme = (prepend_scheme: string) =>
      tokenizer({ pre_tokenizer: { type: "Metaspace", replacement: "▁", prepend_scheme, split: true } });
    expect(pieces("мир<s>мир")).toEqual(ids("▁мир", "<s>", "▁мир"));
    expect(pieces("мир<s>мир", scheme("first"))).toEqual(ids("▁мир", "<s>", "м", "и", "р"));
    expect(pieces("мир", scheme("never"))).toEqual(ids("м", "и", "р"));
    // The older form: add_prefix_space false means never.
    const legacy = tokenizer({
      pre_tokenizer: { type: "Metaspace", replacement: "▁", add_prefix_space: false },
    });
    expect(pieces("мир", legacy)).toEqual(ids("м", "и", "р"));
  });

  it("does not prepend to a section that already starts with ▁", () => {
    expect(pieces(" мир")).toEqual(ids("▁мир"));
  });
});

describe("normalisation", () => {
  it("collapses runs of spaces (Replace) and keeps a trailing one as ▁", () => {
    expect(pieces("привет    мир")).toEqual(ids("▁привет", "▁мир"));
    expect(pieces("мир ")).toEqual(ids("▁мир", "▁"));
    const stripped = tokenizer({
      normalizer: {
        type: "Sequence",
        normalizers: [
          { type: "Precompiled", precompiled_charsmap: "" },
          { type: "Strip", strip_left: false, strip_right: true },
          { type: "Replace", pattern: { Regex: " {2,}" }, content: "▁" },
        ],
      },
    });
    expect(pieces("мир  ", stripped)).toEqual(ids("▁мир"));
  });

  it("maps tabs, line breaks and zero-width spaces to spaces and drops control characters (Nmt)", () => {
    expect(pieces("привет\tмир")).toEqual(ids("▁привет", "▁мир"));
    expect(pieces("привет\r\n\u200bмир")).toEqual(ids("▁привет", "▁мир"));
    expect(pieces("при\u0007в\u001fет")).toEqual(ids("▁привет"));
  });

  it("composes and folds characters (NFKC): a decomposed й, full-width and ligature forms", () => {
    expect(pieces("мои\u0306")).toEqual(ids("▁мой"));
    expect(pieces("！")).toEqual(ids("▁", "!"));
    // Without a normalizer the decomposed letter stays two characters: и, then an unknown mark.
    expect(pieces("мои\u0306", tokenizer({ normalizer: null }))).toEqual([
      ...ids("▁", "м", "о", "и"),
      ID.get("<unk>")!,
    ]);
  });

  it("reads a Replace with a plain string pattern literally", () => {
    const replace = tokenizer({ normalizer: { type: "Replace", pattern: { String: "." }, content: "!" } });
    expect(pieces("мир.", replace)).toEqual(ids("▁мир", "!"));
    expect(pieces("мир", replace)).toEqual(ids("▁мир"));
  });
});

describe("unknown characters", () => {
  it("fuses a run of unknown characters into one <unk>, emoji included", () => {
    expect(pieces("мир😀😀")).toEqual([...ids("▁мир"), ID.get("<unk>")!]);
    expect(pieces("😀 zz мир")).toEqual([...ids("▁"), 3, ...ids("▁"), 3, ...ids("▁мир")]);
  });

  it("costs an unknown character 10 below the lowest score, so a covering piece can beat it", () => {
    const covering = tokenizer({}, [...VOCAB, ["▁мо", -1], ["▁м", -6], ["оё", -6.5]]);
    // ▁м + оё (-12.5) beats ▁мо + <unk> (-1 - 7.5 - 10 = -18.5); a penalty of 3 would flip it.
    expect(pieces("моё", covering)).toEqual([VOCAB.length + 1, VOCAB.length + 2]);
  });

  it("gives the UTF-8 bytes' <0xNN> pieces with byte_fallback, <unk> when a byte piece is missing", () => {
    const bytes: Array<readonly [string, number]> = ["F0", "9F", "98", "80"].map((b) => [`<0x${b}>`, -20]);
    const fallback = tokenizer({ model: { byte_fallback: true } }, [...VOCAB, ...bytes]);
    const byteId = (b: string) => VOCAB.length + ["F0", "9F", "98", "80"].indexOf(b);
    expect(pieces("мир😀", fallback)).toEqual([...ids("▁мир"), ...["F0", "9F", "98", "80"].map(byteId)]);
    // 😁 is F0 9F 98 81: no <0x81> piece.
    expect(pieces("мир😁", fallback)).toEqual([...ids("▁мир"), 3]);
  });
});

describe("added tokens", () => {
  it("takes special tokens out of the text before normalising, lstrip eating the spaces before", () => {
    expect(pieces("<s>мир</s>")).toEqual(ids("<s>", "▁мир", "</s>"));
    expect(pieces("привет   <mask> мир")).toEqual(ids("▁привет", "<mask>", "▁мир"));
  });

  it("matches a single_word token only as a whole word", () => {
    const word = tokenizer({
      added_tokens: [
        { id: 8, content: "мир", single_word: true, lstrip: false, rstrip: false, normalized: false },
      ],
    });
    expect(pieces("мир", word)).toEqual(ids("▁мир"));
    expect(pieces("миров", word)).toEqual([...ids("▁мир"), ...ids("о", "в")]);
    // 𝐀 (U+1D400, a surrogate pair) is a letter: not a word boundary either.
    expect(pieces("𝐀мир", word)).toEqual([...ids("▁"), 3, ...ids("м", "и", "р")]);
    expect(pieces("!мир!", word)).toEqual([...ids("▁", "!"), 8, ...ids("▁", "!")]);
  });
});

describe("truncation and the probe", () => {
  it("cuts the text's tokens to the budget and keeps <s> and </s>", () => {
    expect(xlmr.encode("привет мир мир мир", 4)).toEqual(ids("<s>", "▁привет", "▁мир", "</s>"));
    expect(xlmr.encode("биткоин", 3)).toEqual(ids("<s>", "▁бит", "</s>"));
    expect(xlmr.encode("", 3)).toEqual(ids("<s>", "</s>"));
  });

  it("probes with <s>, unknowns, </s>", () => {
    expect(xlmr.probeIds(5)).toEqual(ids("<s>", "<unk>", "<unk>", "<unk>", "</s>"));
  });

  it("stays fast on a 250,000-piece vocabulary and a 4,096-character text without spaces", () => {
    const big: Array<[string, number]> = VOCAB.map(([p, s]) => [p, s]);
    const letters = [..."абвгдежзийклмнопрстуфхцчшщыьэюяіїєґ中国人京東"];
    let seed = 7;
    const random = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 4294967296;
    };
    const seen = new Set(big.map(([p]) => p));
    while (big.length < 250_000) {
      let piece = random() < 0.5 ? "▁" : "";
      const length = 1 + Math.floor(random() * random() * 12);
      for (let k = 0; k < length; k++) piece += letters[Math.floor(random() * letters.length)];
      if (seen.has(piece)) continue;
      seen.add(piece);
      big.push([piece, -2 - random() * 10]);
    }
    let text = "";
    while (text.length < 4_096) text += letters[Math.floor(random() * letters.length)];
    const started = performance.now();
    const loaded = tokenizer({}, big);
    const ids = loaded.encode(text, 100_000);
    const elapsed = performance.now() - started;
    expect(ids.length).toBeGreaterThan(400);
    // Measured ~0.5 s to build and ~5 ms to encode on a loaded 2-core machine; a quadratic
    // lattice or a string per lookup would take far longer.
    expect(elapsed).toBeLessThan(15_000);
  });
});

describe("tokenizer.json problems", () => {
  const load = (document: unknown) => () => tokenizerFromFiles({ tokenizerJson: JSON.stringify(document) });
  const valid = JSON.parse(unigramTokenizerJson(VOCAB)) as Record<string, unknown>;

  it("picks the tokenizer by model.type", () => {
    expect(tokenizerFromFiles({ tokenizerJson: JSON.stringify(valid) }).tokenizer.kind).toBe("Unigram");
  });

  it("refuses a BPE tokenizer, naming what is supported", () => {
    expect(load({ ...valid, model: { type: "BPE", vocab: {}, merges: [] } })).toThrow(
      /tokenizer.json uses a BPE model; supported: WordPiece .+ and Unigram .+multilingual-e5/,
    );
  });

  it("refuses normalizers, pre-tokenizers and post-processors it does not run, naming them", () => {
    expect(load({ ...valid, normalizer: { type: "BertNormalizer" } })).toThrow(
      "tokenizer.json: the BertNormalizer normalizer is not supported with a Unigram model (supported: Sequence, Precompiled",
    );
    expect(load({ ...valid, pre_tokenizer: { type: "ByteLevel" } })).toThrow(
      "the ByteLevel pre_tokenizer is not supported with a Unigram model (supported: Metaspace, WhitespaceSplit",
    );
    expect(load({ ...valid, post_processor: { type: "ByteLevel" } })).toThrow(
      "the ByteLevel post_processor is not supported",
    );
    expect(
      load({ ...valid, normalizer: { type: "Replace", pattern: { Regex: "(?<" }, content: "" } }),
    ).toThrow(/the Replace normalizer's pattern "\(\?<" is not supported/);
  });

  it("refuses a broken vocabulary or unk_id with TokenizerFormatError", () => {
    const model = valid.model as Record<string, unknown>;
    expect(load({ ...valid, model: { ...model, vocab: [] } })).toThrow("the Unigram vocabulary is empty");
    expect(load({ ...valid, model: { ...model, vocab: [["a", "high"]] } })).toThrow(
      "Unigram vocab entry 0 is not [piece, score]",
    );
    expect(load({ ...valid, model: { ...model, unk_id: 99 } })).toThrow(
      `the Unigram unk_id 99 is not an id of the vocabulary (0–${VOCAB.length - 1})`,
    );
    expect(load({ ...valid, model: { ...model, unk_id: null } })).toThrow(/has no unk_id/);
    expect(load({ ...valid, model: { ...model, vocab: undefined } })).toThrow(TokenizerFormatError);
    const error = (() => {
      try {
        load({ ...valid, added_tokens: [{ content: "<x>" }] })();
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(TokenizerFormatError);
    expect((error as TokenizerFormatError).code).toBe("EMBEDDING_TOKENIZER_INVALID");
  });

  it("reads tokenizer.json's truncation length", () => {
    const truncated = {
      ...valid,
      truncation: { direction: "Right", max_length: 128, strategy: "LongestFirst" },
    };
    expect(tokenizerFromFiles({ tokenizerJson: JSON.stringify(truncated) }).maxLength).toBe(128);
    expect(tokenizerFromFiles({ tokenizerJson: JSON.stringify(valid) }).maxLength).toBeUndefined();
  });
});
