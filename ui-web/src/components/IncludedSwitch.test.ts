import { render, screen } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import IncludedSwitch from "./IncludedSwitch.svelte";

describe("IncludedSwitch", () => {
  it("is a named switch that toggles from the keyboard", async () => {
    const onToggle = vi.fn();
    render(IncludedSwitch, { title: "News", included: true, byUser: false, onToggle });
    const control = screen.getByRole("switch", { name: /Monitor News/ });
    expect(control.getAttribute("aria-checked")).toBe("true");
    expect(screen.getByText("from config")).toBeTruthy();
    const user = userEvent.setup();
    await user.tab();
    expect(document.activeElement).toBe(control);
    await user.keyboard(" ");
    await user.keyboard("{Enter}");
    expect(onToggle.mock.calls).toEqual([[false], [false]]);
  });

  it("says when the choice is the user's, and is disabled while saving", () => {
    render(IncludedSwitch, { title: "Noise", included: false, byUser: true, busy: true, onToggle: () => {} });
    const control = screen.getByRole("switch", { name: /Monitor Noise/ }) as HTMLButtonElement;
    expect(control.getAttribute("aria-checked")).toBe("false");
    expect(control.disabled).toBe(true);
    expect(screen.getByText("your choice")).toBeTruthy();
  });
});
