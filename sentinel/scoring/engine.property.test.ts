import { describe, expect, it } from "vitest";
import type { NormalizedMessage } from "../ingestion/message.ts";
import { buildScorer, type ProfileScore, type Reason } from "./engine.ts";
import { type Profile, type ProfileInput, parseProfiles } from "./profile.ts";
import { SeededRandom } from "./seeded-random.ts";

const VOCABULARY = [
  "zero-day",
  "exploit",
  "exploitation",
  "leak",
  "ransomware",
  "patch",
  "remote code execution",
  "vpn",
  "breach",
  "phishing",
  "backdoor",
  "botnet",
  "zéro-day",
  "rançongiciel",
  "уязвимость",
  "漏洞",
  "weather",
  "football",
  "lunch",
  "meeting",
];
const FILLER = ["the", "a", "is", "in", "now", "today", "new", "big", "our", "team", "📢", "—", ",", "!"];
const REGEXES = ["CVE-\\d{4}-\\d{4,}", "\\b[A-Z]{3,}\\b", "https?://\\S+", "\\d+%", "(?:buy|sell) \\d+"];
const CHATS = [
  { chatId: "-1001", chatTitle: "Threat Intel", chatType: "channel" as const, chatUsername: "intel" },
  { chatId: "-1002", chatTitle: "Memes", chatType: "channel" as const, chatUsername: null },
  { chatId: "-303", chatTitle: "Family", chatType: "group" as const, chatUsername: null },
  { chatId: "42", chatTitle: "Alice Smith", chatType: "user" as const, chatUsername: "alice" },
];
const SENDERS = [
  { senderId: "42", senderUsername: "alice", senderName: "Alice Smith" },
  { senderId: "43", senderUsername: null, senderName: "Bob" },
  { senderId: "-1001", senderUsername: "intel", senderName: "Threat Intel" },
];

function randomProfile(random: SeededRandom, name: string, withExamples: boolean): ProfileInput {
  const profile: ProfileInput = {
    name,
    enabled: random.chance(0.9),
    threshold: random.int(1, 8) / 2,
    keywords: random
      .sample(VOCABULARY.slice(0, 12).concat(VOCABULARY.slice(14)), random.int(0, 6))
      .map((term) => ({ term, weight: random.int(0, 6) / 2 })),
    regex: random
      .sample(REGEXES, random.int(0, 2))
      .map((pattern) => ({ pattern, weight: random.int(1, 4) / 2 })),
    vip_senders: random
      .sample(
        [{ id: 42 }, { username: "@Alice" }, { name: "bob" }, { id: "-1001" }, { username: "nobody" }],
        random.int(0, 2),
      )
      .map((vip) => ({ ...vip, weight: random.int(1, 3) / 2 })),
    chats: {
      include: random.chance(0.3)
        ? random.sample(["Threat Intel", "-303", 42, "@alice"], random.int(1, 2))
        : [],
      exclude: random.chance(0.3) ? random.sample(["memes", "-1001", "Family"], 1) : [],
    },
  };
  if (random.chance(0.4)) profile.mentions_me = { weight: random.int(1, 4) / 2 };
  if (random.chance(0.3)) profile.engagement = { weight: 1, min_reactions: random.int(1, 50) };
  if (withExamples && random.chance(0.5)) {
    profile.examples = {
      weight: random.int(1, 4) / 2,
      min_similarity: random.int(1, 6) / 10,
      texts: Array.from({ length: random.int(1, 3) }, () => sentence(random)),
    };
  }
  return profile;
}

function sentence(random: SeededRandom): string {
  const words = Array.from({ length: random.int(1, 14) }, () =>
    random.chance(0.45) ? random.pick(VOCABULARY) : random.pick(FILLER),
  );
  if (random.chance(0.2)) words.push(`CVE-2024-${random.int(1000, 99999)}`);
  if (random.chance(0.1)) words.push("https://example.com/x");
  return words.join(random.pick([" ", "  ", "\n", " \u00a0"]));
}

function vary(random: SeededRandom, text: string): string {
  switch (random.int(0, 3)) {
    case 0:
      return text.toUpperCase();
    case 1:
      return text.replace(/[a-z]/g, (c) =>
        random.chance(0.3) ? String.fromCharCode(c.charCodeAt(0) + 0xfee0) : c,
      );
    case 2:
      return text.replace(/e/g, () => (random.chance(0.5) ? "é" : "e"));
    default:
      return text;
  }
}

function randomMessage(random: SeededRandom, id: number): NormalizedMessage {
  return {
    ...random.pick(CHATS),
    ...random.pick(SENDERS),
    messageId: id,
    text: vary(random, sentence(random)),
    date: new Date(1_730_000_000_000 + id * 1000),
    editDate: null,
    replyToMsgId: null,
    forwardFrom: null,
    link: null,
    mentionsMe: random.chance(0.2),
    reactions: random.int(0, 60),
    forwards: random.int(0, 5),
  };
}

function valid(inputs: ProfileInput[]): Profile[] {
  const parsed = parseProfiles({ profiles: inputs });
  if (!parsed.ok) throw new Error(`generated profiles invalid: ${JSON.stringify(parsed.errors)}`);
  return parsed.profiles;
}

function byProfile(scores: ProfileScore[]): Map<string, ProfileScore> {
  return new Map(scores.map((s) => [s.profile, s]));
}

function withoutSimilarity(score: ProfileScore | undefined): Reason[] {
  return (score?.reasons ?? []).filter((r) => r.kind !== "similarity");
}

const ROUNDS = 25;
const MESSAGES_PER_ROUND = 40;

describe("scoring properties (seeded random profiles and messages)", () => {
  it("scores the same message the same way every time, with the same or a rebuilt scorer", () => {
    const random = new SeededRandom(7);
    for (let round = 0; round < ROUNDS; round++) {
      const set = valid(
        Array.from({ length: random.int(1, 6) }, (_, i) => randomProfile(random, `p${i}`, true)),
      );
      const scorer = buildScorer(set);
      const rebuilt = buildScorer(set);
      for (let m = 0; m < MESSAGES_PER_ROUND; m++) {
        const message = randomMessage(random, m);
        const first = scorer.score(message);
        expect(scorer.score(message), `round ${round} message ${m}`).toEqual(first);
        expect(rebuilt.score(message), `round ${round} message ${m}`).toEqual(first);
        for (const result of first) {
          expect(result.score).toBeGreaterThan(0);
          expect(result.alert).toBe(result.score >= result.threshold);
          for (const reason of result.reasons) {
            if (reason.start !== undefined)
              expect(message.text.slice(reason.start, reason.end)).toBe(reason.text);
          }
        }
      }
    }
  });

  it("never changes another profile's score when a profile is added, wherever it goes", () => {
    const random = new SeededRandom(11);
    for (let round = 0; round < ROUNDS; round++) {
      const inputs = Array.from({ length: random.int(1, 6) }, (_, i) => randomProfile(random, `p${i}`, true));
      const added = randomProfile(random, "added", false);
      const at = random.int(0, inputs.length);
      const before = buildScorer(valid(inputs));
      const after = buildScorer(valid([...inputs.slice(0, at), added, ...inputs.slice(at)]));
      for (let m = 0; m < MESSAGES_PER_ROUND; m++) {
        const message = randomMessage(random, m);
        const a = byProfile(before.score(message));
        const b = byProfile(after.score(message));
        b.delete("added");
        expect(b, `round ${round} message ${m}`).toEqual(a);
      }
    }
  });

  it("keeps other profiles' keyword, regex and signal reasons when the added profile has examples", () => {
    // Example texts feed the shared IDF, so only similarity values may move (see similarity.ts).
    const random = new SeededRandom(13);
    for (let round = 0; round < ROUNDS; round++) {
      const inputs = Array.from({ length: random.int(1, 5) }, (_, i) => randomProfile(random, `p${i}`, true));
      const added: ProfileInput = {
        ...randomProfile(random, "added", false),
        examples: { weight: 1, texts: [sentence(random), sentence(random)] },
      };
      const before = buildScorer(valid(inputs));
      const after = buildScorer(valid([added, ...inputs]));
      for (let m = 0; m < MESSAGES_PER_ROUND; m++) {
        const message = randomMessage(random, m);
        const a = byProfile(before.score(message));
        const b = byProfile(after.score(message));
        for (const input of inputs) {
          expect(withoutSimilarity(b.get(input.name)), `round ${round} message ${m}`).toEqual(
            withoutSimilarity(a.get(input.name)),
          );
        }
      }
    }
  });

  it("does not depend on the order of the profiles", () => {
    const random = new SeededRandom(17);
    for (let round = 0; round < ROUNDS; round++) {
      const set = valid(
        Array.from({ length: random.int(2, 6) }, (_, i) => randomProfile(random, `p${i}`, true)),
      );
      const forward = buildScorer(set);
      const backward = buildScorer([...set].reverse());
      for (let m = 0; m < MESSAGES_PER_ROUND; m++) {
        const message = randomMessage(random, m);
        expect(byProfile(backward.score(message)), `round ${round} message ${m}`).toEqual(
          byProfile(forward.score(message)),
        );
      }
    }
  });
});
