import { render, screen } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { TelegramLoginFieldsFragment } from "../lib/graphql/generated/graphql.ts";
import TelegramLoginPasswordStep from "./TelegramLoginPasswordStep.svelte";

const NOW = Date.parse("2030-01-01T12:00:00Z");

const LOGIN: TelegramLoginFieldsFragment = {
  step: "PASSWORD",
  phoneMasked: "+15••••01",
  codeType: null,
  codeLength: null,
  nextType: null,
  passwordHint: "first pet",
  expiresAt: null,
  attemptsLeft: 5,
  user: null,
};

describe("TelegramLoginPasswordStep", () => {
  it("asks for the password in a password field with the hint, by keyboard alone", async () => {
    const user = userEvent.setup();
    const onSubmit = vi.fn();
    render(TelegramLoginPasswordStep, { login: LOGIN, now: NOW, onSubmit, onCancel: vi.fn() });
    const field = screen.getByLabelText("Two-step verification password") as HTMLInputElement;
    expect(field.type).toBe("password");
    expect(screen.getByTestId("tg-login-hint").textContent).toBe("Hint: first pet");
    expect(field.getAttribute("aria-describedby")).toBe("tg-login-password-hint");
    await user.tab();
    expect(document.activeElement).toBe(field);
    await user.keyboard("correct horse{Enter}");
    expect(onSubmit).toHaveBeenCalledWith("correct horse");
    expect(field.value).toBe("");
  });

  it("shows a wrong password with the attempts left next to the field", async () => {
    render(TelegramLoginPasswordStep, {
      login: { ...LOGIN, attemptsLeft: 4 },
      now: NOW,
      onSubmit: vi.fn(),
      onCancel: vi.fn(),
      problem: {
        code: "LOGIN_PASSWORD_INVALID",
        message: "That password is not right.",
        field: "password",
        attemptsLeft: 4,
        retryAt: null,
      },
    });
    const alert = screen.getByRole("alert");
    expect(alert.textContent).toBe("That password is not right. 4 attempts left.");
    const field = screen.getByLabelText("Two-step verification password");
    expect(field.getAttribute("aria-invalid")).toBe("true");
    expect(field.getAttribute("aria-describedby")).toBe("tg-login-password-hint tg-login-password-error");
  });

  it("asks for a password before sending, works without a hint, and cancels", async () => {
    const user = userEvent.setup();
    const onSubmit = vi.fn();
    const onCancel = vi.fn();
    render(TelegramLoginPasswordStep, {
      login: { ...LOGIN, passwordHint: null },
      now: NOW,
      onSubmit,
      onCancel,
    });
    expect(screen.queryByTestId("tg-login-hint")).toBeNull();
    await user.click(screen.getByRole("button", { name: "Log in" }));
    expect(onSubmit).not.toHaveBeenCalled();
    expect(screen.getByRole("alert").textContent).toBe("Enter your two-step verification password.");
    await user.click(screen.getByRole("button", { name: "Cancel" }));
    expect(onCancel).toHaveBeenCalledOnce();
  });

  it("holds the button during a flood wait", () => {
    render(TelegramLoginPasswordStep, {
      login: LOGIN,
      now: NOW,
      onSubmit: vi.fn(),
      onCancel: vi.fn(),
      problem: {
        code: "TELEGRAM_FLOOD_WAIT",
        message: "",
        field: null,
        attemptsLeft: null,
        retryAt: NOW + 90_000,
      },
    });
    expect(screen.getByRole("alert").textContent).toBe("Telegram asks to wait: try again in 2 min.");
    expect((screen.getByRole("button", { name: "Log in" }) as HTMLButtonElement).disabled).toBe(true);
  });
});
