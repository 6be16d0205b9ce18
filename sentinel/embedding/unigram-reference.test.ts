/**
 * Our Unigram tokenizer against an independent implementation: @huggingface/tokenizers (the
 * pure-JavaScript port of Hugging Face's tokenizers, a devDependency), on the same tokenizer.json,
 * over a multilingual sample. The vocabularies are generated from the sample (pieces of its words,
 * seeded random scores, some characters and pieces left out), so segmentations are full of
 * overlapping candidates, and of unknown characters competing with pieces that cover them.
 */
import { Tokenizer } from "@huggingface/tokenizers";
import { describe, expect, it } from "vitest";
import { unigramTokenizerJson, XLMR_SPECIALS } from "../testing/tiny-onnx-model.ts";
import { unigramFromTokenizerJson } from "./unigram.ts";

const SAMPLE = [
  "Биткоин-кошелёк взломали, украдено 3,5 BTC! Подробности: https://example.com/news?id=42",
  "Мій біткоїн-гаманець зламали — вкрали 3,5 BTC. Що робити?",
  "Криптовалюта падает: инвесторы в панике, биржа остановила торги",
  "¿Dónde está la mañana? Niño, señor, acción: ¡cartera hackeada!",
  "Straße, Größe, übermäßig — ÄÖÜ äöü ß; Bitcoin-Wallet gehackt",
  "L'œuvre d'été coûte 5 € ; « Ça va ? » Portefeuille piraté",
  "比特币钱包被盗了，损失惨重。交易所暂停提现。",
  "東京でビットコインのウォレットがハッキングされた！ｶﾀｶﾅ　全角スペース",
  "tab\tnew\nline\r\nnbsp\u00a0zw\u200bspace  double   triple\u3000ideographic",
  "ＡＢＣ１２３ ﬁ ① ㍿ ～ ™ ½",
  "Привет 👋🏽 мир 🇺🇦 test 😀😀 end",
  "<s>начало</s> и <mask> конец <unk>",
  "й ё Й и\u0306 е\u0308 Ё",
  "مرحبا بالعالم שלום עולם สวัสดีชาวโลก नमस्ते दुनिया",
  "안녕하세요 세계, Γειά σου Κόσμε",
  "   leading and trailing spaces   ",
  "ctrl\u0007chars\u001fremoved\u007f here",
];

/** The normalisation both implementations apply to Precompiled, to derive pieces that match. */
function normalizedWords(text: string): string[] {
  const nmt = text
    .replace(/[\u0001-\u0008\u000b\u000e-\u001f\u007f\u008f\u009f]/gu, "")
    .replace(/[\t\n\f\r\u1680\u200b-\u200f\u2028\u2029\u2581\ufeff\ufffd]/gu, " ");
  return nmt
    .normalize("NFKC")
    .split(" ")
    .filter((w) => w.length > 0);
}

interface Generation {
  /** Longest piece, in characters. */
  longest: number;
  /** Share of the longer pieces left out. */
  leaveOut: number;
}

function generatedVocabulary({ longest, leaveOut }: Generation): Array<[string, number]> {
  let seed = 12_345;
  const random = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 4294967296;
  };
  const vocab: Array<[string, number]> = XLMR_SPECIALS.map((piece) => [piece, 0]);
  const seen = new Set<string>(XLMR_SPECIALS);
  vocab.push(["▁", -3]);
  seen.add("▁");
  let singles = 0;
  for (const text of SAMPLE) {
    for (const word of normalizedWords(text)) {
      const chars = [...`▁${word}`];
      for (let start = 0; start < chars.length; start++) {
        for (let length = 1; length <= longest && start + length <= chars.length; length++) {
          const piece = chars.slice(start, start + length).join("");
          if (seen.has(piece) || piece === "▁") continue;
          seen.add(piece);
          // Leave out every third character alone and some longer pieces: characters that no
          // piece of the best path covers become unknown.
          if (length === 1 ? singles++ % 3 === 0 : random() < leaveOut) continue;
          vocab.push([piece, -(1 + random() * 4 + length * random() * 2)]);
        }
      }
    }
  }
  return vocab;
}

describe.each([
  ["dense", { longest: 6, leaveOut: 0.3 }, 7],
  ["sparse", { longest: 3, leaveOut: 0.7 }, 30],
] as const)(
  "Unigram tokenisation against @huggingface/tokenizers, %s vocabulary",
  (_, generation, unknownRuns) => {
    const vocab = generatedVocabulary(generation);
    const json = unigramTokenizerJson(vocab);
    const ours = unigramFromTokenizerJson(JSON.parse(json) as Record<string, unknown>);
    const reference = new Tokenizer(JSON.parse(json), {});

    it("has a vocabulary with ambiguity and unknown characters", () => {
      expect(vocab.length).toBeGreaterThan(400);
      const unknowns = SAMPLE.flatMap((text) => ours.contentIds(text)).filter((id) => id === 3).length;
      expect(unknowns).toBeGreaterThanOrEqual(unknownRuns);
    });

    it.each(SAMPLE.map((text) => [JSON.stringify(text).slice(0, 50), text]))(
      "gives the same ids for %s",
      (_, text) => {
        expect(ours.encode(text!, 100_000)).toEqual(reference.encode(text!).ids);
      },
    );
  },
);
