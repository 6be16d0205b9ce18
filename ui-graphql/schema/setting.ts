import { SentinelError } from "@tgsentinel/contract/envelope.ts";
import { builder } from "../builder.ts";
import type { Setting } from "../db/generated/client.ts";
import {
  isPreferenceKey,
  PREFERENCE_KEYS,
  type Preferences,
  preferenceProblem,
  preferencesOf,
} from "../preferences.ts";

/** Keys are short dotted names (e.g. "alerts.defaultMinScore"); values are JSON up to 16 KiB. */
const KEY_PATTERN = /^[a-zA-Z][a-zA-Z0-9_.-]{0,63}$/;
const MAX_VALUE_BYTES = 16 * 1024;

const SettingRef = builder.objectRef<Setting>("Setting").implement({
  description: "A UI preference (JSON value)",
  fields: (t) => ({
    key: t.exposeString("key"),
    value: t.field({
      type: "JSON",
      nullable: true,
      resolve: (s) => {
        try {
          return JSON.parse(s.value);
        } catch {
          return null;
        }
      },
    }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
  }),
});

const PreferencesRef = builder.objectRef<Preferences>("Preferences").implement({
  description:
    "The UI preferences with their defaults filled in. Change one with setSetting(key, value) under the key named on each field",
  fields: (t) => ({
    alertsDefaultMinScore: t.float({
      description:
        'The alerts feed opens filtered at this score; 0 shows every alert (key "alerts.defaultMinScore")',
      resolve: (p) => p["alerts.defaultMinScore"],
    }),
    alertsDefaultOrder: t.string({
      description: 'The alerts feed opens in this order: NEWEST or SCORE (key "alerts.defaultOrder")',
      resolve: (p) => p["alerts.defaultOrder"],
    }),
    displayTimeZone: t.string({
      nullable: true,
      description:
        'IANA time zone times are shown in; null means the browser\'s own (key "display.timeZone")',
      resolve: (p) => p["display.timeZone"],
    }),
    digestsRunNowTopN: t.int({
      description: 'Entries in a digest run with "Run digest now" (key "digests.runNowTopN")',
      resolve: (p) => p["digests.runNowTopN"],
    }),
  }),
});

/** The preferences in force (stored values over defaults). */
export async function loadPreferences(db: {
  setting: { findMany(args: object): Promise<Array<{ key: string; value: string }>> };
}): Promise<Preferences> {
  return preferencesOf(await db.setting.findMany({ where: { key: { in: PREFERENCE_KEYS } } }));
}

builder.queryFields((t) => ({
  settings: t.field({
    type: [SettingRef],
    description: "The stored settings as key/value pairs (see preferences for the typed view)",
    resolve: (_r, _a, ctx) => ctx.services.db.setting.findMany({ orderBy: { key: "asc" } }),
  }),
  preferences: t.field({
    type: PreferencesRef,
    resolve: (_r, _a, ctx) => loadPreferences(ctx.services.db),
  }),
}));

builder.mutationField("setSetting", (t) =>
  t.field({
    type: SettingRef,
    description: `Stores a preference (keys: ${PREFERENCE_KEYS.join(", ")}); a null value deletes it and returns it as it was`,
    args: { key: t.arg.string({ required: true }), value: t.arg({ type: "JSON" }) },
    resolve: async (_r, args, ctx) => {
      if (!KEY_PATTERN.test(args.key)) {
        throw new SentinelError(
          "VALIDATION_FAILED",
          "Setting keys are 1-64 letters, digits, '.', '_' or '-'",
          {
            details: [{ path: ["key"], message: "invalid key" }],
          },
        );
      }
      if (args.value === null || args.value === undefined) {
        // Deleting works for any stored key, so settings left by older versions can be removed.
        const existing = await ctx.services.db.setting.findUnique({ where: { key: args.key } });
        if (!existing) throw new SentinelError("NOT_FOUND", `No setting ${args.key}`);
        return ctx.services.db.setting.delete({ where: { key: args.key } });
      }
      if (!isPreferenceKey(args.key)) {
        throw new SentinelError(
          "UNKNOWN_SETTING",
          `"${args.key}" is not a setting; the settings are ${PREFERENCE_KEYS.join(", ")}`,
          { details: [{ path: ["key"], message: "unknown setting" }] },
        );
      }
      const problem = preferenceProblem(args.key, args.value);
      if (problem !== null) {
        throw new SentinelError("VALIDATION_FAILED", `${args.key} ${problem}`, {
          details: [{ path: ["value"], message: problem }],
        });
      }
      const value = JSON.stringify(args.value);
      if (Buffer.byteLength(value) > MAX_VALUE_BYTES) {
        throw new SentinelError("VALIDATION_FAILED", "The value is larger than 16 KiB", {
          details: [{ path: ["value"], message: "too large" }],
        });
      }
      return ctx.services.db.setting.upsert({
        where: { key: args.key },
        create: { key: args.key, value },
        update: { value },
      });
    },
  }),
);
