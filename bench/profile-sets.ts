/**
 * Profile sets for the benchmark, built like a user would write them (keywords with weights,
 * regexes, VIP senders, mentions, engagement) and validated by the real `parseProfiles`.
 */
import { type Profile, parseProfiles } from "../sentinel/scoring/profile.ts";
import { SeededRandom } from "../sentinel/scoring/seeded-random.ts";
import { corpusUserId } from "./message-corpus.ts";
import type { TopicTerm } from "./topic-terms.ts";
import { COMMON_PATTERNS, profilePatterns } from "./watched-patterns.ts";

/** Options of {@link benchProfiles}. */
export interface ProfileSetOptions {
  profiles: number;
  keywordsPerProfile: number;
  /** Regexes per profile: the first two from the shared pool, the rest the profile's own. */
  regexesPerProfile: number;
  /** The topic terms (most popular first) keywords are drawn from. */
  terms: readonly TopicTerm[];
  /** Keywords come from the `keywordPool` most popular terms (all terms when omitted). */
  keywordPool?: number;
  /** Also VIP senders, mention and engagement rules (default true); keywords and regexes only when false. */
  signals?: boolean;
  seed: number;
}

const WEIGHTS = [0.5, 1, 1, 1, 1.5, 2];

/** A validated profile set; throws if the real validation refuses it (a benchmark bug). */
export function benchProfiles(options: ProfileSetOptions): Profile[] {
  const random = new SeededRandom(options.seed);
  const pool = Math.min(options.keywordPool ?? options.terms.length, options.terms.length);
  const input = [];
  for (let index = 0; index < options.profiles; index++) {
    const keywords = new Set<number>();
    while (keywords.size < Math.min(options.keywordsPerProfile, pool)) keywords.add(random.int(0, pool - 1));
    const regex = [];
    for (let r = 0; r < options.regexesPerProfile; r++) {
      const own = profilePatterns(index);
      const watched =
        r < 2 ? COMMON_PATTERNS[(index * 2 + r) % COMMON_PATTERNS.length]! : own[(r - 2) % own.length]!;
      regex.push({ pattern: watched.pattern, flags: watched.flags, weight: random.pick([1, 1.5, 2]) });
    }
    input.push({
      name: `bench-${index}`,
      threshold: 2,
      keywords: [...keywords].map((rank) => ({
        term: options.terms[rank]!.term,
        weight: random.pick(WEIGHTS),
      })),
      regex,
      ...(options.signals === false
        ? {}
        : {
            vip_senders: [0, 1, 2].map(() => ({ id: corpusUserId(random.int(0, 1_999)), weight: 1 })),
            ...(index % 4 === 0 ? { mentions_me: { weight: 2 } } : {}),
            ...(index % 5 === 0 ? { engagement: { weight: 1, min_reactions: 1_000 } } : {}),
          }),
    });
  }
  const parsed = parseProfiles({ profiles: input });
  if (!parsed.ok) {
    throw new Error(`benchmark profiles are invalid: ${JSON.stringify(parsed.errors.slice(0, 3))}`);
  }
  return parsed.profiles;
}
