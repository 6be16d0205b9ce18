import { render, screen } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import type { WorkerStatus } from "../lib/state/worker-status.svelte.ts";
import WorkerStatusBadge from "./WorkerStatusBadge.svelte";

const NOW = Date.parse("2026-03-10T12:00:00Z");
const base: WorkerStatus = {
  authorized: false,
  connected: false,
  user: null,
  lastSync: null,
  lastError: null,
  rateLimit: { active: false, floodWaitSeconds: 0, floodWaitUntil: null },
  sentinelReachable: true,
  sessionPresent: null,
  sessionImportedAt: null,
  observedAt: "2026-03-10T12:00:00Z",
};

const shown = () => screen.getByTestId("worker-status").textContent?.replace(/\s+/g, " ").trim();

describe("WorkerStatusBadge", () => {
  it("names the account when authorized", () => {
    render(WorkerStatusBadge, {
      status: {
        ...base,
        authorized: true,
        connected: true,
        user: { id: "5550001", username: "olga", firstName: "Olga" },
      },
      now: NOW,
    });
    expect(shown()).toBe("Authorized as @olga");
  });

  it("says not authorized when the worker reported an error or is connected without a user", () => {
    render(WorkerStatusBadge, { status: { ...base, lastError: "AUTH_KEY_UNREGISTERED" }, now: NOW });
    expect(shown()).toBe("Not authorized");
  });

  it("says not authorized when there is no session at all", () => {
    render(WorkerStatusBadge, { status: base, now: NOW });
    expect(shown()).toBe("Not authorized");
  });

  it("tells a missing session from an imported one Telegram refused or is still answering", async () => {
    const { rerender } = render(WorkerStatusBadge, { status: { ...base, sessionPresent: false }, now: NOW });
    expect(shown()).toBe("No session imported");
    const imported = { ...base, sessionPresent: true, sessionImportedAt: "2026-03-10T11:59:00Z" };
    await rerender({ status: imported, now: NOW });
    expect(shown()).toBe("Session imported, connecting…");
    await rerender({ status: { ...imported, lastError: "AUTH_KEY_UNREGISTERED" }, now: NOW });
    expect(shown()).toBe("Session imported, not authorized");
    await rerender({ status: { ...imported, connected: true }, now: NOW });
    expect(shown()).toBe("Session imported, not authorized");
  });

  it("says connecting while an authorized worker has lost its link to Telegram", () => {
    const user = { id: "5550001", username: "olga", firstName: "Olga" };
    render(WorkerStatusBadge, { status: { ...base, authorized: true, connected: false, user }, now: NOW });
    expect(shown()).toBe("Connecting to Telegram as @olga…");
  });

  it("says connecting before the first status arrives", () => {
    render(WorkerStatusBadge, { status: null, now: NOW });
    expect(shown()).toBe("Connecting…");
  });

  it("counts a flood wait down, and drops it once it is over", async () => {
    const status = {
      ...base,
      authorized: true,
      connected: true,
      rateLimit: { active: true, floodWaitSeconds: 125, floodWaitUntil: null },
    };
    const { rerender } = render(WorkerStatusBadge, { status, now: NOW });
    expect(shown()).toBe("Flood wait: resumes in 2:05");
    await rerender({ status, now: NOW + 65_000 });
    expect(shown()).toBe("Flood wait: resumes in 1:00");
    await rerender({ status, now: NOW + 126_000 });
    expect(shown()).toBe("Authorized as unknown account");
  });
});
