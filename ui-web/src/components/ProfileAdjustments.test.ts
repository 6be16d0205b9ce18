import { render, screen } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { ProfileAdjustmentFieldsFragment } from "../lib/graphql/generated/graphql.ts";
import ProfileAdjustments from "./ProfileAdjustments.svelte";

function adjustment(id: number, from: number, to: number, reverted = false): ProfileAdjustmentFieldsFragment {
  return {
    id,
    profileId: 1,
    field: "threshold",
    from,
    to,
    downVotes: 3,
    upVotes: 0,
    windowDays: 7,
    baseline: 2,
    at: "2026-11-25T10:00:00Z",
    revertedAt: reverted ? "2026-11-25T11:00:00Z" : null,
  };
}

const now = Date.parse("2026-11-25T12:00:00Z");

describe("ProfileAdjustments", () => {
  it("explains the automatic raises and lists them with Revert buttons", async () => {
    const onRevert = vi.fn(async () => {});
    const list = [adjustment(3, 2.5, 2.75, true), adjustment(2, 2.25, 2.5), adjustment(1, 2, 2.25)];
    render(ProfileAdjustments, { adjustments: list, threshold: 2.5, now, onRevert });
    expect(screen.getByRole("heading", { name: "Automatic adjustments" })).toBeTruthy();
    expect(screen.getByText(/moves up by itself after repeated “not useful” votes/)).toBeTruthy();
    const buttons = screen.getAllByRole("button", { name: /Revert/ });
    expect(buttons.map((b) => b.getAttribute("aria-label"))).toEqual([
      "Revert the threshold to 2.25",
      "Revert the threshold to 2",
    ]);
    expect(screen.getByText(/^reverted/)).toBeTruthy();
    await userEvent.setup().click(screen.getByRole("button", { name: "Revert the threshold to 2" }));
    expect(onRevert).toHaveBeenCalledWith(1);
  });

  it("offers no revert once the threshold was edited by hand, and shows a refused revert", async () => {
    const { unmount } = render(ProfileAdjustments, {
      adjustments: [adjustment(1, 2, 2.25)],
      threshold: 4,
      now,
      onRevert: async () => {},
    });
    expect(screen.queryByRole("button", { name: /Revert/ })).toBeNull();
    expect(screen.getByText(/edited by hand/)).toBeTruthy();
    unmount();
    render(ProfileAdjustments, {
      adjustments: [adjustment(1, 2, 2.25)],
      threshold: 2.25,
      now,
      onRevert: async () => {
        throw new Error("The threshold was changed by hand since this adjustment");
      },
    });
    await userEvent.setup().click(screen.getByRole("button", { name: /Revert/ }));
    expect((await screen.findByRole("alert")).textContent).toContain("changed by hand");
  });

  it("says when there is nothing yet", () => {
    render(ProfileAdjustments, { adjustments: [], threshold: 2, now, onRevert: async () => {} });
    expect(screen.getByText("No automatic adjustments yet.")).toBeTruthy();
  });
});
