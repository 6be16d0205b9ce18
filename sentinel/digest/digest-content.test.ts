import { describe, expect, it } from "vitest";
import {
  composeDigest,
  DIGEST_TEXT_MAX,
  type DigestAlertInput,
  digestEntryCount,
  digestMessageText,
} from "./digest-content.ts";

let nextId = 1;
function alert(
  chatId: string,
  messageId: number,
  profile: string,
  score: number,
  text = `m${messageId}`,
): DigestAlertInput {
  return {
    id: nextId++,
    chatId,
    chatTitle: `Chat ${chatId}`,
    messageId,
    profile,
    score,
    text,
    senderName: null,
    link: `https://t.me/c/${chatId}/${messageId}`,
    messageDate: new Date("2026-03-01T10:00:00Z"),
    createdAt: new Date("2026-03-01T10:00:01Z"),
  };
}

describe("composeDigest", () => {
  it("keeps the top N messages by score, grouped by chat, best chat first", () => {
    nextId = 1;
    const alerts = [
      alert("a", 1, "p", 2),
      alert("b", 1, "p", 9),
      alert("a", 2, "p", 5),
      alert("c", 1, "p", 1),
      alert("b", 2, "p", 3),
    ];
    const groups = composeDigest(alerts, 4);
    expect(groups.map((g) => [g.chat_id, g.best_score, g.entries.map((e) => e.score)])).toEqual([
      ["b", 9, [9, 3]],
      ["a", 5, [5, 2]],
    ]);
    expect(digestEntryCount(groups)).toBe(4);
  });

  it("lists a message matched by several profiles once, under its best score", () => {
    nextId = 1;
    const groups = composeDigest(
      [alert("a", 1, "low", 1.5), alert("a", 1, "high", 4), alert("a", 2, "low", 2)],
      10,
    );
    expect(groups).toHaveLength(1);
    expect(groups[0]!.entries[0]).toMatchObject({
      alert_id: 2,
      alert_ids: [2, 1],
      score: 4,
      profiles: ["high", "low"],
    });
    expect(groups[0]!.entries).toHaveLength(2);
  });

  it("breaks score ties by the earlier alert and cuts long texts", () => {
    nextId = 1;
    const long = "x".repeat(DIGEST_TEXT_MAX + 50);
    const groups = composeDigest([alert("a", 1, "p", 3, long), alert("a", 2, "p", 3)], 1);
    expect(groups[0]!.entries).toHaveLength(1);
    expect(groups[0]!.entries[0]!.message_id).toBe(1);
    expect(groups[0]!.entries[0]!.text).toHaveLength(DIGEST_TEXT_MAX);
    expect(groups[0]!.entries[0]!.text.endsWith("…")).toBe(true);
  });

  it("is empty for no alerts or top 0", () => {
    expect(composeDigest([], 10)).toEqual([]);
    expect(composeDigest([alert("a", 1, "p", 1)], 0)).toEqual([]);
  });
});

describe("digestMessageText", () => {
  it("names the period, the chats and each entry with its link", () => {
    nextId = 1;
    const groups = composeDigest([alert("-1001", 7, "crypto", 3.5, "BTC  up\nagain")], 5);
    const text = digestMessageText(
      { title: "daily", since: new Date("2026-03-01T08:00:00Z"), until: new Date("2026-03-02T08:00:00Z") },
      groups,
    );
    expect(text).toBe(
      [
        "TG Sentinel digest: daily",
        "1 message, 2026-03-01 08:00 UTC to 2026-03-02 08:00 UTC",
        "",
        "Chat -1001",
        "- [3.5 crypto] BTC up again",
        "  https://t.me/c/-1001/7",
      ].join("\n"),
    );
  });

  it("says so when nothing matched", () => {
    const text = digestMessageText({ title: "manual", since: new Date(0), until: new Date(60_000) }, []);
    expect(text).toContain("0 messages");
    expect(text).toContain("Nothing reached");
  });
});
