/**
 * Scoring profiles: their wire shape (snake_case, as the UI pushes them with PUT /api/profiles and
 * as config/tgsentinel.yml seeds them), validation with errors that name the field, and defaults.
 */
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { foldTerm } from "./normalize.ts";
import { checkRegexSafety } from "./regex-safety.ts";

export const MAX_PROFILES = 1_000;
export const MAX_KEYWORDS_PER_PROFILE = 10_000;
export const MAX_REGEX_PER_PROFILE = 100;
export const MAX_VIP_SENDERS_PER_PROFILE = 1_000;
export const MAX_CHAT_FILTERS = 1_000;
export const MAX_NAME_LENGTH = 100;
export const MAX_DESCRIPTION_LENGTH = 1_000;
export const MAX_TERM_LENGTH = 200;
export const MAX_PATTERN_LENGTH = 500;
export const MAX_EXAMPLES = 50;
export const MAX_EXAMPLE_LENGTH = 4_000;
/** Semantic texts per profile: each is embedded by the model whenever it is new in the set. */
export const MAX_SEMANTIC_TEXTS = 20;
export const MAX_SEMANTIC_TEXT_LENGTH = 1_000;
/** Semantic texts in the whole set (a new set embeds the texts it adds, at start-up all of them). */
export const MAX_SEMANTIC_TEXTS_PER_SET = 500;
/** Digest schedules per profile (each runs its own digest of the profile's alerts). */
export const MAX_DIGESTS_PER_PROFILE = 3;
export const MAX_DIGEST_TOP_N = 100;
/** How often a profile digest runs: every hour, every 4/6/12 hours, daily or weekly. */
export const DIGEST_EVERY = ["hourly", "4h", "6h", "12h", "daily", "weekly"] as const;
export type DigestEvery = (typeof DIGEST_EVERY)[number];
export const DIGEST_WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type DigestWeekday = (typeof DIGEST_WEEKDAYS)[number];
/** At most this many validation errors are listed; the last entry says how many were left out. */
export const MAX_REPORTED_ERRORS = 100;
/** Regex flags a profile may use; `g`, `y` and `d` are the scorer's business. */
export const ALLOWED_REGEX_FLAGS = "imsu";

/** Every default of a profile, in one place. */
export const PROFILE_DEFAULTS = {
  enabled: true,
  threshold: 1,
  weight: 1,
  regexFlags: "",
  minSimilarity: 0.35,
  /** Sentence-embedding cosines run higher than n-gram ones: unrelated texts often sit at 0.1–0.3. */
  minSemanticSimilarity: 0.5,
  /** No profile digests unless asked for (`digests` left out is the same as an empty list). */
  digests: [] as const,
  digestTopN: 20,
  /** Daily and weekly digests run at this hour (server time zone) unless `at_hour` says otherwise. */
  digestAtHour: 8,
  /** Weekly digests run on this day unless `weekday` says otherwise. */
  digestWeekday: "mon",
} as const;

const weight = z
  .number({ error: "must be a finite number" })
  .min(0, "must be >= 0")
  .default(PROFILE_DEFAULTS.weight);

const term = z
  .string({ error: "must be a string" })
  .trim()
  .min(1, "must not be empty")
  .max(MAX_TERM_LENGTH, `must be at most ${MAX_TERM_LENGTH} characters`);

const chatRef = z.union(
  [z.string().trim().min(1).max(MAX_TERM_LENGTH), z.number().int().refine(Number.isSafeInteger)],
  { error: "must be a chat id (number or numeric string) or a chat title" },
);

const keywordSchema = z.preprocess(
  (value) => (typeof value === "string" ? { term: value } : value),
  z.strictObject({ term, weight }, { error: "must be a keyword string or an object { term, weight }" }),
);

const regexSchema = z
  .strictObject({
    pattern: z
      .string({ error: "must be a string" })
      .min(1, "must not be empty")
      .max(MAX_PATTERN_LENGTH, `must be at most ${MAX_PATTERN_LENGTH} characters`),
    weight,
    flags: z
      .string({ error: "must be a string" })
      .default(PROFILE_DEFAULTS.regexFlags)
      .refine(
        (flags) =>
          [...flags].every((f) => ALLOWED_REGEX_FLAGS.includes(f)) && new Set(flags).size === flags.length,
        `may only contain the flags "${ALLOWED_REGEX_FLAGS}", each once`,
      ),
  })
  .superRefine(
    (entry, ctx) => {
      // Runs even when sibling fields failed (see `when`), so the input may be partly invalid.
      const flags = entry.flags ?? PROFILE_DEFAULTS.regexFlags;
      if (typeof entry.pattern !== "string" || typeof flags !== "string" || !/^[imsu]*$/.test(flags)) return;
      checkPattern(entry.pattern, flags, ctx);
    },
    { when: (payload) => typeof payload.value === "object" && payload.value !== null },
  );

function checkPattern(pattern: string, flags: string, ctx: z.RefinementCtx): void {
  {
    try {
      new RegExp(pattern, flags);
    } catch (error) {
      const detail = error instanceof Error ? error.message.replace(/^Invalid regular expression: /, "") : "";
      ctx.addIssue({ code: "custom", path: ["pattern"], message: `invalid regular expression: ${detail}` });
      return;
    }
    const safety = checkRegexSafety(pattern, flags);
    if (!safety.safe) ctx.addIssue({ code: "custom", path: ["pattern"], message: safety.reason });
  }
}

const vipSchema = z
  .strictObject({
    id: z
      .union(
        [
          z.number().int().refine(Number.isSafeInteger),
          z
            .string()
            .trim()
            .regex(/^-?\d{1,20}$/),
        ],
        {
          error: "must be a numeric user id",
        },
      )
      .transform(String)
      .optional(),
    username: z
      .string({ error: "must be a string" })
      .trim()
      .regex(/^@?[A-Za-z0-9_]{1,64}$/, 'must be a Telegram username such as "@alice"')
      .optional(),
    name: term.optional(),
    weight,
  })
  .superRefine((vip, ctx) => {
    const given = [vip.id, vip.username, vip.name].filter((v) => v !== undefined).length;
    if (given !== 1) {
      ctx.addIssue({ code: "custom", message: "give exactly one of id, username or name" });
    }
  });

const chatsSchema = z.strictObject({
  include: z.array(chatRef).max(MAX_CHAT_FILTERS, `at most ${MAX_CHAT_FILTERS} entries`).default([]),
  exclude: z.array(chatRef).max(MAX_CHAT_FILTERS, `at most ${MAX_CHAT_FILTERS} entries`).default([]),
});

const count = z.number({ error: "must be a number" }).int("must be an integer").min(1, "must be >= 1");

const engagementSchema = z
  .strictObject({ weight, min_reactions: count.optional(), min_forwards: count.optional() })
  .refine((e) => e.min_reactions !== undefined || e.min_forwards !== undefined, {
    message: "set min_reactions, min_forwards or both",
  });

const examplesSchema = z.strictObject({
  weight,
  min_similarity: z
    .number({ error: "must be a number" })
    .gt(0, "must be > 0")
    .max(1, "must be <= 1")
    .default(PROFILE_DEFAULTS.minSimilarity),
  texts: z
    .array(
      z
        .string({ error: "must be a string" })
        .trim()
        .min(1, "must not be empty")
        .max(MAX_EXAMPLE_LENGTH, `must be at most ${MAX_EXAMPLE_LENGTH} characters`),
    )
    .min(1, "give at least one example text")
    .max(MAX_EXAMPLES, `at most ${MAX_EXAMPLES} examples`),
});

const semanticSchema = z.strictObject({
  weight,
  min_similarity: z
    .number({ error: "must be a number" })
    .gt(0, "must be > 0")
    .max(1, "must be <= 1")
    .default(PROFILE_DEFAULTS.minSemanticSimilarity),
  texts: z
    .array(
      z
        .string({ error: "must be a string" })
        .trim()
        .min(1, "must not be empty")
        .max(MAX_SEMANTIC_TEXT_LENGTH, `must be at most ${MAX_SEMANTIC_TEXT_LENGTH} characters`),
    )
    .min(1, "give at least one text")
    .max(MAX_SEMANTIC_TEXTS, `at most ${MAX_SEMANTIC_TEXTS} texts`),
});

const digestSpecSchema = z
  .strictObject({
    every: z.enum(DIGEST_EVERY, { error: `must be one of ${DIGEST_EVERY.join(", ")}` }),
    at_hour: z
      .number({ error: "must be a number" })
      .int("must be a whole hour")
      .min(0, "must be from 0 to 23")
      .max(23, "must be from 0 to 23")
      .optional(),
    weekday: z.enum(DIGEST_WEEKDAYS, { error: `must be one of ${DIGEST_WEEKDAYS.join(", ")}` }).optional(),
    top_n: z
      .number({ error: "must be a number" })
      .int("must be an integer")
      .min(1, "must be >= 1")
      .max(MAX_DIGEST_TOP_N, `must be <= ${MAX_DIGEST_TOP_N}`)
      .default(PROFILE_DEFAULTS.digestTopN),
  })
  .superRefine(
    (spec, ctx) => {
      // Runs even when sibling fields failed (see `when`), so the input may be partly invalid.
      const every = spec.every as string;
      if (spec.at_hour !== undefined && every !== "daily" && every !== "weekly")
        ctx.addIssue({ code: "custom", path: ["at_hour"], message: "only for daily or weekly digests" });
      if (spec.weekday !== undefined && every !== "weekly")
        ctx.addIssue({ code: "custom", path: ["weekday"], message: "only for weekly digests" });
    },
    { when: (payload) => typeof payload.value === "object" && payload.value !== null },
  )
  .transform((spec) => ({
    ...spec,
    ...(spec.every === "daily" || spec.every === "weekly"
      ? { at_hour: spec.at_hour ?? PROFILE_DEFAULTS.digestAtHour }
      : {}),
    ...(spec.every === "weekly" ? { weekday: spec.weekday ?? PROFILE_DEFAULTS.digestWeekday } : {}),
  }));

const profileSchema = z
  .strictObject({
    name: z
      .string({ error: "must be a string" })
      .trim()
      .min(1, "must not be empty")
      .max(MAX_NAME_LENGTH, `must be at most ${MAX_NAME_LENGTH} characters`),
    description: z.string().max(MAX_DESCRIPTION_LENGTH).optional(),
    enabled: z.boolean({ error: "must be true or false" }).default(PROFILE_DEFAULTS.enabled),
    threshold: z
      .number({ error: "must be a finite number" })
      .gt(0, "must be > 0")
      .default(PROFILE_DEFAULTS.threshold),
    keywords: z
      .array(keywordSchema)
      .max(MAX_KEYWORDS_PER_PROFILE, `at most ${MAX_KEYWORDS_PER_PROFILE} keywords`)
      .default([]),
    regex: z
      .array(regexSchema)
      .max(MAX_REGEX_PER_PROFILE, `at most ${MAX_REGEX_PER_PROFILE} patterns`)
      .default([]),
    vip_senders: z
      .array(vipSchema)
      .max(MAX_VIP_SENDERS_PER_PROFILE, `at most ${MAX_VIP_SENDERS_PER_PROFILE} senders`)
      .default([]),
    chats: chatsSchema.default({ include: [], exclude: [] }),
    mentions_me: z.strictObject({ weight }).optional(),
    engagement: engagementSchema.optional(),
    examples: examplesSchema.optional(),
    semantic: semanticSchema.optional(),
    digests: z
      .array(digestSpecSchema)
      .max(MAX_DIGESTS_PER_PROFILE, `at most ${MAX_DIGESTS_PER_PROFILE} digest schedules`)
      .optional(),
  })
  .superRefine(
    (profile, ctx) => {
      // Equal after folding = the same keyword: it would count twice. Runs even when other fields
      // failed (see `when`), so entries may be partly invalid.
      const seen = new Map<string, number>();
      const keywords: unknown[] = Array.isArray(profile.keywords) ? profile.keywords : [];
      keywords.forEach((keyword, index) => {
        const text = (keyword as { term?: unknown } | null)?.term;
        if (typeof text !== "string" || text.trim().length === 0) return;
        const folded = foldTerm(text);
        if (folded.length === 0) {
          ctx.addIssue({
            code: "custom",
            path: ["keywords", index, "term"],
            message: "has no matchable characters",
          });
          return;
        }
        const first = seen.get(folded);
        if (first !== undefined) {
          ctx.addIssue({
            code: "custom",
            path: ["keywords", index, "term"],
            message: `duplicate keyword (same as keywords[${first}] once case and accents are ignored)`,
          });
        } else seen.set(folded, index);
      });
      // One schedule per kind: a profile's digest line is named by it ("profile:<name>:<every>").
      const kinds = new Map<string, number>();
      const digests: unknown[] = Array.isArray(profile.digests) ? profile.digests : [];
      digests.forEach((spec, index) => {
        const every = (spec as { every?: unknown } | null)?.every;
        if (typeof every !== "string") return;
        const first = kinds.get(every);
        if (first !== undefined)
          ctx.addIssue({
            code: "custom",
            path: ["digests", index, "every"],
            message: `duplicate digest schedule (same as digests[${first}].every)`,
          });
        else kinds.set(every, index);
      });
    },
    { when: (payload) => typeof payload.value === "object" && payload.value !== null },
  );

const profileSetSchema = z
  .strictObject({
    profiles: z.array(profileSchema).max(MAX_PROFILES, `at most ${MAX_PROFILES} profiles`),
  })
  .superRefine(
    (set, ctx) => {
      const seen = new Map<string, number>();
      const profiles: unknown[] = Array.isArray(set.profiles) ? set.profiles : [];
      let semanticTexts = 0;
      for (const profile of profiles) {
        const texts = (profile as { semantic?: { texts?: unknown } } | null)?.semantic?.texts;
        if (Array.isArray(texts)) semanticTexts += texts.length;
      }
      if (semanticTexts > MAX_SEMANTIC_TEXTS_PER_SET) {
        ctx.addIssue({
          code: "custom",
          path: ["profiles"],
          message: `at most ${MAX_SEMANTIC_TEXTS_PER_SET} semantic texts in the whole set (got ${semanticTexts})`,
        });
      }
      profiles.forEach((profile, index) => {
        const name = (profile as { name?: unknown } | null)?.name;
        if (typeof name !== "string" || name.trim().length === 0) return;
        const key = name.trim().toLowerCase();
        const first = seen.get(key);
        if (first !== undefined) {
          ctx.addIssue({
            code: "custom",
            path: ["profiles", index, "name"],
            message: `duplicate profile name "${name.trim()}" (also profiles[${first}].name)`,
          });
        } else seen.set(key, index);
      });
    },
    { when: (payload) => typeof payload.value === "object" && payload.value !== null },
  );

/** A validated profile with every default filled in. */
export type Profile = z.output<typeof profileSchema>;
export type KeywordTerm = Profile["keywords"][number];
export type RegexTerm = Profile["regex"][number];
export type VipSender = Profile["vip_senders"][number];
export type ProfileDigestSpec = NonNullable<Profile["digests"]>[number];
/** What a client may send: defaults may be left out, keywords may be plain strings. */
export type ProfileInput = z.input<typeof profileSchema>;

/** One validation problem; `path` names the field, e.g. `profiles[0].regex[1].pattern`. */
export interface ProfileError {
  path: string;
  message: string;
}

export type ParseProfilesResult = { ok: true; profiles: Profile[] } | { ok: false; errors: ProfileError[] };

function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out.length === 0 ? String(part) : `.${String(part)}`;
  }
  return out;
}

function toErrors(issues: readonly z.core.$ZodIssue[]): ProfileError[] {
  const errors: ProfileError[] = [];
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys)
        errors.push({ path: formatPath([...issue.path, key]), message: "unknown key" });
    } else if (issue.code === "invalid_type" && issue.input === undefined) {
      errors.push({ path: formatPath(issue.path), message: "is required" });
    } else if (issue.code === "invalid_type" && (issue.expected === "object" || issue.expected === "array")) {
      const message = issue.message.startsWith("Invalid input")
        ? `must be ${issue.expected === "object" ? "an object" : "a list"}`
        : issue.message;
      errors.push({ path: formatPath(issue.path), message });
    } else {
      errors.push({ path: formatPath(issue.path), message: issue.message });
    }
  }
  if (errors.length > MAX_REPORTED_ERRORS) {
    const left = errors.length - (MAX_REPORTED_ERRORS - 1);
    errors.length = MAX_REPORTED_ERRORS - 1;
    errors.push({ path: "", message: `${left} more errors not shown` });
  }
  return errors;
}

/**
 * Validates a profile set: `{ "profiles": [...] }` (a bare array is accepted too). Unknown keys,
 * bad or backtracking-prone regexes, negative or non-finite weights, a threshold <= 0, duplicate
 * names, empty or duplicate terms and oversized lists are rejected, each error naming its field.
 */
export function parseProfiles(input: unknown): ParseProfilesResult {
  const wrapped = Array.isArray(input) ? { profiles: input } : input;
  if (typeof wrapped !== "object" || wrapped === null) {
    return { ok: false, errors: [{ path: "", message: 'expected an object like { "profiles": [...] }' }] };
  }
  const result = profileSetSchema.safeParse(wrapped, { reportInput: true });
  if (result.success) return { ok: true, profiles: result.data.profiles };
  return { ok: false, errors: toErrors(result.error.issues) };
}

/** Why a profile set cannot be used without an embedding model: one error per `semantic` rule. */
export const SEMANTIC_NEEDS_MODEL =
  "semantic profiles need scoring.embedding_model_dir (or TG_EMBEDDING_MODEL_DIR): no embedding model is configured";

/**
 * The errors of a validated set when no embedding model is configured: every profile with a
 * `semantic` rule is refused (rather than accepted and silently inert), the error naming the field.
 */
export function semanticWithoutModel(profiles: readonly Profile[]): ProfileError[] {
  const errors: ProfileError[] = [];
  profiles.forEach((profile, index) => {
    if (profile.semantic !== undefined)
      errors.push({ path: `profiles[${index}].semantic`, message: SEMANTIC_NEEDS_MODEL });
  });
  return errors;
}

/**
 * Like `parseProfiles`, from YAML (or JSON) text such as config/tgsentinel.yml. Only the document's
 * `profiles` key is read: the configuration file may hold other sections.
 */
export function parseProfilesYaml(text: string): ParseProfilesResult {
  let document: unknown;
  try {
    document = parseYaml(text, { maxAliasCount: 100 });
  } catch (error) {
    const detail = error instanceof Error ? error.message.split("\n")[0] : "unreadable";
    return { ok: false, errors: [{ path: "", message: `invalid YAML: ${detail}` }] };
  }
  if (Array.isArray(document)) return parseProfiles(document);
  if (typeof document !== "object" || document === null || !("profiles" in document)) {
    return { ok: false, errors: [{ path: "profiles", message: "is required" }] };
  }
  return parseProfiles({ profiles: document.profiles });
}
