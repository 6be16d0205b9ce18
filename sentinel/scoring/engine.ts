/**
 * The scorer: compiles a validated profile set once (one keyword automaton shared by all profiles,
 * regexes compiled once and shared by identical patterns, VIP lookup tables, one similarity index)
 * and scores messages against it. Pure: no I/O, no clock, no shared mutable state visible outside.
 *
 * A scorer never changes. When profiles change, build a new one and replace the reference the
 * caller holds (`scorer = buildScorer(next)`): a message in flight finishes with the old scorer, the
 * next one sees the new set, and nothing ever sees half of each.
 *
 * Regex safety is two-fold: `parseProfiles` refuses patterns that can backtrack catastrophically
 * (`checkRegexSafety`), and every regex runs on at most MAX_REGEX_INPUT characters of the message,
 * which bounds the polynomial worst cases the static check lets through. Identical patterns
 * (same source and flags) in several profiles are compiled once and run once per message.
 *
 * Semantic rules compare embeddings computed before scoring by the caller (a model is I/O and
 * asynchronous; scoring stays synchronous and pure): the profile texts' vectors when the scorer is
 * built (`ScorerOptions.textEmbeddings`), the message's with each call (`ScoreInput.embedding`).
 */
import type { NormalizedMessage } from "../ingestion/message.ts";
import { KeywordAutomaton, type KeywordSource } from "./keyword-automaton.ts";
import { type FoldedText, foldTerm, foldWithOffsets, originalSpan } from "./normalize.ts";
import type { Profile } from "./profile.ts";
import { mayMatch, type RegexPrefilter, regexPrefilter, TextFacts } from "./regex-prefilter.ts";
import { SemanticIndex, type SemanticSet } from "./semantic.ts";
import { type ExampleSet, SimilarityIndex } from "./similarity.ts";

/**
 * Regexes see at most this many UTF-16 code units of a message: every Telegram message and caption
 * fits (the API limit is 4,096), and it bounds what a pattern that slipped past the static check
 * can cost. Matches starting beyond it are not found.
 */
export const MAX_REGEX_INPUT = 4_096;
/** Longer texts are scored on their first this many code units (keywords included). */
export const MAX_SCORED_TEXT = 100_000;
/** Example texts quoted in a similarity reason are cut to this length. */
export const MAX_REASON_EXAMPLE_LENGTH = 80;
/** Scores and similarities are rounded to this many decimals (no float noise in the UI). */
export const SCORE_DECIMALS = 4;

export type ReasonKind = "keyword" | "regex" | "vip" | "mention" | "engagement" | "similarity" | "semantic";

/** Why a profile scored: one matched keyword, regex or signal. */
export interface Reason {
  kind: ReasonKind;
  /** The keyword or pattern as the profile wrote it; the VIP; "mentions_me"; the engagement rule; the example or semantic text. */
  term: string;
  weight: number;
  /** UTF-16 offset where the match starts in the ORIGINAL message text (keyword and regex). */
  start?: number;
  /** UTF-16 offset where the match ends (exclusive). */
  end?: number;
  /** The matched original substring. */
  text?: string;
  /** Cosine similarity to the closest example (similarity reasons) or semantic text (semantic reasons). */
  similarity?: number;
}

/** One profile's verdict on one message. */
export interface ProfileScore {
  profile: string;
  score: number;
  threshold: number;
  alert: boolean;
  /** In a stable order: by kind (keyword, regex, vip, mention, engagement, similarity, semantic), then position, then term. */
  reasons: Reason[];
}

/** What scoring needs besides the message, computed before (asynchronously) by the caller. */
export interface ScoreInput {
  /** The message text's embedding from the same model as the scorer's `textEmbeddings`; semantic rules skip without it. */
  embedding?: Float32Array | null;
}

export interface ScorerOptions {
  /**
   * Embeddings of the profiles' `semantic.texts` (see `semanticTexts`), by text. A semantic rule
   * with a text missing here stays inactive: without a model, semantic rules never score.
   */
  textEmbeddings?: ReadonlyMap<string, Float32Array>;
}

export interface Scorer {
  /** The profile set this scorer was built from. */
  readonly profiles: readonly Profile[];
  /** True when some active semantic rule compares message embeddings: pass `embedding` to score(). */
  readonly semanticActive: boolean;
  /**
   * Scores a message against every enabled profile whose chat filter admits it; only profiles that
   * scored above zero are returned, in profile order.
   */
  score(message: NormalizedMessage, input?: ScoreInput): ProfileScore[];
}

const KIND_ORDER: Record<ReasonKind, number> = {
  keyword: 0,
  regex: 1,
  vip: 2,
  mention: 3,
  engagement: 4,
  similarity: 5,
  semantic: 6,
};

export function roundScore(value: number): number {
  const factor = 10 ** SCORE_DECIMALS;
  return Math.round(value * factor) / factor;
}

interface ChatFilter {
  includeIds: Set<string>;
  includeTitles: Set<string>;
  excludeIds: Set<string>;
  excludeTitles: Set<string>;
  hasInclude: boolean;
}

interface CompiledProfile {
  profile: Profile;
  chatFilter: ChatFilter | null;
}

interface SharedRegex {
  regex: RegExp;
  /** Characters every match contains: a text without them skips the regex. */
  prefilter: RegexPrefilter | null;
  owners: Array<{ profileIndex: number; pattern: string; weight: number }>;
}

type Owner = { profileIndex: number; term: string; weight: number };

function addOwner(map: Map<string, Owner[]>, key: string, owner: Owner): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [owner]);
  else list.push(owner);
}

function chatKeys(entries: ReadonlyArray<string | number>): { ids: Set<string>; titles: Set<string> } {
  const ids = new Set<string>();
  const titles = new Set<string>();
  for (const entry of entries) {
    const text = String(entry).trim();
    // Every entry is tried as an id and as a title: a chat may be titled "2024".
    ids.add(text);
    titles.add(foldTerm(text));
    if (text.startsWith("@")) titles.add(`@${text.slice(1).toLowerCase()}`);
  }
  return { ids, titles };
}

function compileChatFilter(profile: Profile): ChatFilter | null {
  const { include, exclude } = profile.chats;
  if (include.length === 0 && exclude.length === 0) return null;
  const inc = chatKeys(include);
  const exc = chatKeys(exclude);
  return {
    includeIds: inc.ids,
    includeTitles: inc.titles,
    excludeIds: exc.ids,
    excludeTitles: exc.titles,
    hasInclude: include.length > 0,
  };
}

function chatMatches(
  ids: Set<string>,
  titles: Set<string>,
  message: NormalizedMessage,
  foldedTitle: string,
): boolean {
  if (ids.has(message.chatId) || titles.has(foldedTitle)) return true;
  return (
    message.chatUsername !== null && titles.has(`@${message.chatUsername.replace(/^@/, "").toLowerCase()}`)
  );
}

/** A chat title folded when first needed (most profiles have no chat filter). */
class FoldedTitle {
  private folded: string | null = null;
  constructor(private readonly title: string) {}
  get value(): string {
    this.folded ??= foldTerm(this.title);
    return this.folded;
  }
}

function admits(filter: ChatFilter | null, message: NormalizedMessage, title: FoldedTitle): boolean {
  if (filter === null) return true;
  if (chatMatches(filter.excludeIds, filter.excludeTitles, message, title.value)) return false;
  return !filter.hasInclude || chatMatches(filter.includeIds, filter.includeTitles, message, title.value);
}

/** Adds a reason to a profile's list. */
function addReason(reasons: Map<number, Reason[]>, profileIndex: number, reason: Reason): void {
  const list = reasons.get(profileIndex);
  if (list === undefined) reasons.set(profileIndex, [reason]);
  else list.push(reason);
}

/** Cuts text to `max` code units without splitting a surrogate pair. */
function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

function quoteExample(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length <= MAX_REASON_EXAMPLE_LENGTH ? flat : `${cutText(flat, MAX_REASON_EXAMPLE_LENGTH - 1)}…`;
}

function compareReasons(a: Reason, b: Reason): number {
  return (
    KIND_ORDER[a.kind] - KIND_ORDER[b.kind] ||
    (a.start ?? Number.MAX_SAFE_INTEGER) - (b.start ?? Number.MAX_SAFE_INTEGER) ||
    (a.end ?? 0) - (b.end ?? 0) ||
    (a.term < b.term ? -1 : a.term > b.term ? 1 : 0)
  );
}

class CompiledScorer implements Scorer {
  readonly profiles: readonly Profile[];
  private readonly compiled: CompiledProfile[];
  private readonly automaton: KeywordAutomaton;
  private readonly regexes: SharedRegex[];
  private readonly vipById = new Map<string, Owner[]>();
  private readonly vipByUsername = new Map<string, Owner[]>();
  private readonly vipByName = new Map<string, Owner[]>();
  private readonly vipNameFolded: boolean;
  private readonly mentionProfiles: number[] = [];
  private readonly engagementProfiles: number[] = [];
  private readonly similarity: SimilarityIndex;
  private readonly semantic: SemanticIndex;
  /** The scan in progress (see `onKeywordHit`). */
  private hits: { text: string; folded: FoldedText; reasons: Map<number, Reason[]> } | null = null;

  /** The keyword automaton's visitor, made once: adds a keyword reason to the scan in progress. */
  private readonly onKeywordHit = (
    profileIndex: number,
    keywordIndex: number,
    start: number,
    end: number,
  ) => {
    const { text, folded, reasons } = this.hits!;
    const keyword = this.profiles[profileIndex]!.keywords[keywordIndex]!;
    const span = originalSpan(folded, start, end);
    addReason(reasons, profileIndex, {
      kind: "keyword",
      term: keyword.term,
      weight: keyword.weight,
      start: span.start,
      end: span.end,
      text: text.slice(span.start, span.end),
    });
  };

  constructor(profiles: readonly Profile[], options: ScorerOptions) {
    this.profiles = profiles;
    this.compiled = profiles.map((profile) => ({ profile, chatFilter: compileChatFilter(profile) }));

    const keywords: KeywordSource[] = [];
    const regexByKey = new Map<string, SharedRegex>();
    const exampleSets: ExampleSet[] = [];
    const semanticSets: SemanticSet[] = [];
    const textEmbeddings = options.textEmbeddings;
    profiles.forEach((profile, profileIndex) => {
      if (!profile.enabled) return;
      profile.keywords.forEach((keyword, keywordIndex) => {
        if (keyword.weight > 0) keywords.push({ profileIndex, keywordIndex, folded: foldTerm(keyword.term) });
      });
      for (const entry of profile.regex) {
        if (entry.weight === 0) continue;
        const key = `${entry.flags}/${entry.pattern}`;
        let shared = regexByKey.get(key);
        if (shared === undefined) {
          shared = {
            regex: new RegExp(entry.pattern, entry.flags),
            prefilter: regexPrefilter(entry.pattern, entry.flags),
            owners: [],
          };
          regexByKey.set(key, shared);
        }
        shared.owners.push({ profileIndex, pattern: entry.pattern, weight: entry.weight });
      }
      for (const vip of profile.vip_senders) {
        if (vip.weight === 0) continue;
        if (vip.id !== undefined)
          addOwner(this.vipById, vip.id, { profileIndex, term: vip.id, weight: vip.weight });
        else if (vip.username !== undefined) {
          const username = vip.username.replace(/^@/, "").toLowerCase();
          addOwner(this.vipByUsername, username, { profileIndex, term: `@${username}`, weight: vip.weight });
        } else if (vip.name !== undefined) {
          addOwner(this.vipByName, foldTerm(vip.name), { profileIndex, term: vip.name, weight: vip.weight });
        }
      }
      if (profile.mentions_me !== undefined && profile.mentions_me.weight > 0)
        this.mentionProfiles.push(profileIndex);
      if (profile.engagement !== undefined && profile.engagement.weight > 0)
        this.engagementProfiles.push(profileIndex);
      if (profile.examples !== undefined && profile.examples.weight > 0) {
        exampleSets.push({ profileIndex, texts: profile.examples.texts });
      }
      if (profile.semantic !== undefined && profile.semantic.weight > 0 && textEmbeddings !== undefined) {
        const vectors = profile.semantic.texts.map((text) => textEmbeddings.get(text));
        if (vectors.every((v) => v !== undefined)) semanticSets.push({ profileIndex, vectors });
      }
    });
    this.automaton = KeywordAutomaton.build(keywords);
    this.regexes = [...regexByKey.values()];
    this.vipNameFolded = this.vipByName.size > 0;
    this.similarity = SimilarityIndex.build(exampleSets);
    this.semantic = SemanticIndex.build(semanticSets);
  }

  get semanticActive(): boolean {
    return this.semantic.textCount > 0;
  }

  score(message: NormalizedMessage, input: ScoreInput = {}): ProfileScore[] {
    const text = cutText(message.text, MAX_SCORED_TEXT);
    const reasons = new Map<number, Reason[]>();

    let folded: FoldedText | null = null;
    if (this.automaton.patternCount > 0 || this.similarity.exampleCount > 0) folded = foldWithOffsets(text);

    if (folded !== null && this.automaton.patternCount > 0) {
      // The visitor is made once per scorer; it reads this scan's text from the fields (score is
      // synchronous, so one scan runs at a time).
      this.hits = { text, folded, reasons };
      this.automaton.scan(folded.text, this.onKeywordHit);
      this.hits = null;
    }

    if (this.regexes.length > 0) {
      const input = cutText(text, MAX_REGEX_INPUT);
      // Case-insensitive literals are looked for in the folded text when there is one (it holds
      // every ASCII character of the input, lower-cased), instead of lower-casing the input again.
      const facts = new TextFacts(input, folded?.text ?? null);
      for (const shared of this.regexes) {
        if (!mayMatch(shared.prefilter, facts)) continue;
        const match = shared.regex.exec(input);
        if (match === null || match[0].length === 0) continue;
        for (const owner of shared.owners) {
          addReason(reasons, owner.profileIndex, {
            kind: "regex",
            term: owner.pattern,
            weight: owner.weight,
            start: match.index,
            end: match.index + match[0].length,
            text: match[0],
          });
        }
      }
    }

    this.addVipReasons(message, reasons);

    if (message.mentionsMe) {
      for (const profileIndex of this.mentionProfiles) {
        addReason(reasons, profileIndex, {
          kind: "mention",
          term: "mentions_me",
          weight: this.profiles[profileIndex]!.mentions_me!.weight,
        });
      }
    }

    for (const profileIndex of this.engagementProfiles) {
      const rule = this.profiles[profileIndex]!.engagement!;
      const reactions = rule.min_reactions !== undefined && message.reactions >= rule.min_reactions;
      const forwards = rule.min_forwards !== undefined && message.forwards >= rule.min_forwards;
      if (!reactions && !forwards) continue;
      const term =
        reactions && forwards
          ? `reactions>=${rule.min_reactions},forwards>=${rule.min_forwards}`
          : reactions
            ? `reactions>=${rule.min_reactions}`
            : `forwards>=${rule.min_forwards}`;
      addReason(reasons, profileIndex, { kind: "engagement", term, weight: rule.weight });
    }

    if (folded !== null && this.similarity.exampleCount > 0) {
      for (const match of this.similarity.bestMatches(folded.text)) {
        const examples = this.profiles[match.profileIndex]!.examples!;
        const similarity = roundScore(match.similarity);
        if (similarity < examples.min_similarity) continue;
        addReason(reasons, match.profileIndex, {
          kind: "similarity",
          term: quoteExample(examples.texts[match.exampleIndex]!),
          weight: examples.weight,
          similarity,
        });
      }
    }

    if (input.embedding && this.semantic.textCount > 0) {
      for (const match of this.semantic.bestMatches(input.embedding)) {
        const rule = this.profiles[match.profileIndex]!.semantic!;
        const similarity = roundScore(match.similarity);
        if (similarity < rule.min_similarity) continue;
        addReason(reasons, match.profileIndex, {
          kind: "semantic",
          term: quoteExample(rule.texts[match.textIndex]!),
          weight: rule.weight,
          similarity,
        });
      }
    }

    return this.collect(message, reasons);
  }

  private addVipReasons(message: NormalizedMessage, reasons: Map<number, Reason[]>): void {
    const byId = message.senderId !== null ? this.vipById.get(message.senderId) : undefined;
    const byUsername =
      message.senderUsername !== null && this.vipByUsername.size > 0
        ? this.vipByUsername.get(message.senderUsername.replace(/^@/, "").toLowerCase())
        : undefined;
    const byName =
      this.vipNameFolded && message.senderName !== null
        ? this.vipByName.get(foldTerm(message.senderName))
        : undefined;
    if (byId === undefined && byUsername === undefined && byName === undefined) return;
    // One reason per VIP entry, even if id and username both point at the sender.
    const seen = new Set<string>();
    for (const owners of [byId, byUsername, byName]) {
      if (owners === undefined) continue;
      for (const owner of owners) {
        const key = `${owner.profileIndex}\u0000${owner.term}`;
        if (seen.has(key)) continue;
        seen.add(key);
        addReason(reasons, owner.profileIndex, { kind: "vip", term: owner.term, weight: owner.weight });
      }
    }
  }

  private collect(message: NormalizedMessage, reasons: Map<number, Reason[]>): ProfileScore[] {
    if (reasons.size === 0) return [];
    const title = new FoldedTitle(message.chatTitle);
    const results: ProfileScore[] = [];
    for (const profileIndex of [...reasons.keys()].sort((a, b) => a - b)) {
      const { profile, chatFilter } = this.compiled[profileIndex]!;
      if (!admits(chatFilter, message, title)) continue;
      const list = reasons.get(profileIndex)!.sort(compareReasons);
      let sum = 0;
      for (const reason of list) sum += reason.weight;
      const score = roundScore(sum);
      if (score <= 0) continue;
      results.push({
        profile: profile.name,
        score,
        threshold: profile.threshold,
        alert: score >= profile.threshold,
        reasons: list,
      });
    }
    return results;
  }
}

/**
 * Compiles a validated profile set (from `parseProfiles`) into a scorer; `options.textEmbeddings`
 * activates its semantic rules.
 */
export function buildScorer(profiles: readonly Profile[], options: ScorerOptions = {}): Scorer {
  return new CompiledScorer(profiles, options);
}

/** One message with the profiles it scored on (only messages that scored somewhere). */
export interface ScoredMessage {
  message: NormalizedMessage;
  scores: ProfileScore[];
}

/** Scores many messages (backtests, benchmarks); keeps only messages that scored on some profile. */
export function scoreAll(scorer: Scorer, messages: Iterable<NormalizedMessage>): ScoredMessage[] {
  const out: ScoredMessage[] = [];
  for (const message of messages) {
    const scores = scorer.score(message);
    if (scores.length > 0) out.push({ message, scores });
  }
  return out;
}
