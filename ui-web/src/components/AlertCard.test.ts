import { fireEvent, render, screen } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import type { Alert } from "../lib/state/alert-feed.svelte.ts";
import AlertCard from "./AlertCard.svelte";

const text = "Central bank raises rates again; urgent review";
const at = (word: string) => ({ start: text.indexOf(word), end: text.indexOf(word) + word.length });
const alert: Alert = {
  id: 7,
  chatId: "-1001700000001",
  chatTitle: "Market News",
  messageId: 12,
  profile: "Markets",
  score: 3.5,
  reasons: [
    { kind: "keyword", term: "rates", text: "rates", weight: 1.5, ...at("rates"), similarity: null },
    { kind: "keyword", term: "urgent", text: "urgent", weight: 2, ...at("urgent"), similarity: null },
    {
      kind: "similarity",
      term: "bank news",
      text: null,
      weight: 0,
      start: null,
      end: null,
      similarity: 0.62,
    },
  ],
  text,
  senderName: null,
  link: "https://t.me/marketnews/12",
  messageDate: "2026-03-10T12:00:00Z",
  createdAt: "2026-03-10T12:00:01Z",
  updatedAt: "2026-03-10T12:00:01Z",
  edited: false,
  read: false,
  readAt: null,
  feedback: "NONE",
};

describe("AlertCard", () => {
  it("marks an alert whose message was edited after it was made", async () => {
    const now = Date.parse("2026-03-10T12:05:00Z");
    const { container, rerender } = render(AlertCard, { alert, now });
    expect(container.querySelector(".edited")).toBeNull();
    await rerender({ alert: { ...alert, edited: true, updatedAt: "2026-03-10T12:03:00Z" }, now });
    expect(container.querySelector(".edited")?.textContent).toBe("edited 2 minutes ago");
  });

  it("highlights exactly the matched words and lists why the message scored", () => {
    const { container } = render(AlertCard, { alert, now: Date.parse("2026-03-10T12:05:00Z") });
    expect([...container.querySelectorAll("mark")].map((m) => m.textContent)).toEqual(["rates", "urgent"]);
    const reasons = screen.getByRole("list", { name: "Why this scored" });
    expect(reasons.textContent).toContain("Keyword");
    expect(reasons.textContent).toContain("+1.5");
    expect(reasons.textContent).toContain("62% similar");
    expect(screen.getByTitle("Score 3.5").textContent).toContain("3.5");
  });

  it("links to the message in Telegram in a new tab", () => {
    render(AlertCard, { alert, now: Date.now() });
    const link = screen.getByRole("link", { name: /Open in Telegram/ });
    expect(link.getAttribute("href")).toBe("https://t.me/marketnews/12");
    expect(link.getAttribute("target")).toBe("_blank");
    expect(link.getAttribute("rel")).toContain("noopener");
  });

  it("marks an unread alert read through its callback, and offers nothing once read", async () => {
    const onMarkRead = vi.fn();
    const { rerender } = render(AlertCard, { alert, now: Date.now(), onMarkRead });
    await fireEvent.click(screen.getByRole("button", { name: /Mark read/ }));
    expect(onMarkRead).toHaveBeenCalledWith(7);
    await rerender({
      alert: { ...alert, read: true, readAt: "2026-03-10T12:06:00Z" },
      now: Date.now(),
      onMarkRead,
    });
    expect(screen.queryByRole("button", { name: /Mark read/ })).toBeNull();
  });

  it("offers 👍/👎 for the alert when given a feedback callback", async () => {
    const onFeedback = vi.fn();
    render(AlertCard, { alert: { ...alert, feedback: "UP" }, now: Date.now(), onFeedback });
    const group = screen.getByRole("group", { name: "Feedback on the alert from Market News" });
    expect(group).toBeTruthy();
    expect(screen.getByRole("button", { name: "Useful alert" }).getAttribute("aria-pressed")).toBe("true");
    await fireEvent.click(screen.getByRole("button", { name: /Not useful/ }));
    expect(onFeedback).toHaveBeenCalledWith(7, "DOWN");
  });

  it("shows no feedback buttons without the callback (dashboard)", () => {
    render(AlertCard, { alert, now: Date.now() });
    expect(screen.queryByRole("button", { name: "Useful alert" })).toBeNull();
  });
});
