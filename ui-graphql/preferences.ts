/**
 * The UI preferences kept in ui.db's `settings` table: the only keys setSetting accepts, each
 * with its validation and default. Pure: no Prisma, no GraphQL.
 */

/** Alert order of the feed (the GraphQL AlertOrder values). */
export type AlertOrderPreference = "NEWEST" | "SCORE";

export interface Preferences {
  /** The alerts feed opens filtered at this score (0 = every alert). */
  "alerts.defaultMinScore": number;
  /** The alerts feed opens in this order. */
  "alerts.defaultOrder": AlertOrderPreference;
  /** IANA time zone the UI shows times in; null = the browser's own. */
  "display.timeZone": string | null;
  /** How many entries "Run digest now" puts in a digest. */
  "digests.runNowTopN": number;
}

export type PreferenceKey = keyof Preferences;

export const PREFERENCE_DEFAULTS: Readonly<Preferences> = {
  "alerts.defaultMinScore": 0,
  "alerts.defaultOrder": "NEWEST",
  "display.timeZone": null,
  "digests.runNowTopN": 20,
};

export const PREFERENCE_KEYS = Object.keys(PREFERENCE_DEFAULTS) as PreferenceKey[];
export const MIN_SCORE_MAX = 1000;
/** The sentinel's own limit of POST /api/digests/run top_n. */
export const RUN_NOW_TOP_N_MAX = 500;

export function isPreferenceKey(key: string): key is PreferenceKey {
  return (PREFERENCE_KEYS as string[]).includes(key);
}

/** Why a value cannot be stored under a key (a sentence for the form), or null when it can. */
export function preferenceProblem(key: PreferenceKey, value: unknown): string | null {
  switch (key) {
    case "alerts.defaultMinScore":
      return typeof value === "number" && Number.isFinite(value) && value >= 0 && value <= MIN_SCORE_MAX
        ? null
        : `must be a number from 0 to ${MIN_SCORE_MAX}`;
    case "alerts.defaultOrder":
      return value === "NEWEST" || value === "SCORE" ? null : 'must be "NEWEST" or "SCORE"';
    case "display.timeZone":
      return typeof value === "string" && isTimeZone(value)
        ? null
        : "must be an IANA time zone such as Europe/Berlin (or null for the browser's)";
    case "digests.runNowTopN":
      return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= RUN_NOW_TOP_N_MAX
        ? null
        : `must be a whole number from 1 to ${RUN_NOW_TOP_N_MAX}`;
  }
}

function isTimeZone(name: string): boolean {
  if (name.length === 0 || name.length > 64) return false;
  try {
    new Intl.DateTimeFormat("en", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** The stored preferences over the defaults; a stored value that no longer validates is ignored. */
export function preferencesOf(stored: ReadonlyArray<{ key: string; value: string }>): Preferences {
  const out: Preferences = { ...PREFERENCE_DEFAULTS };
  for (const { key, value } of stored) {
    if (!isPreferenceKey(key)) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      continue;
    }
    if (preferenceProblem(key, parsed) === null) (out as Record<PreferenceKey, unknown>)[key] = parsed;
  }
  return out;
}
