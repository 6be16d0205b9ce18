import { render, screen } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import AlertFeedbackButtons from "./AlertFeedbackButtons.svelte";

describe("AlertFeedbackButtons", () => {
  it("are named toggle buttons showing the current vote", () => {
    render(AlertFeedbackButtons, { verdict: "DOWN", label: "alert from News", onVote: () => {} });
    expect(screen.getByRole("group", { name: "Feedback on the alert from News" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Useful alert" }).getAttribute("aria-pressed")).toBe("false");
    expect(screen.getByRole("button", { name: /Not useful/ }).getAttribute("aria-pressed")).toBe("true");
  });

  it("votes, and pressing the pressed button again clears the vote", async () => {
    const onVote = vi.fn();
    const user = userEvent.setup();
    const { rerender } = render(AlertFeedbackButtons, { verdict: "NONE", label: "alert", onVote });
    await user.click(screen.getByRole("button", { name: "Useful alert" }));
    await user.click(screen.getByRole("button", { name: /Not useful/ }));
    await rerender({ verdict: "UP", label: "alert", onVote });
    await user.click(screen.getByRole("button", { name: "Useful alert" }));
    expect(onVote.mock.calls).toEqual([["UP"], ["DOWN"], ["NONE"]]);
  });

  it("are disabled while a vote is being saved", () => {
    render(AlertFeedbackButtons, { verdict: "NONE", label: "alert", busy: true, onVote: () => {} });
    for (const button of screen.getAllByRole("button"))
      expect((button as HTMLButtonElement).disabled).toBe(true);
  });
});
