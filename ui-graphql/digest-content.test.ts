import { describe, expect, it } from "vitest";
import { digestGroupsOf, digestOutcomeOf } from "./digest-content.ts";

const CONTENT = [
  {
    chat_id: "-1001",
    chat_title: "Crypto News",
    best_score: 3.5,
    entries: [
      {
        alert_id: 7,
        alert_ids: [7, 9],
        message_id: 42,
        score: 3.5,
        profiles: ["crypto", "security"],
        text: "bitcoin and a CVE",
        sender_name: "Bob",
        link: "https://t.me/cryptonews/42",
        message_date: "2026-03-01T12:00:00.000Z",
      },
      { alert_id: 8, message_id: 43, score: 1, text: "x", link: "javascript:alert(1)" },
      { message_id: 44 },
    ],
  },
  { chat_title: "no id" },
];

describe("digestGroupsOf", () => {
  it("reads the sentinel's groups and entries, keeping only http(s) links and whole entries", () => {
    const groups = digestGroupsOf(JSON.stringify(CONTENT));
    expect(groups).toEqual([
      {
        chatId: "-1001",
        chatTitle: "Crypto News",
        bestScore: 3.5,
        entries: [
          {
            alertId: 7,
            alertIds: [7, 9],
            messageId: 42,
            score: 3.5,
            profiles: ["crypto", "security"],
            text: "bitcoin and a CVE",
            senderName: "Bob",
            link: "https://t.me/cryptonews/42",
            messageDate: new Date("2026-03-01T12:00:00.000Z"),
          },
          {
            alertId: 8,
            alertIds: [8],
            messageId: 43,
            score: 1,
            profiles: [],
            text: "x",
            senderName: null,
            link: null,
            messageDate: null,
          },
        ],
      },
    ]);
  });

  it("gives no groups for broken or non-array content", () => {
    expect(digestGroupsOf("not json")).toEqual([]);
    expect(digestGroupsOf('{"items":[]}')).toEqual([]);
  });
});

describe("digestOutcomeOf", () => {
  it("tells a delivery error from a failed run", () => {
    expect(digestOutcomeOf({ error: null })).toEqual({ failure: null, deliveryError: null });
    expect(digestOutcomeOf({ error: "not delivered: Telegram is not connected and authorized" })).toEqual({
      failure: null,
      deliveryError: "not delivered: Telegram is not connected and authorized",
    });
    expect(digestOutcomeOf({ error: "the alerts could not be read" })).toEqual({
      failure: "the alerts could not be read",
      deliveryError: null,
    });
  });
});
