import { describe, expect, it } from "vitest";
import type { NormalizedMessage } from "../ingestion/message.ts";
import { buildScorer, MAX_REGEX_INPUT, type ProfileScore, scoreAll } from "./engine.ts";
import { MAX_KEYWORDS_PER_PROFILE, type Profile, type ProfileInput, parseProfiles } from "./profile.ts";

function profiles(...inputs: ProfileInput[]): Profile[] {
  const parsed = parseProfiles({ profiles: inputs });
  if (!parsed.ok) throw new Error(`test profiles invalid: ${JSON.stringify(parsed.errors)}`);
  return parsed.profiles;
}

function message(overrides: Partial<NormalizedMessage> = {}): NormalizedMessage {
  return {
    chatId: "-1001234567890",
    chatTitle: "Threat Intel",
    chatType: "channel",
    chatUsername: "threatintel",
    messageId: 42,
    senderId: "-1001234567890",
    senderUsername: null,
    senderName: "Threat Intel",
    text: "",
    date: new Date("2024-11-04T09:00:00Z"),
    editDate: null,
    replyToMsgId: null,
    forwardFrom: null,
    link: "https://t.me/threatintel/42",
    mentionsMe: false,
    reactions: 0,
    forwards: 0,
    ...overrides,
  };
}

function scoreOf(result: ProfileScore[], name: string): ProfileScore | undefined {
  return result.find((r) => r.profile === name);
}

/** Scores `text` against one profile with the given keywords and returns the matched terms. */
function keywordHits(keywords: ProfileInput["keywords"], text: string): string[] {
  const scorer = buildScorer(profiles({ name: "p", keywords }));
  return (scorer.score(message({ text }))[0]?.reasons ?? []).map((r) => r.term);
}

describe("keyword matching", () => {
  it("matches whole words only: exploit does not match exploitation", () => {
    expect(keywordHits(["exploit"], "Mass exploitation of VPN appliances")).toEqual([]);
    expect(keywordHits(["exploit"], "unexploitable")).toEqual([]);
    expect(keywordHits(["exploit"], "exploit_kit released")).toEqual([]);
    expect(keywordHits(["exploit"], "New exploit released")).toEqual(["exploit"]);
    expect(keywordHits(["exploit"], "(exploit)")).toEqual(["exploit"]);
    expect(keywordHits(["exploit"], "exploit")).toEqual(["exploit"]);
  });

  it("ignores case", () => {
    expect(keywordHits(["Ransomware"], "RANSOMWARE attack")).toEqual(["Ransomware"]);
    expect(keywordHits(["ransomware"], "RaNsOmWaRe")).toEqual(["ransomware"]);
  });

  it("ignores accents on either side: zéro-day matches zero-day", () => {
    expect(keywordHits(["zero-day"], "Une zéro-day dans le VPN")).toEqual(["zero-day"]);
    expect(keywordHits(["zéro-day"], "a zero-day in the VPN")).toEqual(["zéro-day"]);
    expect(keywordHits(["Łódź"], "meeting in lodz")).toEqual(["Łódź"]);
    // Accent written as a combining mark.
    expect(keywordHits(["cafe"], "un cafe\u0301 noir")).toEqual(["cafe"]);
  });

  it("ignores width: fullwidth letters match", () => {
    expect(keywordHits(["exploit"], "ｅｘｐｌｏｉｔ ｎｏｗ")).toEqual(["exploit"]);
    expect(keywordHits(["ＣＶＥ"], "cve list")).toEqual(["ＣＶＥ"]);
  });

  it("matches phrases across any run of whitespace, but not across other characters", () => {
    const phrase = ["remote code execution"];
    expect(keywordHits(phrase, "remote   code\n\texecution")).toEqual(["remote code execution"]);
    expect(keywordHits(phrase, "remote\u00a0code\u2003execution")).toEqual(["remote code execution"]);
    expect(keywordHits(phrase, "remote-code-execution")).toEqual([]);
    expect(keywordHits(phrase, "remote code executions")).toEqual([]);
    expect(keywordHits(["zero-day"], "Zero-Day")).toEqual(["zero-day"]);
    expect(keywordHits(["zero-day"], "zero day")).toEqual([]);
  });

  it("does not require word boundaries inside scripts written without spaces", () => {
    expect(keywordHits(["漏洞"], "发现严重漏洞了")).toEqual(["漏洞"]);
    expect(keywordHits(["ai"], "AI芯片")).toEqual(["ai"]);
  });

  it("reports the original span and text of the first whole-word occurrence", () => {
    const text = "Ｚéro-Day!! exploitation, then: EXPLOIT; exploit again";
    const scorer = buildScorer(
      profiles({
        name: "p",
        keywords: [
          { term: "zero-day", weight: 2 },
          { term: "exploit", weight: 1 },
        ],
      }),
    );
    const [result] = scorer.score(message({ text }));
    expect(result?.reasons).toEqual([
      { kind: "keyword", term: "zero-day", weight: 2, start: 0, end: 8, text: "Ｚéro-Day" },
      { kind: "keyword", term: "exploit", weight: 1, start: 31, end: 38, text: "EXPLOIT" },
    ]);
    for (const reason of result?.reasons ?? [])
      expect(text.slice(reason.start, reason.end)).toBe(reason.text);
  });

  it("reports spans in UTF-16 offsets after astral characters and expansions", () => {
    const text = "🚨🚨 ﬁnal ZERO-DAY";
    const scorer = buildScorer(profiles({ name: "p", keywords: ["zero-day", "final"] }));
    const reasons = scorer.score(message({ text }))[0]!.reasons;
    expect(reasons.map((r) => [r.term, r.start, r.end, r.text])).toEqual([
      ["final", 5, 9, "ﬁnal"],
      ["zero-day", 10, 18, "ZERO-DAY"],
    ]);
  });

  it("counts each keyword once per message", () => {
    const scorer = buildScorer(profiles({ name: "p", keywords: [{ term: "leak", weight: 1.5 }] }));
    const [result] = scorer.score(message({ text: "leak leak LEAK leak" }));
    expect(result?.score).toBe(1.5);
    expect(result?.reasons).toHaveLength(1);
  });

  it("maps a term shared by several profiles to each of them", () => {
    const scorer = buildScorer(
      profiles(
        { name: "a", keywords: [{ term: "Leak", weight: 1 }] },
        { name: "b", keywords: [{ term: "léak", weight: 3 }] },
      ),
    );
    const result = scorer.score(message({ text: "data LEAK" }));
    expect(result.map((r) => [r.profile, r.score, r.reasons[0]?.term])).toEqual([
      ["a", 1, "Leak"],
      ["b", 3, "léak"],
    ]);
  });

  it("finds overlapping keywords of different lengths", () => {
    const scorer = buildScorer(
      profiles({ name: "p", keywords: ["day", "zero-day", "zero-day exploit", "exploit"] }),
    );
    const terms = scorer.score(message({ text: "a zero-day exploit" }))[0]!.reasons.map((r) => r.term);
    expect(terms).toEqual(["zero-day", "zero-day exploit", "day", "exploit"]);
  });
});

describe("regex", () => {
  it("matches case-sensitively unless flags say otherwise, with original spans", () => {
    const scorer = buildScorer(
      profiles(
        { name: "cve", regex: [{ pattern: "CVE-\\d{4}-\\d{4,}", weight: 1.5 }] },
        { name: "cve-i", regex: [{ pattern: "cve-\\d{4}-\\d{4,}", weight: 1, flags: "i" }] },
      ),
    );
    const text = "Patch CVE-2024-47575 now";
    expect(scorer.score(message({ text }))).toEqual([
      {
        profile: "cve",
        score: 1.5,
        threshold: 1,
        alert: true,
        reasons: [
          {
            kind: "regex",
            term: "CVE-\\d{4}-\\d{4,}",
            weight: 1.5,
            start: 6,
            end: 20,
            text: "CVE-2024-47575",
          },
        ],
      },
      {
        profile: "cve-i",
        score: 1,
        threshold: 1,
        alert: true,
        reasons: [
          { kind: "regex", term: "cve-\\d{4}-\\d{4,}", weight: 1, start: 6, end: 20, text: "CVE-2024-47575" },
        ],
      },
    ]);
    expect(scoreOf(scorer.score(message({ text: "patch cve-2024-47575" })), "cve")).toBeUndefined();
    expect(scoreOf(scorer.score(message({ text: "patch cve-2024-47575" })), "cve-i")?.score).toBe(1);
  });

  it("only sees the first MAX_REGEX_INPUT characters of a message", () => {
    const scorer = buildScorer(profiles({ name: "p", regex: [{ pattern: "NEEDLE" }], keywords: ["needle"] }));
    const inside = `${"x ".repeat((MAX_REGEX_INPUT - 8) / 2)}NEEDLE`;
    expect(scorer.score(message({ text: inside }))[0]!.reasons.map((r) => r.kind)).toEqual([
      "keyword",
      "regex",
    ]);
    const beyond = `${"x ".repeat(MAX_REGEX_INPUT / 2)}NEEDLE`;
    // Keywords (linear-time automaton) still see the whole text; the regex does not.
    expect(scorer.score(message({ text: beyond }))[0]!.reasons.map((r) => r.kind)).toEqual(["keyword"]);
  });
});

describe("chat filters", () => {
  const set = profiles(
    { name: "all", keywords: ["alert"] },
    { name: "no-memes-by-title", keywords: ["alert"], chats: { exclude: ["memes"] } },
    { name: "no-memes-by-id", keywords: ["alert"], chats: { exclude: [-1009999] } },
    { name: "only-intel-by-title", keywords: ["alert"], chats: { include: ["THREAT INTEL"] } },
    { name: "only-intel-by-id", keywords: ["alert"], chats: { include: ["-1001234567890"] } },
    { name: "only-intel-by-username", keywords: ["alert"], chats: { include: ["@ThreatIntel"] } },
    {
      name: "include-and-exclude",
      keywords: ["alert"],
      chats: { include: ["Memes", "Threat Intel"], exclude: ["Memes"] },
    },
  );
  const scorer = buildScorer(set);
  const names = (m: NormalizedMessage) => scorer.score(m).map((r) => r.profile);

  it("includes and excludes chats by id and by title (case-insensitive); exclude wins", () => {
    expect(names(message({ text: "alert" }))).toEqual([
      "all",
      "no-memes-by-title",
      "no-memes-by-id",
      "only-intel-by-title",
      "only-intel-by-id",
      "only-intel-by-username",
      "include-and-exclude",
    ]);
    const memes = message({ text: "alert", chatId: "-1009999", chatTitle: "Memes", chatUsername: null });
    expect(names(memes)).toEqual(["all"]);
    const memesOtherId = { ...memes, chatId: "-1008888" };
    expect(names(memesOtherId)).toEqual(["all", "no-memes-by-id"]);
    const memesRenamed = { ...memes, chatTitle: "Funny" };
    expect(names(memesRenamed)).toEqual(["all", "no-memes-by-title"]);
  });
});

describe("VIP senders", () => {
  const scorer = buildScorer(
    profiles(
      { name: "by-id", vip_senders: [{ id: 777, weight: 1 }] },
      { name: "by-username", vip_senders: [{ username: "@Alice", weight: 2 }] },
      { name: "by-name", vip_senders: [{ name: "Alice Smith", weight: 0.5 }] },
    ),
  );

  it("recognises a sender by id, @username (case-insensitive) or display name", () => {
    const m = message({ senderId: "777", senderUsername: "alice", senderName: "ALICE  SMITH", text: "hi" });
    expect(scorer.score(m).map((r) => [r.profile, r.score, r.reasons[0]?.term])).toEqual([
      ["by-id", 1, "777"],
      ["by-username", 2, "@alice"],
      ["by-name", 0.5, "Alice Smith"],
    ]);
    expect(scorer.score(message({ senderId: "778", senderUsername: "bob", senderName: "Alice" }))).toEqual(
      [],
    );
  });
});

describe("signals", () => {
  it("adds the mention weight when the message mentions or replies to the owner", () => {
    const scorer = buildScorer(profiles({ name: "me", threshold: 2, mentions_me: { weight: 2 } }));
    expect(scorer.score(message({ mentionsMe: true }))).toEqual([
      {
        profile: "me",
        score: 2,
        threshold: 2,
        alert: true,
        reasons: [{ kind: "mention", term: "mentions_me", weight: 2 }],
      },
    ]);
    expect(scorer.score(message({ mentionsMe: false }))).toEqual([]);
  });

  it("adds the engagement weight once when reactions or forwards reach their minimum", () => {
    const scorer = buildScorer(
      profiles({ name: "hot", engagement: { weight: 1, min_reactions: 20, min_forwards: 10 } }),
    );
    const terms = (reactions: number, forwards: number) =>
      scorer.score(message({ reactions, forwards }))[0]?.reasons.map((r) => [r.term, r.weight]);
    expect(terms(19, 9)).toBeUndefined();
    expect(terms(20, 0)).toEqual([["reactions>=20", 1]]);
    expect(terms(0, 10)).toEqual([["forwards>=10", 1]]);
    expect(terms(50, 50)).toEqual([["reactions>=20,forwards>=10", 1]]);
  });

  it("scores similarity to example messages above min_similarity, not unrelated text", () => {
    const scorer = buildScorer(
      profiles(
        {
          name: "outages",
          examples: {
            weight: 2,
            min_similarity: 0.35,
            texts: [
              "Major cloud outage: AWS us-east-1 is down, many services affected",
              "Payment provider outage, card transactions failing across Europe",
            ],
          },
        },
        {
          name: "other",
          examples: { weight: 1, texts: ["Recipe: slow-cooked lamb with rosemary and garlic"] },
        },
      ),
    );
    const similar = scorer.score(
      message({ text: "AWS outage: us-east-1 down, lots of services affected right now" }),
    );
    expect(similar).toHaveLength(1);
    expect(similar[0]).toMatchObject({ profile: "outages", score: 2, alert: true });
    const reason = similar[0]!.reasons[0]!;
    expect(reason).toMatchObject({
      kind: "similarity",
      term: "Major cloud outage: AWS us-east-1 is down, many services affected",
      weight: 2,
    });
    expect(reason.similarity).toBeGreaterThanOrEqual(0.35);
    expect(reason.similarity).toBeLessThanOrEqual(1);
    expect(scorer.score(message({ text: "The football match ended in a draw after extra time" }))).toEqual(
      [],
    );
  });
});

describe("scores and thresholds", () => {
  const scorer = buildScorer(
    profiles({
      name: "security",
      threshold: 2,
      keywords: [
        { term: "zero-day", weight: 1.1 },
        { term: "exploit", weight: 0.7 },
        { term: "patch", weight: 0.2 },
      ],
    }),
  );

  it("sums matched weights, rounds away float noise and alerts at score >= threshold", () => {
    expect(scorer.score(message({ text: "zero-day exploit" }))[0]).toMatchObject({
      score: 1.8,
      alert: false,
    });
    // 1.1 + 0.7 + 0.2 is 2.0000000000000004 in floating point.
    expect(scorer.score(message({ text: "zero-day exploit, patch" }))[0]).toMatchObject({
      score: 2,
      threshold: 2,
      alert: true,
    });
    expect(scorer.score(message({ text: "nothing here" }))).toEqual([]);
  });

  it("skips disabled profiles and zero-weight terms", () => {
    const s = buildScorer(
      profiles(
        { name: "off", enabled: false, keywords: ["exploit"] },
        { name: "zero", keywords: [{ term: "exploit", weight: 0 }], mentions_me: { weight: 0 } },
      ),
    );
    expect(s.score(message({ text: "exploit", mentionsMe: true }))).toEqual([]);
  });

  it("orders reasons by kind, then position", () => {
    const s = buildScorer(
      profiles({
        name: "p",
        keywords: ["beta", "alpha"],
        regex: [{ pattern: "gam+a" }],
        mentions_me: { weight: 1 },
        vip_senders: [{ id: 1 }],
      }),
    );
    const kinds = s
      .score(message({ text: "gamma beta alpha", mentionsMe: true, senderId: "1" }))[0]!
      .reasons.map((r) => `${r.kind}:${r.term}`);
    expect(kinds).toEqual(["keyword:beta", "keyword:alpha", "regex:gam+a", "vip:1", "mention:mentions_me"]);
  });
});

describe("large profile sets", () => {
  it("builds 10,000 keywords in one profile and scores a message correctly", () => {
    const keywords = Array.from({ length: MAX_KEYWORDS_PER_PROFILE }, (_, i) => ({
      term: `term${i.toString(36)}x`,
      weight: 1,
    }));
    const scorer = buildScorer(profiles({ name: "big", keywords }));
    const [result] = scorer.score(message({ text: "only term0x, term7prx and Term1X here; not term7prxx" }));
    expect(result?.reasons.map((r) => r.term)).toEqual(["term0x", "term7prx", "term1x"]);
    expect(result?.score).toBe(3);
  });

  it("scoreAll keeps only messages that scored", () => {
    const scorer = buildScorer(profiles({ name: "p", keywords: ["alpha"] }));
    const scored = scoreAll(scorer, [
      message({ messageId: 1, text: "alpha" }),
      message({ messageId: 2, text: "beta" }),
    ]);
    expect(scored.map((s) => [s.message.messageId, s.scores[0]?.profile])).toEqual([[1, "p"]]);
  });
});
