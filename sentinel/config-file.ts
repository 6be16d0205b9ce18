/**
 * config/tgsentinel.yml (TG_CONFIG_PATH): what the sentinel watches and how hard it works.
 * Parsed once at start-up by environment.ts; every problem is reported with its YAML path.
 * Keys are snake_case in the file and camelCase in code. Unknown keys are errors, so a typo never
 * silently falls back to a default.
 */
import fs from "node:fs";
import path from "node:path";
import { Cron } from "croner";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { type Profile, parseProfiles } from "./scoring/profile.ts";

export interface DigestSchedule {
  name: string;
  /** Cron expression (5 or 6 fields), evaluated in the sentinel's local time zone. */
  cron: string;
  /** How many of the period's best alerts the digest lists. */
  topN: number;
}

/** Where new alerts are sent besides the feed (config `alerts.delivery.mode`). */
export const DELIVERY_MODES = ["none", "saved", "dm", "digest", "both"] as const;
export type DeliveryMode = (typeof DELIVERY_MODES)[number];

/** config `alerts.delivery`: pushing each new alert into Telegram. */
export interface AlertDeliverySettings {
  /**
   * none: feed only; saved: the account's Saved Messages; dm: `target`; digest: nothing right
   * away (the alert reaches the next digest); both: saved (or `target` when set) and the digest.
   */
  mode: DeliveryMode;
  /** "@username" or a marked chat id; required by dm, used by both when set. */
  target: string | null;
  /** Sends per minute at most (token bucket); Telegram limits accounts that post faster. */
  maxPerMinute: number;
}

/** config `retention`: how long messages stay in sentinel.db. 0 days keeps them forever. */
export interface RetentionSettings {
  /** Messages without an alert are deleted this many days after their date. */
  messagesDays: number;
  /** Messages with an alert are deleted this many days after their date (≥ messagesDays). */
  alertedMessagesDays: number;
  /** When to VACUUM sentinel.db (cron, local time); null never does. */
  vacuumCron: string | null;
}

/** One entry of config `webhooks`: new alerts of `profile` are POSTed to `url`, signed with the secret. */
export interface WebhookSetting {
  /** Unique; names the webhook in the delivery history (default "<profile>@<host>"). */
  name: string;
  /** A profile name, or "*" for every profile. */
  profile: string;
  url: string;
  /**
   * The HMAC secret, from `secret` (in the file) or, after environment.ts resolved it, from the
   * variable named by `secret_env`. A function, so printing the settings never shows it.
   */
  secret: (() => string) | null;
  /** `secret_env`: the environment variable that holds the secret (read by environment.ts only). */
  secretEnv: string | null;
}

/** config `scoring`: how messages are scored besides the profiles themselves. */
export interface ScoringSettings {
  /**
   * `embedding_model_dir`: a local directory with an ONNX sentence-embedding model (model.onnx +
   * vocab.txt or tokenizer.json) for `semantic` profile rules; null: none (semantic rules are
   * refused). A relative path is resolved from the config file's directory. TG_EMBEDDING_MODEL_DIR
   * overrides it.
   */
  embeddingModelDir: string | null;
}

/** The parsed configuration file, defaults filled in. */
export interface SentinelSettings {
  /** Scoring profiles to seed when sentinel.db has none; validated by the scoring engine's parseProfiles. */
  profiles: Profile[];
  /** Chats to watch: ids ("-100…", "123") or usernames ("@name"); empty include = every dialog. */
  chats: { include: string[]; exclude: string[] };
  digest: {
    schedules: DigestSchedule[];
    /** Also send each digest to the account's Saved Messages (off by default). */
    deliverToSavedMessages: boolean;
  };
  /** Caps on alerts per hour (further matches are counted as suppressed), and alert delivery. */
  alerts: { perChatPerHour: number; perProfilePerHour: number; delivery: AlertDeliverySettings };
  /**
   * The REST API's rate limit per client address: `max` for requests without the valid API token
   * (token guessing, stray clients), `tokenMax` for requests that carry it (the UI, which serves
   * every browser tab and the live alert sync through one address).
   */
  apiRateLimit: { max: number; tokenMax: number; timeWindowMs: number };
  backfill: { maxMessagesPerChat: number };
  /** Flood waits up to this many seconds are slept through inside GramJS; longer ones are reported. */
  telegram: { floodSleepThreshold: number };
  retention: RetentionSettings;
  webhooks: WebhookSetting[];
  scoring: ScoringSettings;
}

export const DEFAULT_SETTINGS: SentinelSettings = {
  profiles: [],
  chats: { include: [], exclude: [] },
  digest: { schedules: [{ name: "daily", cron: "0 8 * * *", topN: 20 }], deliverToSavedMessages: false },
  alerts: {
    perChatPerHour: 10,
    perProfilePerHour: 30,
    delivery: { mode: "none", target: null, maxPerMinute: 20 },
  },
  apiRateLimit: { max: 300, tokenMax: 6_000, timeWindowMs: 60_000 },
  backfill: { maxMessagesPerChat: 200 },
  telegram: { floodSleepThreshold: 60 },
  retention: { messagesDays: 30, alertedMessagesDays: 180, vacuumCron: "0 4 * * 0" },
  webhooks: [],
  scoring: { embeddingModelDir: null },
};

/** Highest `alerts.delivery.max_per_minute`: about one message a second, what Telegram tolerates from a user account. */
export const DELIVERY_MAX_PER_MINUTE = 60;

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|milliseconds?|s|secs?|seconds?|m|mins?|minutes?|h|hours?)$/i;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** Parses `60000`, `"30 s"`, `"1 minute"`, `"2h"` into milliseconds. */
export function parseDurationMs(value: number | string): number {
  if (typeof value === "number") return value;
  const match = DURATION.exec(value.trim());
  if (!match) throw new Error(`is not a duration (use milliseconds or e.g. "30 s", "1 minute")`);
  const unit = match[2]!.toLowerCase();
  const key = unit.startsWith("ms") || unit.startsWith("milli") ? "ms" : unit[0]!;
  return Math.round(Number(match[1]) * UNIT_MS[key]!);
}

const DELIVERY_TARGET = /^(@[A-Za-z][A-Za-z0-9_]{3,31}|-?\d{1,20})$/;
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
const DEFAULT_DELIVERY = DEFAULT_SETTINGS.alerts.delivery;
const DEFAULT_RETENTION = DEFAULT_SETTINGS.retention;

const deliverySchema = z
  .strictObject({
    mode: z.enum(DELIVERY_MODES).default(DEFAULT_DELIVERY.mode),
    target: z
      .union([z.string().trim(), z.number().int()])
      .transform((v) => String(v))
      .refine(
        (v) => DELIVERY_TARGET.test(v),
        'must be "@username" or a marked chat id such as -1001234567890',
      )
      .optional(),
    max_per_minute: z
      .number()
      .int()
      .min(1)
      .max(DELIVERY_MAX_PER_MINUTE)
      .default(DEFAULT_DELIVERY.maxPerMinute),
  })
  .superRefine((delivery, ctx) => {
    if (delivery.mode === "dm" && delivery.target === undefined)
      ctx.addIssue({ code: "custom", path: ["target"], message: "is required when mode is dm" });
  })
  .default({ mode: DEFAULT_DELIVERY.mode, max_per_minute: DEFAULT_DELIVERY.maxPerMinute });

const days = z.number().int().min(0).max(36_500);

const retentionSchema = z
  .strictObject({
    messages_days: days.default(DEFAULT_RETENTION.messagesDays),
    alerted_messages_days: days.default(DEFAULT_RETENTION.alertedMessagesDays),
    vacuum_cron: z
      .string()
      .trim()
      .min(1)
      .refine(isCron, "is not a valid cron expression")
      .nullable()
      .default(DEFAULT_RETENTION.vacuumCron),
  })
  .superRefine((retention, ctx) => {
    const plain = retention.messages_days;
    const alerted = retention.alerted_messages_days;
    // 0 means forever: alerted messages must never go before plain ones.
    if (alerted !== 0 && (plain === 0 || alerted < plain))
      ctx.addIssue({
        code: "custom",
        path: ["alerted_messages_days"],
        message: "must be at least messages_days (0 keeps alerted messages forever)",
      });
  })
  .default({
    messages_days: DEFAULT_RETENTION.messagesDays,
    alerted_messages_days: DEFAULT_RETENTION.alertedMessagesDays,
    vacuum_cron: DEFAULT_RETENTION.vacuumCron,
  });

const webhookSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(100).optional(),
    profile: z.string().trim().min(1).max(100),
    url: z.string().trim().refine(isHttpUrl, "must be an http:// or https:// URL"),
    secret: z.string().min(16, "must be at least 16 characters").max(1024).optional(),
    secret_env: z
      .string()
      .regex(ENV_NAME, "must be an environment variable name such as WEBHOOK_SECRET")
      .optional(),
  })
  .superRefine((hook, ctx) => {
    if ((hook.secret === undefined) === (hook.secret_env === undefined))
      ctx.addIssue({ code: "custom", path: ["secret"], message: "set exactly one of secret and secret_env" });
  });

const webhooksSchema = z
  .array(webhookSchema)
  .default([])
  .superRefine((hooks, ctx) => {
    const seen = new Set<string>();
    hooks.forEach((hook, i) => {
      const name = webhookName(hook);
      if (seen.has(name))
        ctx.addIssue({
          code: "custom",
          path: [i, "name"],
          message: `${JSON.stringify(name)} is used by another webhook; give each a name`,
        });
      seen.add(name);
    });
  });

function webhookName(hook: { name?: string; profile: string; url: string }): string {
  if (hook.name !== undefined) return hook.name;
  try {
    return `${hook.profile}@${new URL(hook.url).host}`;
  } catch {
    return hook.profile;
  }
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
  } catch {
    return false;
  }
}

const chatRef = z.union([z.string().trim().min(1), z.number().int()]).transform((v) => String(v));
const positiveInt = (max: number) => z.number().int().min(1).max(max);

const schema = z.strictObject({
  profiles: z.array(z.unknown()).default(DEFAULT_SETTINGS.profiles),
  chats: z
    .strictObject({
      include: z.array(chatRef).default([]),
      exclude: z.array(chatRef).default([]),
    })
    .default({ include: [], exclude: [] }),
  digest: z
    .strictObject({
      schedules: z
        .array(
          z.strictObject({
            name: z.string().trim().min(1),
            cron: z.string().trim().min(1).refine(isCron, "is not a valid cron expression"),
            top_n: positiveInt(500).default(20),
          }),
        )
        .default(
          DEFAULT_SETTINGS.digest.schedules.map((s) => ({ name: s.name, cron: s.cron, top_n: s.topN })),
        )
        .superRefine((schedules, ctx) => {
          const seen = new Set<string>();
          schedules.forEach((schedule, i) => {
            if (seen.has(schedule.name))
              ctx.addIssue({ code: "custom", path: [i, "name"], message: "is used by another schedule" });
            seen.add(schedule.name);
          });
        }),
      deliver_to_saved_messages: z.boolean().default(DEFAULT_SETTINGS.digest.deliverToSavedMessages),
    })
    .default({
      schedules: DEFAULT_SETTINGS.digest.schedules.map((s) => ({
        name: s.name,
        cron: s.cron,
        top_n: s.topN,
      })),
      deliver_to_saved_messages: DEFAULT_SETTINGS.digest.deliverToSavedMessages,
    }),
  alerts: z
    .strictObject({
      per_chat_per_hour: positiveInt(100_000).default(DEFAULT_SETTINGS.alerts.perChatPerHour),
      per_profile_per_hour: positiveInt(100_000).default(DEFAULT_SETTINGS.alerts.perProfilePerHour),
      delivery: deliverySchema,
    })
    .default({
      per_chat_per_hour: DEFAULT_SETTINGS.alerts.perChatPerHour,
      per_profile_per_hour: DEFAULT_SETTINGS.alerts.perProfilePerHour,
      delivery: { mode: DEFAULT_DELIVERY.mode, max_per_minute: DEFAULT_DELIVERY.maxPerMinute },
    }),
  api_rate_limit: z
    .strictObject({
      max: positiveInt(1_000_000).default(DEFAULT_SETTINGS.apiRateLimit.max),
      token_max: positiveInt(1_000_000).default(DEFAULT_SETTINGS.apiRateLimit.tokenMax),
      time_window: z
        .union([z.number().int().min(1), z.string()])
        .transform((v, ctx) => {
          try {
            const ms = parseDurationMs(v);
            if (ms >= 1) return ms;
            ctx.addIssue({ code: "custom", message: "must be at least 1 ms" });
          } catch (err) {
            ctx.addIssue({ code: "custom", message: (err as Error).message });
          }
          return z.NEVER;
        })
        .default(DEFAULT_SETTINGS.apiRateLimit.timeWindowMs),
    })
    .default({
      max: DEFAULT_SETTINGS.apiRateLimit.max,
      token_max: DEFAULT_SETTINGS.apiRateLimit.tokenMax,
      time_window: DEFAULT_SETTINGS.apiRateLimit.timeWindowMs,
    }),
  backfill: z
    .strictObject({
      max_messages_per_chat: z
        .number()
        .int()
        .min(0)
        .max(100_000)
        .default(DEFAULT_SETTINGS.backfill.maxMessagesPerChat),
    })
    .default({ max_messages_per_chat: DEFAULT_SETTINGS.backfill.maxMessagesPerChat }),
  telegram: z
    .strictObject({
      flood_sleep_threshold: z
        .number()
        .int()
        .min(0)
        .max(86_400)
        .default(DEFAULT_SETTINGS.telegram.floodSleepThreshold),
    })
    .default({ flood_sleep_threshold: DEFAULT_SETTINGS.telegram.floodSleepThreshold }),
  retention: retentionSchema,
  webhooks: webhooksSchema,
  scoring: z
    .strictObject({
      embedding_model_dir: z.string().trim().min(1, "must not be empty").nullable().default(null),
    })
    .default({ embedding_model_dir: null }),
});

function isCron(expression: string): boolean {
  try {
    new Cron(expression, { paused: true }).stop();
    return true;
  } catch {
    return false;
  }
}

export interface ConfigFileResult {
  settings: SentinelSettings;
  /** Problems, each naming the file and the key; empty when the file is valid. */
  problems: string[];
  /** False when the file does not exist and was not required (defaults are used). */
  found: boolean;
}

/**
 * Reads and validates the YAML file at `file`. A missing file is a problem only when `required`
 * (TG_CONFIG_PATH was set explicitly); an unreadable file or invalid YAML always is.
 */
export function loadConfigFile(
  file: string,
  options: { required: boolean; label?: string },
): ConfigFileResult {
  const label = options.label ?? file;
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" && !options.required)
      return { settings: DEFAULT_SETTINGS, problems: [], found: false };
    return {
      settings: DEFAULT_SETTINGS,
      problems: [`${label} cannot be read (${code ?? "error"})`],
      found: false,
    };
  }
  let document: unknown;
  try {
    document = parseYaml(text, { prettyErrors: true }) ?? {};
  } catch (err) {
    const first = String((err as Error).message).split("\n")[0];
    return { settings: DEFAULT_SETTINGS, problems: [`${label} is not valid YAML: ${first}`], found: true };
  }
  const { settings, problems } = parseSettings(document);
  const modelDir = settings.scoring.embeddingModelDir;
  // Paths in the file are relative to the file, wherever the sentinel was started from.
  const resolved =
    modelDir === null
      ? settings
      : { ...settings, scoring: { embeddingModelDir: path.resolve(path.dirname(file), modelDir) } };
  return { settings: resolved, problems: problems.map((p) => `${label}: ${p}`), found: true };
}

/** Validates an already-parsed document (also used by tests and the embedded runner). */
export function parseSettings(document: unknown): { settings: SentinelSettings; problems: string[] } {
  if (document === null || typeof document !== "object" || Array.isArray(document)) {
    return { settings: DEFAULT_SETTINGS, problems: ["the top level must be a mapping of sections"] };
  }
  const result = schema.safeParse(document);
  if (!result.success) {
    return {
      settings: DEFAULT_SETTINGS,
      problems: result.error.issues.map((issue) => `${issuePath(issue.path)}: ${issueMessage(issue)}`),
    };
  }
  const c = result.data;
  const profiles = parseProfiles({ profiles: c.profiles });
  if (!profiles.ok) {
    return {
      settings: DEFAULT_SETTINGS,
      problems: profiles.errors.map((e) => `${e.path === "" ? "profiles" : e.path}: ${e.message}`),
    };
  }
  return {
    settings: {
      profiles: profiles.profiles,
      chats: { include: c.chats.include, exclude: c.chats.exclude },
      digest: {
        schedules: c.digest.schedules.map((s) => ({ name: s.name, cron: s.cron, topN: s.top_n })),
        deliverToSavedMessages: c.digest.deliver_to_saved_messages,
      },
      alerts: {
        perChatPerHour: c.alerts.per_chat_per_hour,
        perProfilePerHour: c.alerts.per_profile_per_hour,
        delivery: {
          mode: c.alerts.delivery.mode,
          target: c.alerts.delivery.target ?? null,
          maxPerMinute: c.alerts.delivery.max_per_minute,
        },
      },
      apiRateLimit: {
        max: c.api_rate_limit.max,
        tokenMax: c.api_rate_limit.token_max,
        timeWindowMs: c.api_rate_limit.time_window,
      },
      backfill: { maxMessagesPerChat: c.backfill.max_messages_per_chat },
      telegram: { floodSleepThreshold: c.telegram.flood_sleep_threshold },
      retention: {
        messagesDays: c.retention.messages_days,
        alertedMessagesDays: c.retention.alerted_messages_days,
        vacuumCron: c.retention.vacuum_cron,
      },
      webhooks: c.webhooks.map((hook) => {
        const secret = hook.secret;
        return {
          name: webhookName(hook),
          profile: hook.profile,
          url: hook.url,
          secret: secret === undefined ? null : () => secret,
          secretEnv: hook.secret_env ?? null,
        };
      }),
      scoring: { embeddingModelDir: c.scoring.embedding_model_dir },
    },
    problems: [],
  };
}

function issuePath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return "(top level)";
  return path
    .map((p, i) => (typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${String(p)}`))
    .join("");
}

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === "unrecognized_keys")
    return `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.join(", ")}`;
  return issue.message;
}
