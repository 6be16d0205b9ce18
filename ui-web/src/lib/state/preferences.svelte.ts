import type { GraphQLClient } from "../graphql/client.ts";
import {
  type AlertOrder,
  PreferencesDocument,
  type PreferencesQuery,
  SetSettingDocument,
} from "../graphql/generated/graphql.ts";
import { setDisplayTimeZone } from "../time-format.ts";

export type Preferences = PreferencesQuery["preferences"];

/** The preference keys of setSetting, by field of the `preferences` query. */
export const PREFERENCE_KEYS = {
  alertsDefaultMinScore: "alerts.defaultMinScore",
  alertsDefaultOrder: "alerts.defaultOrder",
  displayTimeZone: "display.timeZone",
  digestsRunNowTopN: "digests.runNowTopN",
} as const satisfies Record<keyof Omit<Preferences, "__typename">, string>;

/** What the server falls back to; used until the first load answers (or when it fails). */
export const DEFAULT_PREFERENCES: Preferences = {
  alertsDefaultMinScore: 0,
  alertsDefaultOrder: "NEWEST",
  displayTimeZone: null,
  digestsRunNowTopN: 20,
};

export function isAlertOrder(value: string): value is AlertOrder {
  return value === "NEWEST" || value === "SCORE";
}

/**
 * The signed-in user's preferences: loaded once per sign-in, changed through `save()`. The time
 * zone is applied to every formatted date as soon as it is known.
 */
export class PreferencesStore {
  value = $state<Preferences>({ ...DEFAULT_PREFERENCES });
  private loading: Promise<Preferences> | null = null;

  constructor(private readonly client: GraphQLClient) {}

  /** The preferences, loaded on first call; the defaults when they cannot be read. */
  ready(): Promise<Preferences> {
    this.loading ??= this.client.request(PreferencesDocument).then(
      ({ preferences }) => this.apply(preferences),
      () => {
        this.loading = null;
        return this.value;
      },
    );
    return this.loading;
  }

  /** Forgets what was loaded (sign-out). */
  reset(): void {
    this.loading = null;
    this.apply({ ...DEFAULT_PREFERENCES });
  }

  /** Stores one preference (null restores its default); throws the server's refusal. */
  async save<K extends keyof typeof PREFERENCE_KEYS>(field: K, value: Preferences[K] | null): Promise<void> {
    await this.client.request(SetSettingDocument, { key: PREFERENCE_KEYS[field], value });
    const next = { ...this.value, [field]: value ?? DEFAULT_PREFERENCES[field] };
    this.apply(next);
    this.loading = Promise.resolve(next);
  }

  private apply(preferences: Preferences): Preferences {
    this.value = preferences;
    setDisplayTimeZone(preferences.displayTimeZone ?? null);
    return preferences;
  }
}
