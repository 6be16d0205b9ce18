import { describe, expect, it } from "vitest";
import type { ProfileScore } from "../scoring/engine.ts";
import { chatMessage } from "../testing/alerting-fixture.ts";
import { planAlerts, type StoredAlert } from "./alert-plan.ts";

function score(profile: string, value: number, threshold = 1): ProfileScore {
  return {
    profile,
    score: value,
    threshold,
    alert: value >= threshold,
    reasons: [{ kind: "keyword", term: profile, weight: value }],
  };
}

function stored(profile: string, value: number, text: string, id = 1): StoredAlert {
  return {
    id,
    chatId: "-1001",
    messageId: 1,
    profile,
    score: value,
    reasons: JSON.stringify(score(profile, value).reasons),
    text,
  };
}

const inForce = new Set(["a", "b"]);

describe("planAlerts", () => {
  it("drafts an alert per profile at or above its threshold, and none below", () => {
    const message = chatMessage("-1001", 1, "hello");
    const plan = planAlerts([{ message, scores: [score("a", 2), score("b", 0.5)] }], [], inForce);
    expect(plan.revisions).toEqual([]);
    expect(plan.drafts).toEqual([
      {
        chatId: "-1001",
        chatTitle: "Crypto News",
        messageId: 1,
        profile: "a",
        score: 2,
        reasons: score("a", 2).reasons,
        text: "hello",
        senderName: "Alice",
        link: message.link,
        messageDate: message.date,
      },
    ]);
  });

  it("revises a stored alert instead of drafting a second one, and only when something changed", () => {
    const message = chatMessage("-1001", 1, "hello");
    const same = planAlerts([{ message, scores: [score("a", 2)] }], [stored("a", 2, "hello")], inForce);
    expect(same).toEqual({ drafts: [], revisions: [] });
    const edited = planAlerts(
      [{ message: { ...message, text: "hello again" }, scores: [score("a", 3)] }],
      [stored("a", 2, "hello", 7)],
      inForce,
    );
    expect(edited).toEqual({
      drafts: [],
      revisions: [{ id: 7, score: 3, reasons: score("a", 3).reasons, text: "hello again" }],
    });
  });

  it("revises an alert whose profile no longer scores to 0; leaves alone those of removed profiles", () => {
    const message = chatMessage("-1001", 1, "edited away");
    const plan = planAlerts(
      [{ message, scores: [] }],
      [stored("a", 2, "before", 1), stored("gone", 2, "before", 2)],
      inForce,
    );
    expect(plan.revisions).toEqual([{ id: 1, score: 0, reasons: [], text: "edited away" }]);
  });

  it("keeps a below-threshold re-score on a stored alert (the alert is revised, not dropped)", () => {
    const message = chatMessage("-1001", 1, "less");
    const plan = planAlerts([{ message, scores: [score("a", 0.5)] }], [stored("a", 2, "more", 3)], inForce);
    expect(plan.revisions).toEqual([{ id: 3, score: 0.5, reasons: score("a", 0.5).reasons, text: "less" }]);
    expect(plan.drafts).toEqual([]);
  });

  it("takes the latest version of a message that appears twice in a batch", () => {
    const first = chatMessage("-1001", 1, "v1");
    const second = { ...first, text: "v2" };
    const plan = planAlerts(
      [
        { message: first, scores: [score("a", 1)] },
        { message: second, scores: [score("a", 5)] },
      ],
      [],
      inForce,
    );
    expect(plan.drafts.map((d) => [d.text, d.score])).toEqual([["v2", 5]]);
  });
});
