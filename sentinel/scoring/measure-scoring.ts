/**
 * Quick measurement of scorer build time and per-message cost as the number of profiles grows
 * (not a test, not the bench): `npx tsx sentinel/scoring/measure-scoring.ts`.
 *
 * Messages are made of common words plus, in 30% of them, one keyword of some profile, so the
 * number of matching profiles per message stays the same whatever the number of profiles: what
 * grows is the dictionary the message is scanned against.
 *
 * - keywords: 50 keywords per profile.
 * - signals: also one regex per profile (20 distinct patterns, shared), a VIP, a chat filter; 5% of
 *   profiles weigh mentions.
 * - mixed: signals, and 10% of profiles have 3 example texts.
 * - examples: every profile has 3 example texts (similarity work grows with the example count).
 */
import type { NormalizedMessage } from "../ingestion/message.ts";
import { buildScorer, scoreAll } from "./engine.ts";
import { type Profile, type ProfileInput, parseProfiles } from "./profile.ts";
import { SeededRandom } from "./seeded-random.ts";

type Variant = "keywords" | "signals" | "mixed" | "examples";

const random = new SeededRandom(42);
const SYLLABLES =
  "ba be bi bo bu da de di do du fa fe fi fo ka ke ki ko la le li lo ma me mi mo na ne ni no ra re ri ro sa se si so ta te ti to va ve vi vo za ze zi zo".split(
    " ",
  );
const topicWord = () => Array.from({ length: random.int(3, 4) }, () => random.pick(SYLLABLES)).join("");
const TOPIC_WORDS = [...new Set(Array.from({ length: 80_000 }, topicWord))];
const COMMON_WORDS =
  "the of and to in is it that for on was with as at by this from or be are have not but what all were when we there can an your which their said if do will each about how up out them then she many some so these would other into has more her two like him see time could no make than first been its who now people my made over did down only way find use may water long little very after words called just where most know".split(
    " ",
  );
const REGEXES = Array.from({ length: 20 }, (_, i) => `\\b${topicWord()}-\\d{${(i % 3) + 2}}\\b`);
const PROFILE_COUNTS = [10, 100, 1_000];
const MESSAGES = 3_000;

function commonSentence(words: number): string {
  return Array.from({ length: words }, () => random.pick(COMMON_WORDS)).join(" ");
}

function profileSet(count: number, variant: Variant): Profile[] {
  const inputs: ProfileInput[] = [];
  for (let p = 0; p < count; p++) {
    const input: ProfileInput = {
      name: `profile-${p}`,
      threshold: 2,
      keywords: random.sample(TOPIC_WORDS, 50).map((term) => ({ term, weight: 1 })),
    };
    if (variant === "signals" || variant === "mixed") {
      input.regex = [{ pattern: random.pick(REGEXES), weight: 1 }];
      input.vip_senders = [{ id: random.int(1, 100_000) }];
      input.chats = { exclude: [`chat-${random.int(0, 50)}`] };
      if (random.chance(0.05)) input.mentions_me = { weight: 1 };
    }
    if (variant === "examples" || (variant === "mixed" && random.chance(0.1))) {
      const example = () => `${commonSentence(12)} ${random.sample(TOPIC_WORDS, 4).join(" ")}`;
      input.examples = { weight: 1, texts: [example(), example(), example()] };
    }
    inputs.push(input);
  }
  const parsed = parseProfiles({ profiles: inputs });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors.slice(0, 3)));
  return parsed.profiles;
}

function messagesFor(set: Profile[]): NormalizedMessage[] {
  return Array.from({ length: MESSAGES }, (_, i) => {
    const words = commonSentence(random.int(10, 60)).split(" ");
    if (random.chance(0.3)) {
      words.splice(random.int(0, words.length), 0, random.pick(random.pick(set).keywords).term);
    }
    return {
      chatId: `-100${i % 60}`,
      chatTitle: `chat-${i % 60}`,
      chatType: "channel",
      chatUsername: null,
      messageId: i,
      senderId: String(random.int(1, 100_000)),
      senderUsername: null,
      senderName: null,
      text: `${words.join(" ")}. Ref ${topicWord()}-${random.int(100, 9999)}!`,
      date: new Date(1_730_000_000_000 + i),
      editDate: null,
      replyToMsgId: null,
      forwardFrom: null,
      link: null,
      mentionsMe: i % 20 === 0,
      reactions: 0,
      forwards: 0,
    };
  });
}

function measure(count: number, variant: Variant): void {
  const set = profileSet(count, variant);
  const messages = messagesFor(set);
  const builds: number[] = [];
  let start = performance.now();
  let scorer = buildScorer(set);
  const coldBuild = performance.now() - start;
  for (let b = 0; b < 3; b++) {
    start = performance.now();
    scorer = buildScorer(set);
    builds.push(performance.now() - start);
  }
  scoreAll(scorer, messages.slice(0, 500)); // warm-up
  const rounds = 3;
  start = performance.now();
  for (let r = 0; r < rounds; r++) scoreAll(scorer, messages);
  const perMessageUs = ((performance.now() - start) * 1000) / (rounds * messages.length);
  const results = scoreAll(scorer, messages).reduce((sum, s) => sum + s.scores.length, 0) / messages.length;
  console.log(
    `${variant.padEnd(8)} ${String(count).padStart(5)} profiles: ` +
      `build ${Math.min(...builds)
        .toFixed(0)
        .padStart(4)} ms (first ${coldBuild.toFixed(0).padStart(4)} ms), ` +
      `${perMessageUs.toFixed(1).padStart(6)} µs/message, ${results.toFixed(2)} profile results/message`,
  );
}

console.log(`node ${process.version}; ${MESSAGES} messages of 10-60 words; 50 keywords per profile`);
for (const variant of ["keywords", "signals", "mixed", "examples"] as const) {
  for (const count of PROFILE_COUNTS) measure(count, variant);
}
