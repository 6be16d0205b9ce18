import { render, screen } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { TelegramLoginFieldsFragment } from "../lib/graphql/generated/graphql.ts";
import type { LoginProblem } from "../lib/telegram-login.ts";
import TelegramLoginCodeStep from "./TelegramLoginCodeStep.svelte";

const NOW = Date.parse("2030-01-01T12:00:00Z");

const LOGIN: TelegramLoginFieldsFragment = {
  step: "CODE",
  phoneMasked: "+15••••01",
  codeType: "APP",
  codeLength: 5,
  nextType: "SMS",
  passwordHint: null,
  expiresAt: new Date(NOW + 4 * 60_000 + 30_000).toISOString(),
  attemptsLeft: 5,
  user: null,
};

const callbacks = () => ({ onSubmit: vi.fn(), onRestart: vi.fn(), onCancel: vi.fn() });

describe("TelegramLoginCodeStep", () => {
  it("says where the code went, its length and when it expires, and takes it with the keyboard", async () => {
    const user = userEvent.setup();
    const cb = callbacks();
    render(TelegramLoginCodeStep, { login: LOGIN, now: NOW, ...cb });
    expect(screen.getByTestId("tg-login-delivery").textContent).toMatch(
      /^Telegram sent a code to your Telegram app/,
    );
    const field = screen.getByLabelText("Login code");
    expect(field.getAttribute("autocomplete")).toBe("one-time-code");
    expect(field.getAttribute("inputmode")).toBe("numeric");
    const hint = document.getElementById("tg-login-code-hint")?.textContent?.replace(/\s+/g, " ").trim();
    expect(hint).toBe("5 digits. Expires in 4:30.");
    await user.tab();
    expect(document.activeElement).toBe(field);
    await user.keyboard("123 45{Enter}");
    expect(cb.onSubmit).toHaveBeenCalledWith("12345");
  });

  it("says SMS in words with the masked number", () => {
    render(TelegramLoginCodeStep, { login: { ...LOGIN, codeType: "SMS" }, now: NOW, ...callbacks() });
    expect(screen.getByTestId("tg-login-delivery").textContent).toBe(
      "Telegram sent a code by SMS to +15••••01.",
    );
  });

  it("checks the length before sending", async () => {
    const user = userEvent.setup();
    const cb = callbacks();
    render(TelegramLoginCodeStep, { login: LOGIN, now: NOW, ...cb });
    await user.type(screen.getByLabelText("Login code"), "1234{Enter}");
    expect(cb.onSubmit).not.toHaveBeenCalled();
    expect(screen.getByRole("alert").textContent).toBe("The code has 5 digits.");
  });

  it("shows a wrong code next to the field with the attempts left, and empties the field", async () => {
    const user = userEvent.setup();
    const cb = callbacks();
    const { rerender } = render(TelegramLoginCodeStep, { login: LOGIN, now: NOW, ...cb });
    const field = screen.getByLabelText("Login code") as HTMLInputElement;
    await user.type(field, "11111");
    const wrong: LoginProblem = {
      code: "LOGIN_CODE_INVALID",
      message: "That code is not right.",
      field: "code",
      attemptsLeft: 4,
      retryAt: null,
    };
    await rerender({ login: { ...LOGIN, attemptsLeft: 4 }, now: NOW, problem: wrong, ...cb });
    const alert = screen.getByRole("alert");
    expect(alert.textContent).toBe("That code is not right. 4 attempts left.");
    expect(field.getAttribute("aria-invalid")).toBe("true");
    expect(field.getAttribute("aria-describedby")).toContain(alert.id);
    expect(field.value).toBe("");
  });

  it("counts down, then says the code expired and offers only starting again", async () => {
    const cb = callbacks();
    const { rerender } = render(TelegramLoginCodeStep, { login: LOGIN, now: NOW, ...cb });
    await rerender({ login: LOGIN, now: NOW + 4 * 60_000 + 29_000, ...cb });
    expect(screen.getByTestId("tg-login-expiry").textContent).toBe("0:01");
    await rerender({ login: LOGIN, now: NOW + 4 * 60_000 + 30_000, ...cb });
    expect(screen.getByRole("alert").textContent).toBe("The code has expired. Start again to get a new one.");
    expect((screen.getByRole("button", { name: "Log in" }) as HTMLButtonElement).disabled).toBe(true);
    await userEvent.setup().click(screen.getByRole("button", { name: "Start again" }));
    expect(cb.onRestart).toHaveBeenCalledOnce();
  });

  it("cancels, and names the field by what a missed call gives", async () => {
    const cb = callbacks();
    render(TelegramLoginCodeStep, { login: { ...LOGIN, codeType: "MISSED_CALL" }, now: NOW, ...cb });
    expect(screen.getByLabelText("Last digits of the calling number")).toBeTruthy();
    await userEvent.setup().click(screen.getByRole("button", { name: "Cancel" }));
    expect(cb.onCancel).toHaveBeenCalledOnce();
  });

  it("shows a refusal that is not about the code above the form", () => {
    render(TelegramLoginCodeStep, {
      login: LOGIN,
      now: NOW,
      problem: {
        code: "TELEGRAM_UNAVAILABLE",
        message: "Telegram cannot be reached right now.",
        field: null,
        attemptsLeft: null,
        retryAt: null,
      },
      ...callbacks(),
    });
    expect(screen.getByTestId("tg-login-problem").getAttribute("role")).toBe("alert");
    expect(screen.getByLabelText("Login code").getAttribute("aria-invalid")).toBe("false");
  });
});
