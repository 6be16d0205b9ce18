/**
 * The scoring profiles over REST:
 * - `GET /api/profiles` → `{ profiles, count, updated_at }` (validated, defaults filled, by name);
 * - `PUT /api/profiles` with the full set (`{ "profiles": [...] }` or a bare array) replaces it;
 *   an invalid set is refused with 400 `INVALID_PROFILES` and `error.details: [{ path, message }]`
 *   naming each field, and the previous set stays in force (without an embedding model, a
 *   `semantic` rule is such an error);
 * - `POST /api/profiles/test` scores sample texts against a profile (or a set, or the set in
 *   force) and stores nothing: the UI's "test this profile" panel.
 */
import { ok, SentinelError } from "@tgsentinel/contract/envelope.ts";
import type { FastifyPluginAsync } from "fastify";
import fp from "fastify-plugin";
import { z } from "zod";
import type { NormalizedMessage } from "../ingestion/message.ts";
import type { ProfileScore } from "../scoring/engine.ts";
import { type Profile, type ProfileError, parseProfiles, semanticWithoutModel } from "../scoring/profile.ts";

/** A set can hold thousands of keywords: PUT accepts bodies up to this size. */
export const PROFILES_BODY_LIMIT = 8 * 1024 * 1024;
/** Sample messages per test request. */
export const PROFILE_TEST_MAX_MESSAGES = 100;
export const PROFILE_TEST_MAX_TEXT = 10_000;

function invalidProfiles(errors: ProfileError[]): SentinelError {
  const first = errors[0];
  const where = first ? `${first.path === "" ? "" : `${first.path} `}${first.message}` : "invalid";
  return new SentinelError(
    "INVALID_PROFILES",
    `The profile set is invalid: ${where}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ""}`,
    { details: errors },
  );
}

function profilesAnswer(profiles: readonly Profile[], updatedAt: Date | null) {
  return { profiles, count: profiles.length, updated_at: updatedAt?.toISOString() ?? null };
}

const sampleSchema = z.union([
  z.string().max(PROFILE_TEST_MAX_TEXT),
  z.strictObject({
    text: z.string().max(PROFILE_TEST_MAX_TEXT),
    chat_id: z.union([z.string().max(40), z.number().int()]).optional(),
    chat_title: z.string().max(255).optional(),
    chat_username: z.string().max(64).optional(),
    sender_id: z.union([z.string().max(40), z.number().int()]).optional(),
    sender_username: z.string().max(64).optional(),
    sender_name: z.string().max(255).optional(),
    mentions_me: z.boolean().optional(),
    reactions: z.number().int().min(0).optional(),
    forwards: z.number().int().min(0).optional(),
  }),
]);

const testSchema = z
  .strictObject({
    profile: z.unknown().optional(),
    profiles: z.unknown().optional(),
    text: z.string().max(PROFILE_TEST_MAX_TEXT).optional(),
    messages: z.array(sampleSchema).min(1).max(PROFILE_TEST_MAX_MESSAGES).optional(),
  })
  .refine((b) => (b.text === undefined) !== (b.messages === undefined), {
    message: "give either text or messages",
    path: ["text"],
  })
  .refine((b) => b.profile === undefined || b.profiles === undefined, {
    message: "give either profile or profiles",
    path: ["profile"],
  });

type Sample = z.infer<typeof sampleSchema>;

function sampleMessage(sample: Sample, index: number): NormalizedMessage {
  const s = typeof sample === "string" ? { text: sample } : sample;
  return {
    chatId: s.chat_id === undefined ? "0" : String(s.chat_id),
    chatTitle: s.chat_title ?? "",
    chatType: "channel",
    chatUsername: s.chat_username ?? null,
    messageId: index + 1,
    senderId: s.sender_id === undefined ? null : String(s.sender_id),
    senderUsername: s.sender_username ?? null,
    senderName: s.sender_name ?? null,
    text: s.text,
    date: new Date(0),
    editDate: null,
    replyToMsgId: null,
    forwardFrom: null,
    link: null,
    mentionsMe: s.mentions_me ?? false,
    reactions: s.reactions ?? 0,
    forwards: s.forwards ?? 0,
  };
}

/** One sample's verdict: the best profile's score and reasons on top, every profile's below. */
export interface ProfileTestResult {
  index: number;
  text: string;
  /** The best score over the profiles tested (0 when none scored). */
  score: number;
  /** The threshold of the profile with the best score (null when none scored). */
  threshold: number | null;
  /** True when some profile reached its threshold (the message would be an alert). */
  matched: boolean;
  profile: string | null;
  reasons: ProfileScore["reasons"];
  profiles: ProfileScore[];
}

const profilesPlugin: FastifyPluginAsync = async (app) => {
  /** Semantic rules are refused while no embedding model is loaded (they could never score). */
  const modelErrors = (set: readonly Profile[]): ProfileError[] =>
    app.scoring.semanticAvailable ? [] : semanticWithoutModel(set);

  app.get("/api/profiles", async () => ok(profilesAnswer(app.scoring.profiles, app.scoring.updatedAt)));

  app.put("/api/profiles", { bodyLimit: PROFILES_BODY_LIMIT }, async (request) => {
    if (request.body === undefined || request.body === null)
      throw invalidProfiles([{ path: "", message: 'send the full set as { "profiles": [...] }' }]);
    const parsed = parseProfiles(request.body);
    const errors = parsed.ok ? modelErrors(parsed.profiles) : parsed.errors;
    if (!parsed.ok || errors.length > 0) {
      request.log.info({ errors: errors.length }, "profile set refused");
      throw invalidProfiles(errors);
    }
    await app.scoring.replaceProfiles(parsed.profiles);
    request.log.info({ profiles: parsed.profiles.length }, "profile set replaced");
    return ok(profilesAnswer(app.scoring.profiles, app.scoring.updatedAt), "Profiles updated");
  });

  app.post("/api/profiles/test", { bodyLimit: PROFILES_BODY_LIMIT }, async (request) => {
    const body = testSchema.safeParse(request.body ?? {});
    if (!body.success) {
      const details = body.error.issues.map((issue) => ({
        path: issue.path
          .map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`))
          .join("")
          .replace(/^\./, ""),
        message: issue.message,
      }));
      throw new SentinelError("VALIDATION_FAILED", `${details[0]!.path} ${details[0]!.message}`.trim(), {
        details,
      });
    }
    const { profile, profiles, text, messages } = body.data;
    let set: readonly Profile[];
    if (profile !== undefined) {
      const parsed = parseProfiles([profile]);
      const errors = parsed.ok ? modelErrors(parsed.profiles) : parsed.errors;
      if (!parsed.ok || errors.length > 0)
        throw invalidProfiles(
          errors.map((e) => ({ ...e, path: e.path.replace(/^profiles\[0\]/, "profile") })),
        );
      set = parsed.profiles;
    } else if (profiles !== undefined) {
      const parsed = parseProfiles(profiles);
      const errors = parsed.ok ? modelErrors(parsed.profiles) : parsed.errors;
      if (!parsed.ok || errors.length > 0) throw invalidProfiles(errors);
      set = parsed.profiles;
    } else set = app.scoring.profiles;
    // A disabled profile is still tested: that is what the panel is for.
    const scorer = await app.scoring.scorerFor(set.map((p) => ({ ...p, enabled: true })));
    const samples = (messages ?? [text!]).map(sampleMessage);
    const embeddings = await app.scoring.embedMessages(scorer, samples);
    const results: ProfileTestResult[] = samples.map((message, index) => {
      const scores = scorer.score(message, { embedding: embeddings?.[index] ?? null });
      const best = scores.reduce<ProfileScore | null>(
        (b, s) => (b === null || s.score > b.score ? s : b),
        null,
      );
      return {
        index,
        text: message.text,
        score: best?.score ?? 0,
        threshold: best?.threshold ?? null,
        matched: scores.some((s) => s.alert),
        profile: best?.profile ?? null,
        reasons: best?.reasons ?? [],
        profiles: scores,
      };
    });
    return ok({ results, profiles: set.map((p) => p.name) });
  });
};

export default fp(profilesPlugin, { name: "profiles", dependencies: ["scoring"], fastify: "5.x" });
