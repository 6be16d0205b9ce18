import { render, screen, within } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import type { SystemStatsQuery } from "../lib/graphql/generated/graphql.ts";
import SystemDeliveryStatus from "./SystemDeliveryStatus.svelte";

const NOW = Date.parse("2026-03-10T12:00:00Z");

const stats: SystemStatsQuery["stats"] = {
  delivery: {
    mode: "dm",
    peer: "@alice",
    alsoDigest: false,
    sent: 12,
    queued: 3,
    dropped: 1,
    failed: 2,
    lastSentAt: "2026-03-10T11:55:00Z",
    lastError: "USER_BANNED_IN_CHANNEL",
  },
  webhooks: {
    count: 2,
    delivered: 40,
    failed: 1,
    pending: 4,
    failedStored: 6,
    recentFailures: [
      {
        id: 9,
        webhook: "siem",
        profile: "security",
        alertId: 77,
        attempts: 4,
        responseStatus: 503,
        lastError: "HTTP 503",
        finishedAt: "2026-03-10T10:00:00Z",
      },
      {
        id: 8,
        webhook: "chatops",
        profile: "markets",
        alertId: 70,
        attempts: 1,
        responseStatus: 404,
        lastError: null,
        finishedAt: null,
      },
    ],
  },
  retention: {
    enabled: true,
    messagesDays: 30,
    alertedMessagesDays: 180,
    deletedMessagesTotal: 1520,
    lastPurgeAt: "2026-03-10T11:17:00Z",
    lastPurgeMessages: 35,
    nextPurgeAt: "2026-03-10T12:17:00Z",
    lastError: null,
  },
};

/** The `<dd>` after the `<dt>` with this text, inside `section`. */
function fact(section: HTMLElement, term: string): string {
  const dt = within(section)
    .getAllByText(term)
    .find((el) => el.tagName === "DT");
  return dt?.nextElementSibling?.textContent?.replace(/\s+/g, " ").trim() ?? "(missing)";
}

describe("SystemDeliveryStatus", () => {
  it("shows delivery mode and counters, webhooks with their recent failures, and the last purge", () => {
    render(SystemDeliveryStatus, { stats, now: NOW });
    const delivery = screen.getByRole("region", { name: "Alert delivery" });
    expect(fact(delivery, "Mode")).toBe("Direct message to @alice");
    expect(fact(delivery, "Sent")).toBe("12");
    expect(fact(delivery, "Queued")).toBe("3");
    expect(fact(delivery, "Dropped")).toBe("1");
    expect(fact(delivery, "Failed")).toBe("2");
    expect(fact(delivery, "Last sent")).toBe("5 minutes ago");
    expect(delivery.textContent).toContain("Last delivery error: USER_BANNED_IN_CHANNEL");

    const webhooks = screen.getByRole("region", { name: "Webhooks" });
    expect(fact(webhooks, "Configured")).toBe("2");
    expect(fact(webhooks, "Failed")).toBe("6");
    expect(fact(webhooks, "Waiting")).toBe("4");
    const failures = within(webhooks).getByRole("list", { name: "Recent failures" });
    const items = within(failures)
      .getAllByRole("listitem")
      .map((li) => li.textContent?.replace(/\s+/g, " ").trim());
    expect(items).toEqual([
      "siem · security · alert #77: HTTP 503 (4 attempts, 2 hours ago)",
      "chatops · markets · alert #70: HTTP 404 (1 attempt)",
    ]);

    const retention = screen.getByRole("region", { name: "Retention" });
    expect(fact(retention, "Keeps messages")).toBe("30 days (alerted ones 180 days)");
    expect(fact(retention, "Last purge")).toBe("43 minutes ago: 35 messages deleted");
    expect(fact(retention, "Deleted in all")).toBe("1520 messages");
  });

  it("says when nothing was purged yet, lists no failures when there are none, and leaves out unreported sections", () => {
    render(SystemDeliveryStatus, {
      stats: {
        delivery: null,
        webhooks: { ...stats.webhooks!, count: 0, failedStored: 0, recentFailures: [] },
        retention: { ...stats.retention!, enabled: false, lastPurgeAt: null, lastPurgeMessages: null },
      },
      now: NOW,
    });
    expect(screen.queryByRole("region", { name: "Alert delivery" })).toBeNull();
    const webhooks = screen.getByRole("region", { name: "Webhooks" });
    expect(fact(webhooks, "Configured")).toBe("0");
    expect(within(webhooks).queryByRole("list")).toBeNull();
    const retention = screen.getByRole("region", { name: "Retention" });
    expect(fact(retention, "Keeps messages")).toBe("forever (purging is off)");
    expect(fact(retention, "Last purge")).toBe("not yet");
    expect(within(retention).queryByText("Next purge")).toBeNull();
  });
});
