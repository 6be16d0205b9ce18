import { render, screen } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import { reasonsFromJson } from "../lib/reasons.ts";
import ReasonList from "./ReasonList.svelte";

describe("ReasonList", () => {
  it("names a semantic reason and shows its similarity", () => {
    render(ReasonList, {
      reasons: reasonsFromJson([
        { kind: "semantic", term: "central bank raises rates", weight: 1.5, similarity: 0.874 },
      ]),
    });
    const item = screen.getByRole("listitem");
    expect(item.textContent).toContain("Similar in meaning");
    expect(item.textContent).toContain("central bank raises rates");
    expect(item.textContent).toContain("87% similar");
    expect(item.textContent).toContain("+1.5");
  });

  it("shows a kind it does not know by name, with its term and weight", () => {
    render(ReasonList, { reasons: reasonsFromJson([{ kind: "reply_to_me", term: "thread", weight: 2 }]) });
    const item = screen.getByRole("listitem");
    expect(item.textContent).toContain("reply to me");
    expect(item.textContent).toContain("thread");
    expect(item.textContent).toContain("+2");
  });
});
