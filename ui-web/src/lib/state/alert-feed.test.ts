import { describe, expect, it } from "vitest";
import { AlertsAddedDocument } from "../graphql/generated/graphql.ts";
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
    feedback: "NONE",
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

  it("takes a batch of live alerts at once: newest first, each once, only those matching the filters", () => {
    const f = feed([alert(2, 3), alert(1, 2)], { ...EMPTY_FILTERS, minScore: "2" });
    f.addAll([alert(3, 4), alert(4, 1), alert(2, 3), alert(5, 2)]);
    expect(f.items.map((a) => a.id)).toEqual([5, 3, 2, 1]);
    expect(f.total).toBe(4);
    expect(f.liveCount).toBe(4);
    expect([...f.fresh].sort()).toEqual([3, 5]);
    f.addAll([alert(4, 1)]);
    expect(f.items).toHaveLength(4);
    expect(f.liveCount).toBe(5);
  });

  it("places a batch by score; one that sorts below the loaded pages only counts", () => {
    const f = feed([alert(1, 5), alert(2, 3)], { ...EMPTY_FILTERS, order: "SCORE" });
    f.hasMore = true;
    f.addAll([alert(3, 4), alert(4, 1), alert(5, 6), alert(6, 3)]);
    expect(f.items.map((a) => a.id)).toEqual([5, 1, 3, 6, 2]);
    expect(f.total).toBe(6);
    expect(f.fresh.has(4)).toBe(false);
    f.hasMore = false;
    f.addAll([alert(7, 0.5)]);
    expect(f.items.at(-1)?.id).toBe(7);
  });

  it("follows the alertsAdded subscription, a batch per message", async () => {
    const handlers = new Map<unknown, (data: unknown) => void>();
    const live = {
      ...client,
      request: async () => ({
        alerts: { edges: [], pageInfo: { hasNextPage: false, endCursor: null }, totalCount: 0 },
      }),
      subscribe: (document: unknown, _variables: unknown, next: (data: unknown) => void) => {
        handlers.set(document, next);
        return () => handlers.delete(document);
      },
    };
    const f = new AlertFeed(live as never);
    f.start();
    await Promise.resolve();
    expect(handlers.has(AlertsAddedDocument)).toBe(true);
    handlers.get(AlertsAddedDocument)!({ alertsAdded: [alert(1, 2), alert(2, 3)] });
    expect(f.items.map((a) => a.id)).toEqual([2, 1]);
    f.stop();
    expect(handlers.size).toBe(0);
  });

  it("opens with the preferred minimum score and order", () => {
    expect(initialFilters({ alertsDefaultMinScore: 2.5, alertsDefaultOrder: "SCORE" })).toMatchObject({
      minScore: "2.5",
      order: "SCORE",
    });
    expect(initialFilters({ alertsDefaultMinScore: 0, alertsDefaultOrder: "NEWEST" }).minScore).toBe("");
  });

  it("shows a vote at once, keeps the server's answer and names a threshold raise", async () => {
    let answer: () => Promise<unknown> = async () => ({
      alertFeedback: {
        verdict: "DOWN",
        alert: { id: 1, feedback: "DOWN" },
        adjustment: { from: 2, to: 2.25 },
        adjustmentError: null,
      },
    });
    const f = new AlertFeed({ ...client, request: () => answer() } as never);
    f.items = [alert(1, 3), alert(2, 3)];
    const pending = f.vote(1, "DOWN");
    expect(f.items[0]?.feedback).toBe("DOWN");
    expect(f.voting.has(1)).toBe(true);
    await pending;
    expect(f.voting.size).toBe(0);
    expect(f.adjustmentNotice).toContain("from 2 to 2.25");
    answer = async () => {
      throw new Error("offline");
    };
    await f.vote(2, "UP");
    expect(f.items[1]?.feedback).toBe("NONE");
    expect(f.error).toBeTruthy();
  });
});
