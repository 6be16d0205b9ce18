import { render, screen } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { DEFAULT_PREFERENCES } from "../lib/state/preferences.svelte.ts";
import PreferencesForm from "./PreferencesForm.svelte";

const zones = ["America/New_York", "Europe/Berlin"];

describe("PreferencesForm", () => {
  it("saves only what changed, as typed values", async () => {
    const onSave = vi.fn(async () => {});
    render(PreferencesForm, { value: DEFAULT_PREFERENCES, timeZones: zones, browserZone: "UTC", onSave });
    const user = userEvent.setup();
    const score = screen.getByLabelText("Alerts feed: minimum score");
    await user.clear(score);
    await user.type(score, "2.5");
    await user.selectOptions(screen.getByLabelText("Alerts feed: order"), "SCORE");
    await user.selectOptions(screen.getByLabelText("Time zone for dates"), "Europe/Berlin");
    await user.click(screen.getByRole("button", { name: "Save preferences" }));
    expect(onSave.mock.calls).toEqual([
      ["alertsDefaultMinScore", 2.5],
      ["alertsDefaultOrder", "SCORE"],
      ["displayTimeZone", "Europe/Berlin"],
    ]);
    expect(screen.getByRole("status").textContent).toBe("Preferences saved.");
  });

  it("shows the server's refusal next to its field, and the browser zone as the default choice", async () => {
    const onSave = vi.fn(async () => {
      throw new Error("digests.runNowTopN must be a whole number from 1 to 500");
    });
    render(PreferencesForm, {
      value: DEFAULT_PREFERENCES,
      timeZones: zones,
      browserZone: "Asia/Tokyo",
      onSave,
    });
    expect(screen.getByRole("option", { name: "This browser's (Asia/Tokyo)" })).toBeTruthy();
    const user = userEvent.setup();
    const topN = screen.getByLabelText("“Run digest now”: messages listed");
    await user.clear(topN);
    await user.type(topN, "900");
    await user.click(screen.getByRole("button", { name: "Save preferences" }));
    expect(topN.getAttribute("aria-invalid")).toBe("true");
    const describedBy = topN.getAttribute("aria-describedby") ?? "";
    expect(document.getElementById(describedBy)?.textContent).toMatch(/1 to 500/);
    expect(screen.queryByText("Preferences saved.")).toBeNull();
  });
});
