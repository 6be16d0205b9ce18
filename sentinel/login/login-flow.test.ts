import { describe, expect, it } from "vitest";
import {
  IDLE,
  LOGIN_TTL_MS,
  type LoginState,
  LoginTransitionError,
  liveLoginState,
  loginView,
  MAX_CODE_ATTEMPTS,
  MAX_PASSWORD_ATTEMPTS,
  nextLoginState,
  type SentCode,
  stepMismatch,
} from "./login-flow.ts";

const T0 = new Date("2026-03-01T10:00:00.000Z");
const at = (ms: number) => new Date(T0.getTime() + ms);
const SENT: SentCode = { codeType: "app", codeLength: 5, nextType: "sms" };
const OLGA = { user_id: 5550001, username: "olga", first_name: "Olga" };

function codeStep(): LoginState {
  return nextLoginState(IDLE, { type: "code_sent", phoneMasked: "+15****01", sentCode: SENT, at: T0 });
}

describe("the login state machine", () => {
  it("goes phone → code → done without 2FA", () => {
    const code = codeStep();
    expect(code).toEqual({
      step: "code",
      phoneMasked: "+15****01",
      sentCode: SENT,
      attemptsLeft: MAX_CODE_ATTEMPTS,
      expiresAt: at(LOGIN_TTL_MS),
    });
    const done = nextLoginState(code, { type: "signed_in", user: OLGA, at: at(1_000) });
    expect(done).toEqual({
      step: "done",
      phoneMasked: "+15****01",
      user: OLGA,
      expiresAt: at(1_000 + LOGIN_TTL_MS),
    });
  });

  it("goes code → password → done with 2FA, the password step getting its own TTL and attempts", () => {
    const password = nextLoginState(codeStep(), { type: "password_needed", hint: "cat", at: at(60_000) });
    expect(password).toEqual({
      step: "password",
      phoneMasked: "+15****01",
      hint: "cat",
      attemptsLeft: MAX_PASSWORD_ATTEMPTS,
      expiresAt: at(60_000 + LOGIN_TTL_MS),
    });
    expect(nextLoginState(password, { type: "signed_in", user: OLGA, at: at(61_000) }).step).toBe("done");
  });

  it(`spends one attempt per wrong code and gives up after ${MAX_CODE_ATTEMPTS}`, () => {
    let state = codeStep();
    for (let left = MAX_CODE_ATTEMPTS - 1; left >= 1; left -= 1) {
      state = nextLoginState(state, { type: "code_rejected" });
      expect(state).toMatchObject({ step: "code", attemptsLeft: left });
    }
    expect(nextLoginState(state, { type: "code_rejected" })).toEqual(IDLE);
  });

  it(`spends one attempt per wrong password and gives up after ${MAX_PASSWORD_ATTEMPTS}`, () => {
    let state = nextLoginState(codeStep(), { type: "password_needed", hint: null, at: T0 });
    for (let i = 1; i < MAX_PASSWORD_ATTEMPTS; i += 1)
      state = nextLoginState(state, { type: "password_rejected" });
    expect(state).toMatchObject({ step: "password", attemptsLeft: 1 });
    expect(nextLoginState(state, { type: "password_rejected" })).toEqual(IDLE);
  });

  it("refuses events their step does not allow", () => {
    expect(() => nextLoginState(IDLE, { type: "code_rejected" })).toThrow(LoginTransitionError);
    expect(() => nextLoginState(IDLE, { type: "signed_in", user: OLGA, at: T0 })).toThrow(
      LoginTransitionError,
    );
    expect(() => nextLoginState(codeStep(), { type: "password_rejected" })).toThrow(LoginTransitionError);
    const done = nextLoginState(codeStep(), { type: "signed_in", user: OLGA, at: T0 });
    expect(() => nextLoginState(done, { type: "password_needed", hint: null, at: T0 })).toThrow(
      LoginTransitionError,
    );
  });

  it("ends from any step, and a new start replaces any state", () => {
    expect(nextLoginState(codeStep(), { type: "ended" })).toEqual(IDLE);
    const done = nextLoginState(codeStep(), { type: "signed_in", user: OLGA, at: T0 });
    expect(
      nextLoginState(done, { type: "code_sent", phoneMasked: "+44*******58", sentCode: SENT, at: T0 }).step,
    ).toBe("code");
  });

  it("reads as idle once the step's TTL has passed", () => {
    const code = codeStep();
    expect(liveLoginState(code, at(LOGIN_TTL_MS - 1)).step).toBe("code");
    expect(liveLoginState(code, at(LOGIN_TTL_MS))).toEqual(IDLE);
    expect(liveLoginState(IDLE, at(LOGIN_TTL_MS * 10))).toEqual(IDLE);
  });

  it("says why a request does not fit the step", () => {
    expect(stepMismatch(codeStep(), "code")).toBeNull();
    expect(stepMismatch(IDLE, "code")).toMatch(/No login is in progress/);
    expect(stepMismatch(codeStep(), "password")).toMatch(/waiting for the login code/);
    const password = nextLoginState(codeStep(), { type: "password_needed", hint: null, at: T0 });
    expect(stepMismatch(password, "code")).toMatch(/2FA password/);
  });
});

describe("loginView (the REST state object)", () => {
  it("is all nulls when idle, and says whether a stored session would be replaced", () => {
    expect(loginView(IDLE, true)).toEqual({
      step: "idle",
      phone_masked: null,
      code_type: null,
      code_length: null,
      next_type: null,
      password_hint: null,
      expires_at: null,
      attempts_left: null,
      user_info: null,
      replaces_session: true,
    });
  });

  it("shows the code step's delivery, length, attempts and expiry", () => {
    expect(loginView(codeStep(), false)).toEqual({
      step: "code",
      phone_masked: "+15****01",
      code_type: "app",
      code_length: 5,
      next_type: "sms",
      password_hint: null,
      expires_at: at(LOGIN_TTL_MS).toISOString(),
      attempts_left: MAX_CODE_ATTEMPTS,
      user_info: null,
      replaces_session: false,
    });
  });

  it("shows the hint at the password step and the user when done (nothing left to replace)", () => {
    const password = nextLoginState(codeStep(), { type: "password_needed", hint: "cat", at: T0 });
    expect(loginView(password, true)).toMatchObject({
      step: "password",
      password_hint: "cat",
      code_type: null,
      attempts_left: MAX_PASSWORD_ATTEMPTS,
      replaces_session: true,
    });
    const done = nextLoginState(password, { type: "signed_in", user: OLGA, at: T0 });
    expect(loginView(done, true)).toMatchObject({
      step: "done",
      user_info: OLGA,
      attempts_left: null,
      password_hint: null,
      replaces_session: false,
    });
  });
});
