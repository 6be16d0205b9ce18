import type { Page } from "playwright-core";

/**
 * Every visible input, select, textarea and button that has no accessible name, described so a
 * failure says which one. The name is computed the way browsers do for these elements:
 * aria-labelledby, aria-label, a <label> (for= or wrapping), then title; buttons also take their
 * text content. Hidden file inputs count (they are reachable by keyboard).
 */
export function unlabelledControls(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const text = (el: Element | null) => (el?.textContent ?? "").replace(/\s+/g, " ").trim();
    const nameOf = (el: HTMLElement): string => {
      const labelledBy = el.getAttribute("aria-labelledby");
      if (labelledBy) {
        const name = labelledBy
          .split(/\s+/)
          .map((id) => text(document.getElementById(id)))
          .join(" ")
          .trim();
        if (name) return name;
      }
      const aria = el.getAttribute("aria-label")?.trim();
      if (aria) return aria;
      const labels = (el as HTMLInputElement).labels;
      if (labels && labels.length > 0) {
        const name = [...labels].map(text).join(" ").trim();
        if (name) return name;
      }
      if (el.tagName === "BUTTON") {
        const name = text(el);
        if (name) return name;
      }
      if (el instanceof HTMLInputElement && ["submit", "button", "reset"].includes(el.type) && el.value)
        return el.value;
      return el.getAttribute("title")?.trim() ?? "";
    };
    const visible = (el: HTMLElement) =>
      (el instanceof HTMLInputElement && el.type === "file") || el.getClientRects().length > 0;
    return [...document.querySelectorAll<HTMLElement>("input, select, textarea, button")]
      .filter((el) => !(el instanceof HTMLInputElement && el.type === "hidden"))
      .filter(visible)
      .filter((el) => nameOf(el) === "")
      .map((el) => el.outerHTML.slice(0, 160));
  });
}
