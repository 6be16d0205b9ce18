/**
 * The profile editor's form model and its conversion to and from the profile `definition` the
 * server stores (snake_case, as the sentinel's scoring takes it). Unknown keys of a definition
 * are kept, so fields this editor does not know about survive an edit.
 */

export interface KeywordRow {
  term: string;
  weight: number | null;
}

export interface RegexRow {
  pattern: string;
  flags: string;
  weight: number | null;
}

/** A VIP sender: "@username", a numeric user id, or a display name. */
export interface VipRow {
  who: string;
  weight: number | null;
}

/** How often a profile digest runs (the sentinel's `digests[].every`). */
export const DIGEST_EVERY = ["hourly", "4h", "6h", "12h", "daily", "weekly"] as const;
export type DigestEvery = (typeof DIGEST_EVERY)[number];
export const DIGEST_WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type DigestWeekday = (typeof DIGEST_WEEKDAYS)[number];
/** At most this many digest schedules per profile (the sentinel refuses more). */
export const MAX_PROFILE_DIGESTS = 3;
/** What the sentinel fills in when a schedule leaves them out. */
export const DIGEST_ROW_DEFAULTS = { atHour: 8, weekday: "mon", topN: 20 } as const;

/** One digest schedule: `atHour` counts for daily and weekly, `weekday` for weekly only. */
export interface DigestRow {
  every: DigestEvery;
  atHour: number;
  weekday: DigestWeekday;
  topN: number | null;
}

export function emptyDigestRow(): DigestRow {
  return {
    every: "daily",
    atHour: DIGEST_ROW_DEFAULTS.atHour,
    weekday: DIGEST_ROW_DEFAULTS.weekday,
    topN: null,
  };
}

/** At most this many semantic texts per profile (the sentinel refuses more). */
export const MAX_SEMANTIC_TEXTS = 20;
/** The sentinel's limit on one semantic text, in characters. */
export const MAX_SEMANTIC_TEXT_LENGTH = 1000;

export interface SemanticForm {
  weight: number | null;
  minSimilarity: number | null;
  texts: string[];
}

export interface ProfileForm {
  name: string;
  description: string;
  enabled: boolean;
  threshold: number | null;
  keywords: KeywordRow[];
  regex: RegexRow[];
  vipSenders: VipRow[];
  chatsInclude: string;
  chatsExclude: string;
  mentionsMeWeight: number | null;
  engagement: { weight: number | null; minReactions: number | null; minForwards: number | null };
  examples: { weight: number | null; minSimilarity: number | null; texts: string[] };
  /** "Similar in meaning" (the sentinel's `semantic`; it needs a local embedding model). */
  semantic: SemanticForm;
  digests: DigestRow[];
  /** Keys of the definition the editor does not manage, passed through unchanged. */
  extra: Record<string, unknown>;
}

const MANAGED = new Set([
  "threshold",
  "keywords",
  "regex",
  "vip_senders",
  "chats",
  "mentions_me",
  "engagement",
  "examples",
  "semantic",
  "digests",
  "name",
  "enabled",
  "description",
]);

const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);
const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
const str = (v: unknown): string => (typeof v === "string" ? v : typeof v === "number" ? String(v) : "");
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const lines = (v: unknown): string => list(v).map(str).filter(Boolean).join("\n");
/** One entry per line (chat titles may contain commas). */
const splitLines = (text: string): string[] =>
  text
    .split("\n")
    .map((s) => s.trim())
    .filter(Boolean);

function digestRowOf(value: unknown): DigestRow {
  const d = isRecord(value) ? value : {};
  const every = (DIGEST_EVERY as readonly string[]).includes(str(d.every))
    ? (d.every as DigestEvery)
    : "daily";
  const weekday = (DIGEST_WEEKDAYS as readonly string[]).includes(str(d.weekday))
    ? (d.weekday as DigestWeekday)
    : DIGEST_ROW_DEFAULTS.weekday;
  return { every, atHour: num(d.at_hour) ?? DIGEST_ROW_DEFAULTS.atHour, weekday, topN: num(d.top_n) };
}

/** Only the fields the schedule's kind takes: the sentinel refuses an hour on an hourly digest. */
function digestEntryOf(row: DigestRow): Record<string, unknown> {
  return {
    every: row.every,
    ...(row.every === "daily" || row.every === "weekly" ? { at_hour: row.atHour } : {}),
    ...(row.every === "weekly" ? { weekday: row.weekday } : {}),
    ...(row.topN !== null ? { top_n: row.topN } : {}),
  };
}

/** The sentinel's VIP entry is `{ id | username | name, weight }`; the form shows one text. */
function vipRowOf(value: unknown): VipRow {
  if (!isRecord(value)) return { who: str(value), weight: 1 };
  const username = str(value.username);
  const who = username
    ? username.startsWith("@")
      ? username
      : `@${username}`
    : str(value.id) || str(value.name);
  return { who, weight: num(value.weight) };
}

function vipEntryOf(row: VipRow): Record<string, unknown> {
  const who = row.who.trim();
  const key = who.startsWith("@") ? "username" : /^-?\d+$/.test(who) ? "id" : "name";
  return { [key]: who, weight: row.weight ?? 1 };
}

export function emptyProfileForm(): ProfileForm {
  return {
    name: "",
    description: "",
    enabled: true,
    threshold: 1,
    keywords: [{ term: "", weight: 1 }],
    regex: [],
    vipSenders: [],
    chatsInclude: "",
    chatsExclude: "",
    mentionsMeWeight: null,
    engagement: { weight: null, minReactions: null, minForwards: null },
    examples: { weight: null, minSimilarity: null, texts: [] },
    semantic: { weight: null, minSimilarity: null, texts: [] },
    digests: [],
    extra: {},
  };
}

export function formOfProfile(profile: { name: string; enabled: boolean; definition: unknown }): ProfileForm {
  const d = isRecord(profile.definition) ? profile.definition : {};
  const chats = isRecord(d.chats) ? d.chats : {};
  const mentions = d.mentions_me;
  const engagement = isRecord(d.engagement) ? d.engagement : {};
  const examples = isRecord(d.examples) ? d.examples : {};
  const semantic = isRecord(d.semantic) ? d.semantic : {};
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(d)) if (!MANAGED.has(key)) extra[key] = value;
  return {
    name: profile.name,
    description: str(d.description),
    enabled: profile.enabled,
    threshold: num(d.threshold),
    keywords: list(d.keywords).map((k) =>
      isRecord(k) ? { term: str(k.term), weight: num(k.weight) } : { term: str(k), weight: 1 },
    ),
    regex: list(d.regex).map((r) =>
      isRecord(r)
        ? { pattern: str(r.pattern), flags: str(r.flags), weight: num(r.weight) }
        : { pattern: str(r), flags: "", weight: 1 },
    ),
    vipSenders: list(d.vip_senders).map(vipRowOf),
    chatsInclude: lines(chats.include),
    chatsExclude: lines(chats.exclude),
    mentionsMeWeight: isRecord(mentions) ? num(mentions.weight) : num(mentions),
    engagement: {
      weight: num(engagement.weight),
      minReactions: num(engagement.min_reactions),
      minForwards: num(engagement.min_forwards),
    },
    examples: {
      weight: num(examples.weight),
      minSimilarity: num(examples.min_similarity),
      texts: list(examples.texts).map(str).filter(Boolean),
    },
    semantic: {
      weight: num(semantic.weight),
      minSimilarity: num(semantic.min_similarity),
      texts: list(semantic.texts).map(str).filter(Boolean),
    },
    digests: list(d.digests).map(digestRowOf),
    extra,
  };
}

/** The `definition` to send; optional sections are left out when empty. */
export function definitionOfForm(form: ProfileForm): Record<string, unknown> {
  const definition: Record<string, unknown> = { ...form.extra };
  if (form.description.trim()) definition.description = form.description.trim();
  if (form.threshold !== null) definition.threshold = form.threshold;
  definition.keywords = form.keywords
    .filter((k) => k.term.trim() !== "")
    .map((k) => ({ term: k.term.trim(), weight: k.weight ?? 1 }));
  definition.regex = form.regex
    .filter((r) => r.pattern !== "")
    .map((r) => ({
      pattern: r.pattern,
      weight: r.weight ?? 1,
      ...(r.flags.trim() ? { flags: r.flags.trim() } : {}),
    }));
  definition.vip_senders = form.vipSenders.filter((v) => v.who.trim() !== "").map(vipEntryOf);
  definition.chats = { include: splitLines(form.chatsInclude), exclude: splitLines(form.chatsExclude) };
  if (form.mentionsMeWeight !== null) definition.mentions_me = { weight: form.mentionsMeWeight };
  const e = form.engagement;
  if (e.weight !== null || e.minReactions !== null || e.minForwards !== null) {
    definition.engagement = {
      weight: e.weight ?? 0,
      ...(e.minReactions !== null ? { min_reactions: e.minReactions } : {}),
      ...(e.minForwards !== null ? { min_forwards: e.minForwards } : {}),
    };
  }
  const texts = form.examples.texts.map((t) => t.trim()).filter(Boolean);
  if (texts.length > 0 || form.examples.weight !== null) {
    definition.examples = {
      weight: form.examples.weight ?? 0,
      ...(form.examples.minSimilarity !== null ? { min_similarity: form.examples.minSimilarity } : {}),
      texts,
    };
  }
  // Left out without texts: the sentinel refuses an empty `semantic`, and without a model any.
  const semanticTexts = form.semantic.texts.map((t) => t.trim()).filter(Boolean);
  if (semanticTexts.length > 0) {
    definition.semantic = {
      ...(form.semantic.weight !== null ? { weight: form.semantic.weight } : {}),
      ...(form.semantic.minSimilarity !== null ? { min_similarity: form.semantic.minSimilarity } : {}),
      texts: semanticTexts,
    };
  }
  if (form.digests.length > 0) definition.digests = form.digests.map(digestEntryOf);
  return definition;
}

/** Checks the browser can do before asking the server; keys are the same paths the server uses. */
export function localProfileErrors(form: ProfileForm): Map<string, string> {
  const errors = new Map<string, string>();
  if (!form.name.trim()) errors.set("name", "Give the profile a name.");
  if (form.threshold === null)
    errors.set("threshold", "Set a threshold (the score at which a message alerts).");
  form.regex.forEach((r, i) => {
    if (!r.pattern) return;
    try {
      new RegExp(r.pattern, r.flags.replace(/[^imsu]/g, ""));
    } catch (error) {
      errors.set(`regex.${i}.pattern`, `Not a valid pattern: ${(error as Error).message}`);
    }
  });
  form.digests.forEach((row, i) => {
    if (row.topN !== null && (!Number.isInteger(row.topN) || row.topN < 1 || row.topN > 100))
      errors.set(`digests.${i}.top_n`, "Use a whole number from 1 to 100.");
  });
  const sim = form.examples.minSimilarity;
  if (sim !== null && (sim < 0 || sim > 1))
    errors.set("examples.min_similarity", "Use a value between 0 and 1.");
  const semSim = form.semantic.minSimilarity;
  if (semSim !== null && (semSim <= 0 || semSim > 1))
    errors.set("semantic.min_similarity", "Use a value above 0, at most 1.");
  form.semantic.texts.forEach((text, i) => {
    if (text.trim().length > MAX_SEMANTIC_TEXT_LENGTH)
      errors.set(`semantic.texts.${i}`, `At most ${MAX_SEMANTIC_TEXT_LENGTH} characters.`);
  });
  return errors;
}

/**
 * The form's path for a server-reported one. The sentinel validates the whole pushed set and
 * names fields like `profiles[2].regex[1].pattern`; the UI service may root them at its input
 * (`input.definition.…`, `patch.…`). All become `regex.1.pattern`.
 */
export function normalizeFieldPath(path: string): string {
  return path
    .replace(/\[(\d+)\]/g, ".$1")
    .replace(/^\./, "")
    .replace(/^(input|patch|profile)\./, "")
    .replace(/^profiles\.\d+\./, "")
    .replace(/^definition\./, "");
}
