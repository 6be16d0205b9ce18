import { render, screen } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { definitionOfForm, formOfProfile } from "../lib/profile-form.ts";
import ProfileEditor from "./ProfileEditor.svelte";

function props(definition: Record<string, unknown>, serverErrors = new Map<string, string>()) {
  return {
    initial: formOfProfile({
      name: "Security",
      enabled: true,
      definition: { threshold: 1, keywords: ["breach"], ...definition },
    }),
    serverErrors,
    saving: false,
    isNew: false,
    onSave: vi.fn(),
    onCancel: vi.fn(),
  };
}

describe("the profile editor's 'Similar in meaning' section", () => {
  it("says it needs a local model, adds texts by keyboard and saves them as `semantic`", async () => {
    const user = userEvent.setup();
    const p = props({});
    render(ProfileEditor, p);
    const section = screen.getByRole("group", { name: "Similar in meaning" });
    expect(section.textContent?.replace(/\s+/g, " ")).toContain(
      "needs a local embedding model configured on the sentinel",
    );
    expect(screen.getByText("No texts: this profile does not compare meaning.")).toBeTruthy();

    await user.click(screen.getByRole("button", { name: "Add text" }));
    expect(document.activeElement).toBe(screen.getByLabelText("Text 1"));
    await user.keyboard("ransomware attack on a hospital");
    screen.getByRole("button", { name: "Add text" }).focus();
    await user.keyboard("{Enter}");
    expect(document.activeElement).toBe(screen.getByLabelText("Text 2"));
    await user.keyboard("customer records leaked");
    const weight = section.querySelector<HTMLInputElement>("#sem-weight")!;
    await user.type(weight, "2");
    await user.type(section.querySelector<HTMLInputElement>("#sem-sim")!, "0.6");

    await user.click(screen.getByRole("button", { name: "Save changes" }));
    expect(p.onSave).toHaveBeenCalledOnce();
    expect(definitionOfForm(p.onSave.mock.calls[0]![0]).semantic).toEqual({
      weight: 2,
      min_similarity: 0.6,
      texts: ["ransomware attack on a hospital", "customer records leaked"],
    });
  });

  it("shows the server's 'no model' message on the section, not in the list at the top", () => {
    const message =
      "semantic profiles need scoring.embedding_model_dir (or TG_EMBEDDING_MODEL_DIR): no embedding model is configured";
    render(ProfileEditor, props({ semantic: { texts: ["data breach"] } }, new Map([["semantic", message]])));
    const section = screen.getByRole("group", { name: "Similar in meaning" });
    expect(section.querySelector(".field-error")?.textContent).toBe(message);
    expect((screen.getByLabelText("Text 1") as HTMLTextAreaElement).value).toBe("data breach");
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("refuses a similarity of 0 before asking the server and removes texts", async () => {
    const user = userEvent.setup();
    const p = props({ semantic: { min_similarity: 0.5, texts: ["one", "two"] } });
    render(ProfileEditor, p);
    await user.click(screen.getByRole("button", { name: /^Remove\s*text 1$/ }));
    expect((screen.getByLabelText("Text 1") as HTMLTextAreaElement).value).toBe("two");
    const sim = screen
      .getByRole("group", { name: "Similar in meaning" })
      .querySelector<HTMLInputElement>("#sem-sim")!;
    await user.clear(sim);
    await user.type(sim, "0");
    await user.click(screen.getByRole("button", { name: "Save changes" }));
    expect(p.onSave).not.toHaveBeenCalled();
    expect(screen.getByText("Use a value above 0, at most 1.")).toBeTruthy();
    expect(document.activeElement).toBe(sim);
  });
});
