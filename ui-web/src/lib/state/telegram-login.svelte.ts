import type { GraphQLClient } from "../graphql/client.ts";
import {
  CancelTelegramLoginDocument,
  StartTelegramLoginDocument,
  SubmitTelegramLoginCodeDocument,
  SubmitTelegramLoginPasswordDocument,
  TelegramLoginDocument,
  type TelegramLoginFieldsFragment,
  type TelegramLoginStep,
} from "../graphql/generated/graphql.ts";
import { type LoginProblem, loginProblemOf } from "../telegram-login.ts";

export type TelegramLogin = TelegramLoginFieldsFragment;

/** The part of the GraphQL client the flow uses (tests pass a fake). */
export type TelegramLoginClient = Pick<GraphQLClient, "request">;

export type LoginAction = "load" | "start" | "code" | "password" | "cancel";

/** Refusals after which the pending login may have changed on the server (attempts, expiry, cancel). */
const REREAD_AFTER: ReadonlySet<string> = new Set([
  "LOGIN_CODE_INVALID",
  "LOGIN_PASSWORD_INVALID",
  "LOGIN_CODE_EXPIRED",
  "LOGIN_STEP_MISMATCH",
  "TOO_MANY_ATTEMPTS",
]);

const IDLE: TelegramLogin = {
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

/**
 * One login to Telegram from the Session page: phone → code → (2FA) password → done. The
 * sentinel keeps the pending login (and talks to Telegram); this class shows where it stands,
 * resumes it after a reload, and turns each refusal into a problem to show.
 */
export class TelegramLoginFlow {
  login = $state<TelegramLogin>(IDLE);
  /** The request under way, if any. */
  busy = $state<LoginAction | null>(null);
  /** The last refusal (cleared by the next action). */
  problem = $state<LoginProblem | null>(null);
  /** The number typed in the first step, kept for "start again" (never sent anywhere else). */
  phone = $state("");

  constructor(
    private readonly client: TelegramLoginClient,
    private readonly now: () => number = Date.now,
  ) {}

  get step(): TelegramLoginStep {
    return this.login.step;
  }

  /** Reads the pending login; a finished one shows as idle (the status card shows the account). */
  async load(): Promise<void> {
    await this.run("load", async () => {
      const { telegramLogin } = await this.client.request(TelegramLoginDocument);
      return telegramLogin.step === "DONE" ? IDLE : telegramLogin;
    });
  }

  async start(phone: string): Promise<boolean> {
    this.phone = phone;
    return this.run(
      "start",
      async () => (await this.client.request(StartTelegramLoginDocument, { phone })).startTelegramLogin,
    );
  }

  async submitCode(code: string): Promise<boolean> {
    return this.run(
      "code",
      async () =>
        (await this.client.request(SubmitTelegramLoginCodeDocument, { code })).submitTelegramLoginCode,
    );
  }

  async submitPassword(password: string): Promise<boolean> {
    return this.run(
      "password",
      async () =>
        (await this.client.request(SubmitTelegramLoginPasswordDocument, { password }))
          .submitTelegramLoginPassword,
    );
  }

  /** Cancels the pending login on the server; the typed phone number stays for a new start. */
  async cancel(): Promise<boolean> {
    return this.run(
      "cancel",
      async () => (await this.client.request(CancelTelegramLoginDocument)).cancelTelegramLogin,
    );
  }

  /** Leaves the "done" view for the first step again (nothing is pending on the server). */
  dismiss(): void {
    if (this.busy) return;
    this.login = IDLE;
    this.problem = null;
  }

  private async run(action: LoginAction, call: () => Promise<TelegramLogin>): Promise<boolean> {
    if (this.busy) return false;
    this.busy = action;
    this.problem = null;
    try {
      this.login = await call();
      return true;
    } catch (error) {
      const problem = loginProblemOf(error, this.now(), "The login step failed.");
      if (problem.code && REREAD_AFTER.has(problem.code)) {
        const current = await this.reread();
        if (current) {
          this.login = current;
          const wrongAnswer =
            problem.code === "LOGIN_CODE_INVALID" || problem.code === "LOGIN_PASSWORD_INVALID";
          if (wrongAnswer && problem.attemptsLeft === null && current.step !== "IDLE")
            problem.attemptsLeft = current.attemptsLeft;
        }
      }
      this.problem = problem;
      return false;
    } finally {
      this.busy = null;
    }
  }

  private async reread(): Promise<TelegramLogin | null> {
    try {
      return (await this.client.request(TelegramLoginDocument)).telegramLogin;
    } catch {
      return null;
    }
  }
}
