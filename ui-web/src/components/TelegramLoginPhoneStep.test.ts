import { render, screen } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { LoginProblem } from "../lib/telegram-login.ts";
import TelegramLoginPhoneStep from "./TelegramLoginPhoneStep.svelte";

const NOW = Date.parse("2030-01-01T12:00:00Z");

function problem(overrides: Partial<LoginProblem>): LoginProblem {
  return { code: null, message: "", field: null, attemptsLeft: null, retryAt: null, ...overrides };
}

describe("TelegramLoginPhoneStep", () => {
  it("takes the number with the keyboard alone and sends it in international form", async () => {
    const user = userEvent.setup();
    const onSubmit = vi.fn();
    render(TelegramLoginPhoneStep, { now: NOW, onSubmit });
    await user.tab();
    const field = screen.getByLabelText("Phone number");
    expect(document.activeElement).toBe(field);
    expect(field.getAttribute("type")).toBe("tel");
    expect(field.getAttribute("autocomplete")).toBe("tel");
    expect(document.getElementById(field.getAttribute("aria-describedby") ?? "")?.textContent).toMatch(
      /International format: \+ and the country code/,
    );
    await user.keyboard("+44 7700 900123{Enter}");
    expect(onSubmit).toHaveBeenCalledWith("+447700900123");
  });

  it("shows a number that is not international next to the field and does not send it", async () => {
    const user = userEvent.setup();
    const onSubmit = vi.fn();
    render(TelegramLoginPhoneStep, { now: NOW, onSubmit });
    const field = screen.getByLabelText("Phone number");
    await user.type(field, "07700 900123{Enter}");
    expect(onSubmit).not.toHaveBeenCalled();
    expect(field.getAttribute("aria-invalid")).toBe("true");
    const error = screen.getByRole("alert");
    expect(error.id).toBe("tg-login-phone-error");
    expect(field.getAttribute("aria-describedby")).toContain("tg-login-phone-error");
    expect(error.textContent).toMatch(/^Start with \+ and the country code/);
    // Typing again clears it.
    await user.type(field, "1");
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("puts the server's refusal of the number next to the field", () => {
    render(TelegramLoginPhoneStep, {
      now: NOW,
      onSubmit: vi.fn(),
      problem: problem({
        code: "LOGIN_ACCOUNT_NOT_FOUND",
        message: "There is no Telegram account for this phone number.",
        field: "phone",
      }),
    });
    expect(screen.getByRole("alert").id).toBe("tg-login-phone-error");
    expect(screen.getByLabelText("Phone number").getAttribute("aria-invalid")).toBe("true");
  });

  it("warns that the login replaces the session of the account logged in now", () => {
    const { rerender } = render(TelegramLoginPhoneStep, { now: NOW, onSubmit: vi.fn() });
    expect(screen.queryByTestId("tg-login-replaces")).toBeNull();
    rerender({ now: NOW, onSubmit: vi.fn(), currentAccount: "@olga" });
    expect(screen.getByTestId("tg-login-replaces").textContent?.replace(/\s+/g, " ")).toContain(
      "You are logged in as @olga. Logging in with a phone number replaces that session",
    );
  });

  it("shows a flood wait as minutes left and holds the button until it is over", async () => {
    const flood = problem({ code: "TELEGRAM_FLOOD_WAIT", message: "wait", retryAt: NOW + 5 * 60_000 });
    const { rerender } = render(TelegramLoginPhoneStep, { now: NOW, onSubmit: vi.fn(), problem: flood });
    expect(screen.getByRole("alert").textContent).toBe("Telegram asks to wait: try again in 5 min.");
    const button = screen.getByRole("button", { name: "Send me a code" }) as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    await rerender({ now: NOW + 4 * 60_000 + 1, onSubmit: vi.fn(), problem: flood });
    expect(screen.getByRole("alert").textContent).toBe("Telegram asks to wait: try again in 1 min.");
    await rerender({ now: NOW + 5 * 60_000, onSubmit: vi.fn(), problem: flood });
    expect(screen.getByRole("alert").textContent).toBe("You can try again now.");
    expect(button.disabled).toBe(false);
  });

  it("keeps the number typed before when it starts again", () => {
    render(TelegramLoginPhoneStep, { now: NOW, onSubmit: vi.fn(), initialPhone: "+15550001" });
    expect((screen.getByLabelText("Phone number") as HTMLInputElement).value).toBe("+15550001");
  });
});
