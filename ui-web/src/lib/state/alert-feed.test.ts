import { describe, expect, it } from "vitest";
import { type Alert, AlertFeed, EMPTY_FILTERS, initialFilters } from "./alert-feed.svelte.ts";

const client = { request: async () => ({}), subscribe: () => () => {}, onReconnect: () => () => {} };

function alert(id: number, score: number, text = `alert ${id}`): Alert {
  return {
    id,
    chatId: "-1001",
    chatTitle: "News",
    messageId: id,
    profile: "watch",
    score,
    reasons: [],
    text,
    senderName: null,
    link: null,
    messageDate: "2026-03-10T12:00:00Z",
    createdAt: "2026-03-10T12:00:00Z",
    updatedAt: "2026-03-10T12:00:00Z",
    edited: false,
    read: false,
    readAt: null,
  };
}

function feed(items: Alert[], filters = EMPTY_FILTERS): AlertFeed {
  const f = new AlertFeed(client as never);
  f.filters = { ...filters };
  f.items = items;
  f.total = items.length;
  f.hasMore = false;
  return f;
}

describe("AlertFeed", () => {
  it("replaces a shown alert with its revision", () => {
    const f = feed([alert(2, 3), alert(1, 2)]);
    f.update({ ...alert(1, 5, "edited text"), edited: true });
    expect(f.items.map((a) => [a.id, a.score, a.text, a.edited])).toEqual([
      [2, 3, "alert 2", false],
      [1, 5, "edited text", true],
    ]);
  });

  it("drops a revised alert that no longer matches the filters, and re-sorts by score", () => {
    const byScore = feed([alert(1, 4), alert(2, 3), alert(3, 2)], {
      ...EMPTY_FILTERS,
      minScore: "2",
      order: "SCORE",
    });
    byScore.update(alert(3, 6));
    expect(byScore.items.map((a) => a.id)).toEqual([3, 1, 2]);
    byScore.update(alert(1, 0));
    expect(byScore.items.map((a) => a.id)).toEqual([3, 2]);
    expect(byScore.total).toBe(2);
  });

  it("puts a live alert at its place when sorted by score", () => {
    const f = feed([alert(1, 5), alert(2, 2)], { ...EMPTY_FILTERS, order: "SCORE" });
    f.add(alert(3, 3));
    expect(f.items.map((a) => a.id)).toEqual([1, 3, 2]);
    const newest = feed([alert(1, 5)]);
    newest.add(alert(3, 1));
    expect(newest.items.map((a) => a.id)).toEqual([3, 1]);
  });

  it("opens with the preferred minimum score and order", () => {
    expect(initialFilters({ alertsDefaultMinScore: 2.5, alertsDefaultOrder: "SCORE" })).toMatchObject({
      minScore: "2.5",
      order: "SCORE",
    });
    expect(initialFilters({ alertsDefaultMinScore: 0, alertsDefaultOrder: "NEWEST" }).minScore).toBe("");
  });
});
