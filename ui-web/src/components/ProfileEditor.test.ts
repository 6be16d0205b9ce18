import { render, screen } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { formOfProfile } from "../lib/profile-form.ts";
import ProfileEditor from "./ProfileEditor.svelte";

const initial = formOfProfile({
  name: "Markets",
  enabled: true,
  definition: {
    threshold: 2,
    keywords: [
      { term: "rates", weight: 1 },
      { term: "", weight: 1 },
    ],
    regex: [],
  },
});

function props(overrides: Record<string, unknown> = {}) {
  return {
    initial,
    serverErrors: new Map<string, string>(),
    saving: false,
    isNew: false,
    onSave: vi.fn(),
    onCancel: vi.fn(),
    ...overrides,
  };
}

describe("ProfileEditor", () => {
  it("shows each server message next to its field and ties it to the input", () => {
    render(
      ProfileEditor,
      props({
        serverErrors: new Map([
          ["keywords.1.term", "must not be empty"],
          ["threshold", "must be > 0"],
        ]),
      }),
    );
    const term = screen.getByLabelText("Keyword 2");
    expect(term.getAttribute("aria-invalid")).toBe("true");
    const describedBy = term.getAttribute("aria-describedby")!;
    expect(document.getElementById(describedBy)?.textContent).toBe("must not be empty");
    expect(screen.getByLabelText("Alert threshold").getAttribute("aria-invalid")).toBe("true");
    expect(screen.getByLabelText("Keyword 1").getAttribute("aria-invalid")).toBe("false");
  });

  it("lists server messages for fields it has no input for at the top", () => {
    render(ProfileEditor, props({ serverErrors: new Map([["colour", "unknown key"]]) }));
    expect(screen.getByRole("alert").textContent).toContain("colour: unknown key");
  });

  it("refuses to save an invalid pattern and focuses it", async () => {
    const user = userEvent.setup();
    const p = props();
    render(ProfileEditor, p);
    await user.click(screen.getByRole("button", { name: "Add pattern" }));
    expect(document.activeElement).toBe(screen.getByLabelText("Pattern 1"));
    await user.keyboard("(unclosed");
    await user.click(screen.getByRole("button", { name: "Save changes" }));
    expect(p.onSave).not.toHaveBeenCalled();
    expect(screen.getByText(/Not a valid pattern/)).toBeTruthy();
    expect(document.activeElement).toBe(screen.getByLabelText("Pattern 1"));
  });

  it("saves the edited form", async () => {
    const user = userEvent.setup();
    const p = props();
    render(ProfileEditor, p);
    await user.type(screen.getByLabelText("Keyword 2"), "inflation");
    await user.clear(screen.getByLabelText("Alert threshold"));
    await user.type(screen.getByLabelText("Alert threshold"), "3");
    await user.click(screen.getByRole("button", { name: "Save changes" }));
    expect(p.onSave).toHaveBeenCalledOnce();
    const saved = p.onSave.mock.calls[0]![0];
    expect(saved.threshold).toBe(3);
    expect(saved.keywords.map((k: { term: string }) => k.term)).toEqual(["rates", "inflation"]);
  });
});
