import { fireEvent, render, screen } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import ConnectionBanner from "./ConnectionBanner.svelte";

describe("ConnectionBanner", () => {
  it("stays hidden while the link is up or has never been up", () => {
    render(ConnectionBanner, {
      status: { state: "connecting", attempt: 0 },
      lost: false,
      now: 0,
      onRetry: () => {},
    });
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("says when the next attempt is due and retries at once on request", async () => {
    const onRetry = vi.fn();
    render(ConnectionBanner, {
      status: { state: "waiting", attempt: 2, retryAt: 4_200 },
      lost: true,
      now: 1_000,
      onRetry,
    });
    expect(screen.getByRole("alert").textContent).toContain("Reconnecting in 4 s");
    await fireEvent.click(screen.getByRole("button", { name: "Retry now" }));
    expect(onRetry).toHaveBeenCalledOnce();
  });
});
