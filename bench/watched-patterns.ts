/**
 * The regular expressions benchmark profiles watch for, and text that matches them, so the
 * corpus mentions CVE ids, tickers, addresses and ticket numbers at a realistic rate.
 */
import type { SeededRandom } from "../sentinel/scoring/seeded-random.ts";

export interface WatchedPattern {
  pattern: string;
  flags: string;
  /** A piece of message text this pattern finds. */
  sample(random: SeededRandom): string;
}

const HEX = "0123456789abcdef";
const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

function chars(random: SeededRandom, alphabet: string, length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) out += alphabet[random.int(0, alphabet.length - 1)];
  return out;
}

/** Patterns many users watch (profiles share them; the scorer compiles each once). */
export const COMMON_PATTERNS: readonly WatchedPattern[] = [
  {
    pattern: String.raw`\bCVE-\d{4}-\d{4,7}\b`,
    flags: "",
    sample: (r) => `CVE-20${r.int(10, 26)}-${r.int(1000, 99999)}`,
  },
  {
    pattern: String.raw`\$[A-Z]{2,5}\b`,
    flags: "",
    sample: (r) => `$${r.pick(["BTC", "ETH", "TON", "AAPL", "NVDA", "SOL", "TSLA"])}`,
  },
  {
    pattern: String.raw`\b(?:\d{1,3}\.){3}\d{1,3}\b`,
    flags: "",
    sample: (r) => `${r.int(1, 223)}.${r.int(0, 255)}.${r.int(0, 255)}.${r.int(1, 254)}`,
  },
  {
    pattern: String.raw`[+-]\d{1,2}(?:[.,]\d)?\s?%`,
    flags: "",
    sample: (r) => `${r.pick(["+", "-"])}${r.int(1, 60)},${r.int(0, 9)}%`,
  },
  {
    pattern: String.raw`\b[a-z2-7]{16,56}\.onion\b`,
    flags: "",
    sample: (r) => `http://${chars(r, BASE32, r.pick([16, 56]))}.onion`,
  },
  {
    pattern: "#(?:breaking|срочно|urgent|alerta|eilmeldung)",
    flags: "iu",
    sample: (r) => r.pick(["#breaking", "#срочно", "#Urgent", "#alerta", "#Eilmeldung"]),
  },
  {
    pattern: String.raw`\b[0-9a-f]{64}\b`,
    flags: "i",
    sample: (r) => chars(r, HEX, 64),
  },
  {
    pattern: String.raw`\b0x[0-9a-fA-F]{40}\b`,
    flags: "",
    sample: (r) => `0x${chars(r, HEX, 40)}`,
  },
  {
    pattern: String.raw`\b\d{1,6}(?:[.,]\d{1,2})?\s?(?:USD|EUR|UAH|руб|грн)`,
    flags: "u",
    sample: (r) => `${r.int(1, 250000)} ${r.pick(["USD", "EUR", "UAH", "руб", "грн"])}`,
  },
  {
    pattern: String.raw`\b(?:block|блок)\s?#?\d{6,9}\b`,
    flags: "iu",
    sample: (r) => `${r.pick(["block", "Block", "блок"])} #${r.int(100000, 99999999)}`,
  },
];

/** A short tag of letters that names profile `index` in its own patterns ("PAA", "PAB", …). */
export function profileTag(index: number): string {
  const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  return `P${letters[Math.floor(index / 26) % 26]}${letters[index % 26]}`;
}

/** Patterns only profile `index` watches: its ticket ids, its release numbers, its build ids. */
export function profilePatterns(index: number): WatchedPattern[] {
  const tag = profileTag(index);
  return [
    {
      pattern: String.raw`\b${tag}-\d{3,6}\b`,
      flags: "",
      sample: (r) => `${tag}-${r.int(100, 999999)}`,
    },
    {
      pattern: String.raw`\b${tag}\s?v\d{1,2}\.\d{1,3}\b`,
      flags: "i",
      sample: (r) => `${tag} v${r.int(1, 20)}.${r.int(0, 300)}`,
    },
    {
      pattern: String.raw`\bbuild-${tag.toLowerCase()}-[0-9a-f]{7}\b`,
      flags: "",
      sample: (r) => `build-${tag.toLowerCase()}-${chars(r, HEX, 7)}`,
    },
  ];
}
