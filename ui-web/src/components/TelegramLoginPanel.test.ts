import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { GraphQLRequestError } from "../lib/graphql/errors.ts";
import type { TelegramLoginFieldsFragment } from "../lib/graphql/generated/graphql.ts";
import { type TelegramLoginClient, TelegramLoginFlow } from "../lib/state/telegram-login.svelte.ts";
import type { WorkerStatus } from "../lib/state/worker-status.svelte.ts";
import TelegramLoginPanel from "./TelegramLoginPanel.svelte";

const NOW = Date.parse("2030-01-01T12:00:00Z");

const BASE: TelegramLoginFieldsFragment = {
  step: "IDLE",
  phoneMasked: null,
  codeType: null,
  codeLength: null,
  nextType: null,
  passwordHint: null,
  expiresAt: null,
  attemptsLeft: null,
  user: null,
};
const CODE: TelegramLoginFieldsFragment = {
  ...BASE,
  step: "CODE",
  phoneMasked: "+15••••01",
  codeType: "APP",
  codeLength: 5,
  expiresAt: new Date(NOW + 10 * 60_000).toISOString(),
  attemptsLeft: 5,
};
const PASSWORD: TelegramLoginFieldsFragment = {
  ...CODE,
  step: "PASSWORD",
  passwordHint: "first pet",
  attemptsLeft: 5,
};
const OLGA = { id: "5550001", username: "olga", firstName: "Olga" };
const DONE: TelegramLoginFieldsFragment = { ...BASE, step: "DONE", phoneMasked: "+15••••01", user: OLGA };

type Answer = TelegramLoginFieldsFragment | Error;

/**
 * Stands in for the GraphQL server: each operation answers from its own queue (the last answer
 * repeats), and every call is recorded with its variables.
 */
function fakeServer(answers: Record<string, Answer[]>) {
  const calls: { operation: string; variables: unknown }[] = [];
  const fields: Record<string, string> = {
    TelegramLogin: "telegramLogin",
    StartTelegramLogin: "startTelegramLogin",
    SubmitTelegramLoginCode: "submitTelegramLoginCode",
    SubmitTelegramLoginPassword: "submitTelegramLoginPassword",
    CancelTelegramLogin: "cancelTelegramLogin",
  };
  const client = {
    request: async (document: { toString(): string }, variables?: unknown) => {
      const operation = /(?:query|mutation) (\w+)/.exec(String(document))?.[1] ?? "?";
      calls.push({ operation, variables });
      const queue = answers[operation] ?? [];
      const answer = queue.length > 1 ? queue.shift() : queue[0];
      if (!answer) throw new Error(`no answer for ${operation}`);
      if (answer instanceof Error) throw answer;
      return { [fields[operation]!]: answer };
    },
  } as unknown as TelegramLoginClient;
  return { client, calls };
}

const refusal = (code: string, message: string, extensions: Record<string, unknown> = {}) =>
  new GraphQLRequestError([{ message, extensions: { code, ...extensions } }]);

const authorized = (authorized: boolean): WorkerStatus => ({
  authorized,
  connected: authorized,
  user: authorized ? OLGA : null,
  lastSync: null,
  lastError: null,
  rateLimit: { active: false, floodWaitSeconds: 0, floodWaitUntil: null },
  sentinelReachable: true,
  sessionPresent: true,
  sessionImportedAt: null,
  observedAt: new Date(NOW).toISOString(),
});

describe("TelegramLoginPanel", () => {
  it("logs in phone → code → password with the keyboard alone, says a wrong password's attempts left, and shows the worker authorize", async () => {
    const user = userEvent.setup();
    const server = fakeServer({
      TelegramLogin: [BASE, { ...PASSWORD, attemptsLeft: 4 }],
      StartTelegramLogin: [CODE],
      SubmitTelegramLoginCode: [PASSWORD],
      SubmitTelegramLoginPassword: [refusal("LOGIN_PASSWORD_INVALID", "That password is not right."), DONE],
    });
    const flow = new TelegramLoginFlow(server.client, () => NOW);
    await flow.load();
    const { rerender } = render(TelegramLoginPanel, { flow, worker: authorized(false), now: NOW });
    expect(screen.getByRole("listitem", { current: "step" }).textContent?.trim()).toBe("Phone number");

    await user.tab();
    expect(document.activeElement?.id).toBe("tg-login-phone");
    await user.keyboard("+1 555 0001{Enter}");
    await waitFor(() => expect(document.activeElement?.id).toBe("tg-login-code"));
    expect(screen.getByText(/^Code sent/).getAttribute("aria-live") ?? "").toBe("polite");
    expect(screen.getByRole("listitem", { current: "step" }).textContent?.trim()).toBe("Code");

    await user.keyboard("12345{Enter}");
    await waitFor(() => expect(document.activeElement?.id).toBe("tg-login-password"));
    expect(screen.getByTestId("tg-login-hint").textContent).toBe("Hint: first pet");

    await user.keyboard("wrong-one{Enter}");
    // The attempts left come from the login read again after the refusal.
    await waitFor(() =>
      expect(screen.getByRole("alert").textContent).toBe("That password is not right. 4 attempts left."),
    );
    expect(document.activeElement?.id).toBe("tg-login-password");

    await user.keyboard("first pet is Rex{Enter}");
    const done = await screen.findByTestId("tg-login-done");
    expect(done.textContent?.replace(/\s+/g, " ")).toContain("Logged in to Telegram as Olga (@olga).");
    expect(document.activeElement?.id).toBe("tg-login-done-title");
    expect(screen.getByTestId("worker-status").textContent?.trim()).not.toMatch(/^Authorized/);
    await rerender({ flow, worker: authorized(true), now: NOW });
    expect(screen.getByTestId("worker-status").textContent?.trim()).toBe("Authorized as @olga");

    expect(server.calls.map((c) => [c.operation, c.variables])).toEqual([
      ["TelegramLogin", undefined],
      ["StartTelegramLogin", { phone: "+15550001" }],
      ["SubmitTelegramLoginCode", { code: "12345" }],
      ["SubmitTelegramLoginPassword", { password: "wrong-one" }],
      ["TelegramLogin", undefined],
      ["SubmitTelegramLoginPassword", { password: "first pet is Rex" }],
    ]);

    await user.click(screen.getByRole("button", { name: "Close" }));
    expect(document.activeElement?.id).toBe("tg-login-phone");
  });

  it("cancels at the code step and goes back to the phone number, which is kept", async () => {
    const user = userEvent.setup();
    const server = fakeServer({
      TelegramLogin: [BASE],
      StartTelegramLogin: [CODE],
      CancelTelegramLogin: [BASE],
    });
    const flow = new TelegramLoginFlow(server.client, () => NOW);
    render(TelegramLoginPanel, { flow, worker: null, now: NOW });
    await user.type(screen.getByLabelText("Phone number"), "+15550001{Enter}");
    await screen.findByLabelText("Login code");
    await user.click(screen.getByRole("button", { name: "Cancel" }));
    await waitFor(() => expect(document.activeElement?.id).toBe("tg-login-phone"));
    expect((screen.getByLabelText("Phone number") as HTMLInputElement).value).toBe("+15550001");
    expect(server.calls.at(-1)?.operation).toBe("CancelTelegramLogin");
  });

  it("continues a pending login after a reload, and shows a finished one as a new start", async () => {
    const pending = new TelegramLoginFlow(fakeServer({ TelegramLogin: [CODE] }).client, () => NOW);
    await pending.load();
    const { unmount } = render(TelegramLoginPanel, { flow: pending, worker: null, now: NOW });
    expect(screen.getByLabelText("Login code")).toBeTruthy();
    unmount();

    const finished = new TelegramLoginFlow(fakeServer({ TelegramLogin: [DONE] }).client, () => NOW);
    await finished.load();
    render(TelegramLoginPanel, { flow: finished, worker: authorized(true), now: NOW });
    expect(screen.getByLabelText("Phone number")).toBeTruthy();
    expect(screen.getByTestId("tg-login-replaces").textContent).toContain("@olga");
  });

  it("after too many wrong codes, is back at the phone number saying why", async () => {
    const user = userEvent.setup();
    const server = fakeServer({
      TelegramLogin: [CODE, BASE],
      SubmitTelegramLoginCode: [
        refusal("TOO_MANY_ATTEMPTS", "Too many wrong attempts: the login was cancelled. Start again."),
      ],
    });
    const flow = new TelegramLoginFlow(server.client, () => NOW);
    await flow.load();
    render(TelegramLoginPanel, { flow, worker: null, now: NOW });
    await user.type(screen.getByLabelText("Login code"), "99999{Enter}");
    await waitFor(() => expect(screen.getByLabelText("Phone number")).toBeTruthy());
    expect(screen.getByRole("alert").textContent).toBe(
      "Too many wrong attempts: the login was cancelled. Start again.",
    );
  });

  it("shows a flood wait on the phone step in minutes", async () => {
    const user = userEvent.setup();
    const server = fakeServer({
      TelegramLogin: [BASE],
      StartTelegramLogin: [
        refusal("TELEGRAM_FLOOD_WAIT", "Telegram asks to wait: try again in 3 min.", {
          retryAfterSeconds: 150,
        }),
      ],
    });
    const flow = new TelegramLoginFlow(server.client, () => NOW);
    render(TelegramLoginPanel, { flow, worker: null, now: NOW });
    await user.type(screen.getByLabelText("Phone number"), "+15550001{Enter}");
    await waitFor(() =>
      expect(screen.getByRole("alert").textContent).toBe("Telegram asks to wait: try again in 3 min."),
    );
    expect((screen.getByRole("button", { name: "Send me a code" }) as HTMLButtonElement).disabled).toBe(true);
  });
});
