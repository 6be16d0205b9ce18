import { render, screen } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import LoginForm from "./LoginForm.svelte";

describe("LoginForm", () => {
  it("signs in with the keyboard alone: Tab to each field, Enter to submit", async () => {
    const user = userEvent.setup();
    const onSubmit = vi.fn(async () => {});
    render(LoginForm, { onSubmit });
    await user.tab();
    expect(document.activeElement).toBe(screen.getByLabelText("Username"));
    await user.keyboard("admin");
    await user.tab();
    expect(document.activeElement).toBe(screen.getByLabelText("Password"));
    await user.keyboard("correct horse{Enter}");
    expect(onSubmit).toHaveBeenCalledWith("admin", "correct horse");
  });

  it("shows the server's refusal and clears the password", async () => {
    const user = userEvent.setup();
    render(LoginForm, { onSubmit: async () => Promise.reject(new Error("Wrong username or password")) });
    await user.type(screen.getByLabelText("Username"), "admin");
    await user.type(screen.getByLabelText("Password"), "nope");
    await user.click(screen.getByRole("button", { name: "Sign in" }));
    expect((await screen.findByRole("alert")).textContent).toBe("Wrong username or password");
    expect((screen.getByLabelText("Password") as HTMLInputElement).value).toBe("");
  });

  it("asks for both fields before calling the server", async () => {
    const user = userEvent.setup();
    const onSubmit = vi.fn(async () => {});
    render(LoginForm, { onSubmit });
    await user.click(screen.getByRole("button", { name: "Sign in" }));
    expect(screen.getByRole("alert").textContent).toMatch(/Enter your username and password/);
    expect(onSubmit).not.toHaveBeenCalled();
  });
});
