import { render, screen } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import type { DigestRunFieldsFragment } from "../lib/graphql/generated/graphql.ts";
import DigestRunCard from "./DigestRunCard.svelte";

const NOW = Date.parse("2026-03-10T12:00:00Z");
const run: DigestRunFieldsFragment = {
  id: 3,
  trigger: "manual",
  schedule: null,
  since: "2026-03-09T12:00:00Z",
  until: "2026-03-10T12:00:00Z",
  startedAt: "2026-03-10T12:00:00Z",
  finishedAt: "2026-03-10T12:00:01Z",
  alertCount: 3,
  delivered: false,
  failure: null,
  deliveryError: null,
  groups: [
    {
      chatId: "-1001",
      chatTitle: "Crypto News",
      bestScore: 3.5,
      entries: [
        {
          alertId: 7,
          messageId: 42,
          score: 3.5,
          profiles: ["crypto", "security"],
          text: "bitcoin and a CVE",
          senderName: "Bob",
          link: "https://t.me/cryptonews/42",
          messageDate: "2026-03-10T11:00:00Z",
        },
        {
          alertId: 8,
          messageId: 43,
          score: 2,
          profiles: ["crypto"],
          text: "ethereum",
          senderName: null,
          link: null,
          messageDate: null,
        },
      ],
    },
    {
      chatId: "-1002",
      chatTitle: "Team",
      bestScore: 1,
      entries: [
        {
          alertId: 9,
          messageId: 5,
          score: 1,
          profiles: ["team"],
          text: "standup moved",
          senderName: "Ann",
          link: "https://t.me/c/1002/5",
          messageDate: null,
        },
      ],
    },
  ],
};

describe("DigestRunCard", () => {
  it("lists the groups by chat and their messages with links to Telegram", () => {
    render(DigestRunCard, { run, now: NOW });
    expect(screen.getByText(/Show 3 messages from 2 chats/)).toBeTruthy();
    const crypto = screen.getByRole("region", { name: "Crypto News" });
    expect(crypto.querySelectorAll("li")).toHaveLength(2);
    expect(crypto.textContent).toContain("bitcoin and a CVE");
    expect(crypto.textContent).toContain("crypto, security");
    const links = screen.getAllByRole("link", { name: /Open in Telegram/ });
    expect(links.map((a) => a.getAttribute("href"))).toEqual([
      "https://t.me/cryptonews/42",
      "https://t.me/c/1002/5",
    ]);
    expect(links[0]!.getAttribute("rel")).toContain("noopener");
    expect(screen.getByRole("link", { name: /message 42 in Crypto News/ })).toBeTruthy();
  });

  it("shows a delivery error apart from a failed run", async () => {
    const { rerender } = render(DigestRunCard, {
      run: { ...run, deliveryError: "not delivered: Telegram is not connected and authorized" },
      now: NOW,
    });
    expect(screen.getByText("Not delivered")).toBeTruthy();
    expect(screen.getByTestId("digest-delivery-error").textContent).toMatch(
      /made, but not sent to Saved Messages: Telegram is not connected/,
    );
    expect(screen.queryByText("Failed")).toBeNull();

    await rerender({ run: { ...run, groups: [], failure: "the alerts could not be read" }, now: NOW });
    expect(screen.getByText("Failed")).toBeTruthy();
    expect(screen.getByTestId("digest-failure").textContent).toContain("the alerts could not be read");
    expect(screen.queryByText("Not delivered")).toBeNull();
  });
});
