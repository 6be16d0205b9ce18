import { render, screen } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { definitionOfForm, formOfProfile } from "../lib/profile-form.ts";
import ProfileEditor from "./ProfileEditor.svelte";

function props(definition: Record<string, unknown>, serverErrors = new Map<string, string>()) {
  return {
    initial: formOfProfile({
      name: "Markets",
      enabled: true,
      definition: { threshold: 1, keywords: ["rates"], ...definition },
    }),
    serverErrors,
    saving: false,
    isNew: false,
    onSave: vi.fn(),
    onCancel: vi.fn(),
  };
}

describe("the profile editor's digests", () => {
  it("adds schedules by keyboard, shows hour and day only where they count, and saves them", async () => {
    const user = userEvent.setup();
    const p = props({});
    render(ProfileEditor, p);
    expect(screen.getByText("No digests for this profile.")).toBeTruthy();

    await user.click(screen.getByRole("button", { name: "Add digest" }));
    const every = screen.getByLabelText("Schedule 1");
    expect(document.activeElement).toBe(every);
    await user.selectOptions(every, "Weekly");
    await user.selectOptions(screen.getByLabelText("Day"), "Friday");
    await user.selectOptions(screen.getByLabelText("At"), "18:00");
    await user.type(screen.getByLabelText("Top alerts"), "5");

    screen.getByRole("button", { name: "Add digest" }).focus();
    await user.keyboard("{Enter}");
    const second = screen.getByLabelText("Schedule 2");
    expect(document.activeElement).toBe(second);
    await user.selectOptions(second, "Every 4 hours");
    expect(screen.getAllByLabelText("At")).toHaveLength(1); // no hour for the 4-hour schedule

    await user.click(screen.getByRole("button", { name: "Add digest" }));
    // Three is the limit: the button goes, a hint says why.
    expect(screen.queryByRole("button", { name: "Add digest" })).toBeNull();
    expect(screen.getByText("At most 3 digests per profile.")).toBeTruthy();
    await user.click(screen.getByRole("button", { name: /^Remove\s*schedule 3$/ }));

    await user.click(screen.getByRole("button", { name: "Save changes" }));
    expect(p.onSave).toHaveBeenCalledOnce();
    expect(definitionOfForm(p.onSave.mock.calls[0]![0]).digests).toEqual([
      { every: "weekly", at_hour: 18, weekday: "fri", top_n: 5 },
      { every: "4h" },
    ]);
  });

  it("shows the server's messages next to the digest fields", () => {
    render(
      ProfileEditor,
      props(
        { digests: [{ every: "daily", at_hour: 7, top_n: 500 }] },
        new Map([["digests.0.top_n", "must be <= 100"]]),
      ),
    );
    const top = screen.getByLabelText("Top alerts");
    expect(top.getAttribute("aria-invalid")).toBe("true");
    expect(document.getElementById(top.getAttribute("aria-describedby")!)?.textContent).toBe(
      "must be <= 100",
    );
    expect((screen.getByLabelText("At") as HTMLSelectElement).value).toBe("7");
    expect(screen.queryByRole("alert")).toBeNull(); // not listed again at the top
  });

  it("refuses a top N out of range before asking the server", async () => {
    const user = userEvent.setup();
    const p = props({ digests: [{ every: "hourly" }] });
    render(ProfileEditor, p);
    await user.type(screen.getByLabelText("Top alerts"), "0");
    await user.click(screen.getByRole("button", { name: "Save changes" }));
    expect(p.onSave).not.toHaveBeenCalled();
    expect(screen.getByText("Use a whole number from 1 to 100.")).toBeTruthy();
    expect(document.activeElement).toBe(screen.getByLabelText("Top alerts"));
  });
});
