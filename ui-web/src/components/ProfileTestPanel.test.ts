import { render, screen } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import ProfileTestPanel from "./ProfileTestPanel.svelte";

describe("ProfileTestPanel", () => {
  it("scores each pasted message and shows which would alert, with the matches marked", async () => {
    const user = userEvent.setup();
    const onTest = vi.fn(async (texts: string[]) =>
      texts.map((text) => {
        const start = text.indexOf("rates");
        return start < 0
          ? { text, score: 0, matched: false, reasons: [] }
          : {
              text,
              score: 2,
              matched: true,
              reasons: [
                {
                  kind: "keyword",
                  term: "rates",
                  text: "rates",
                  weight: 2,
                  start,
                  end: start + 5,
                  similarity: null,
                },
              ],
            };
      }),
    );
    render(ProfileTestPanel, { onTest, threshold: 2 });
    await user.type(screen.getByLabelText("Sample messages"), "rates are up{Enter}{Enter}lunch at noon");
    await user.click(screen.getByRole("button", { name: "Score 2 messages" }));
    expect(onTest).toHaveBeenCalledWith(["rates are up", "lunch at noon"]);
    const results = await screen.findByTestId("test-results");
    const items = results.querySelectorAll("li.result");
    expect(items[0]?.textContent).toContain("Would alert");
    expect(items[0]?.querySelector("mark")?.textContent).toBe("rates");
    expect(items[1]?.textContent).toContain("No alert");
  });
});
