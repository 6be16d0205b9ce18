import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  codeTypeOf,
  LOGIN_INPUT_LIMITS,
  loginErrorOf,
  loginViewOf,
  maskPhone,
  waitText,
} from "./telegram-login.ts";
import { gql, login, wsClient } from "./testing/graphql-client.ts";
import {
  ADMIN,
  startSentinel,
  startUi,
  type TestSentinel,
  type TestUi,
  testPrefix,
} from "./testing/system.ts";

describe("maskPhone", () => {
  it("keeps the first two and last two digits and the leading +", () => {
    expect(maskPhone("+15550001")).toBe("+15••••01");
    expect(maskPhone("+44 7700 900123")).toBe("+44••••••••23");
    expect(maskPhone("0044 (20) 7946-0958")).toBe("00••••••••••58");
  });

  it("hides all but the last digit of a short number, and drops everything that is not a digit", () => {
    expect(maskPhone("+123")).toBe("+••3");
    expect(maskPhone("abc")).toBe("(none)");
    expect(maskPhone("+1 555 <script>")).toBe("+•••5");
  });
});

describe("loginViewOf", () => {
  it("turns the sentinel's snake_case state into the GraphQL view", () => {
    expect(
      loginViewOf({
        step: "code",
        phone_masked: "+15••••01",
        code_type: "flash_call",
        code_length: 5,
        next_type: "sms",
        password_hint: null,
        expires_at: "2030-01-01T00:10:00.000Z",
        attempts_left: 5,
        user_info: null,
      }),
    ).toEqual({
      step: "CODE",
      phoneMasked: "+15••••01",
      codeType: "FLASH_CALL",
      codeLength: 5,
      nextType: "SMS",
      passwordHint: null,
      expiresAt: new Date("2030-01-01T00:10:00.000Z"),
      attemptsLeft: 5,
      user: null,
    });
    expect(
      loginViewOf({ step: "done", user_info: { user_id: "5550001", username: "olga", first_name: "Olga" } }),
    ).toMatchObject({
      step: "DONE",
      codeType: null,
      user: { id: "5550001", username: "olga", firstName: "Olga" },
    });
  });

  it("calls a code type it does not know OTHER", () => {
    expect(codeTypeOf("carrier_pigeon")).toBe("OTHER");
    expect(codeTypeOf(null)).toBeNull();
    expect(codeTypeOf("app")).toBe("APP");
  });
});

describe("loginErrorOf", () => {
  it("keeps the sentinel's code and says the flood wait in minutes", () => {
    expect(
      loginErrorOf({
        code: "TELEGRAM_FLOOD_WAIT",
        message: "FLOOD_WAIT_300",
        details: { retry_after_s: 300, step: "code", attempts_left: 5 },
      }),
    ).toEqual({
      code: "TELEGRAM_FLOOD_WAIT",
      message: "Telegram asks to wait: try again in 5 min.",
      extensions: { retryAfterSeconds: 300 },
    });
  });

  it("passes the attempts left and gives login codes a fixed message", () => {
    expect(
      loginErrorOf(
        { code: "LOGIN_CODE_INVALID", message: "code 12345 wrong", details: { attempts_left: 3 } },
        ["12345"],
      ),
    ).toEqual({
      code: "LOGIN_CODE_INVALID",
      message: "That code is not right.",
      extensions: { attemptsLeft: 3 },
    });
  });

  it("drops a message or field message that repeats the secret sent", () => {
    const out = loginErrorOf(
      {
        code: "VALIDATION_FAILED",
        message: "password 'hunter22' is too long",
        details: { fields: [{ path: "password", message: "hunter22 is too long" }] },
      },
      ["hunter22"],
    );
    expect(JSON.stringify(out)).not.toContain("hunter22");
    expect(out).toEqual({
      code: "VALIDATION_FAILED",
      message: "The sentinel refused the login step.",
      extensions: { fields: [{ path: ["password"], message: "invalid" }] },
    });
    // A message without the secret is kept.
    expect(
      loginErrorOf({ code: "SENTINEL_UNAVAILABLE", message: "The sentinel is not reachable" }).message,
    ).toBe("The sentinel is not reachable");
  });

  it("writes waits in whole minutes and hours, rounded up", () => {
    expect(waitText(0.2)).toBe("1 min");
    expect(waitText(60)).toBe("1 min");
    expect(waitText(61)).toBe("2 min");
    expect(waitText(3600)).toBe("1 h");
    expect(waitText(3600 + 61)).toBe("1 h 2 min");
    expect(waitText(2 * 3600 - 1)).toBe("2 h");
  });
});

// ---- through GraphQL, against the real UI app and the real sentinel ----------------------------

const START = "mutation($phone: String!) { startTelegramLogin(phone: $phone) { step phoneMasked } }";
const CODE = "mutation($code: String!) { submitTelegramLoginCode(code: $code) { step } }";
const PASSWORD = "mutation($password: String!) { submitTelegramLoginPassword(password: $password) { step } }";

let sentinel: TestSentinel;
let ui: TestUi;
let cookie: string;

beforeAll(async () => {
  const prefix = testPrefix();
  sentinel = await startSentinel({ prefix });
  ui = await startUi({ prefix, sentinelBaseUrl: sentinel.baseUrl });
  cookie = await login(ui.url, ADMIN.username, ADMIN.password);
});

afterAll(async () => {
  await ui?.close();
  await sentinel?.close();
});

const STATE =
  "{ step phoneMasked codeType codeLength nextType passwordHint expiresAt attemptsLeft user { id } }";

describe("relayed to the real sentinel", () => {
  it("reads an idle login and cancels nothing", async () => {
    const idle = {
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
    const read = await gql(ui.url, `{ telegramLogin ${STATE} }`, {}, cookie);
    expect(read.errors).toBeUndefined();
    expect(read.data).toEqual({ telegramLogin: idle });
    const cancel = await gql(ui.url, `mutation { cancelTelegramLogin ${STATE} }`, {}, cookie);
    expect(cancel.data).toEqual({ cancelTelegramLogin: idle });
  });

  it("passes the sentinel's TELEGRAM_NOT_CONFIGURED through with a safe message, audited with the phone masked", async () => {
    const result = await gql(ui.url, START, { phone: "+15550001" }, cookie);
    expect(result.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/^The sentinel has no Telegram API credentials/),
      extensions: { code: "TELEGRAM_NOT_CONFIGURED" },
    });
    const audit = await ui.ui.services.db.auditEntry.findFirst({
      where: { action: "startTelegramLogin" },
      orderBy: { id: "desc" },
    });
    expect(audit).toMatchObject({
      actor: "admin",
      target: "phone:+15••••01",
      outcome: "error",
      detail: "TELEGRAM_NOT_CONFIGURED",
    });
  });

  it("passes LOGIN_STEP_MISMATCH through when no login is pending", async () => {
    for (const [query, variables] of [
      [CODE, { code: "12345" }],
      [PASSWORD, { password: "secret-pw" }],
    ] as const) {
      const result = await gql(ui.url, query, variables, cookie);
      expect(result.errors?.[0]?.extensions).toEqual({ code: "LOGIN_STEP_MISMATCH" });
      expect(result.errors?.[0]?.message).toMatch(/^This login is not waiting for that step/);
    }
    const audit = await ui.ui.services.db.auditEntry.findFirst({
      where: { action: "submitTelegramLoginPassword", detail: "LOGIN_STEP_MISMATCH" },
    });
    expect(audit).toMatchObject({ target: "telegram-login", outcome: "error" });
  });
});

describe("the login fields through GraphQL", () => {
  it("refuses callers without a UI session", async () => {
    for (const [query, variables] of [
      ["{ telegramLogin { step } }", {}],
      [START, { phone: "+15550001" }],
      [CODE, { code: "12345" }],
      [PASSWORD, { password: "secret-pw" }],
      ["mutation { cancelTelegramLogin { step } }", {}],
    ] as const) {
      const result = await gql(ui.url, query, variables, null);
      expect(result.errors?.[0]?.extensions?.code, query).toBe("UNAUTHORIZED");
    }
  });

  it("refuses empty and oversized values on the argument, one character over each limit, without repeating them", async () => {
    const over = {
      phone: `+${"1".repeat(LOGIN_INPUT_LIMITS.phoneMaxLength)}`,
      code: "7".repeat(LOGIN_INPUT_LIMITS.codeMaxLength + 1),
      password: "p".repeat(LOGIN_INPUT_LIMITS.passwordMaxLength + 1),
    };
    const cases: [string, string, Record<string, string>][] = [
      [START, "phone", { phone: "  " }],
      [START, "phone", { phone: over.phone }],
      [START, "phone", { phone: "+1555 call me" }],
      [CODE, "code", { code: "" }],
      [CODE, "code", { code: over.code }],
      [PASSWORD, "password", { password: "" }],
      [PASSWORD, "password", { password: over.password }],
    ];
    for (const [query, arg, variables] of cases) {
      const result = await gql(ui.url, query, variables, cookie);
      const error = result.errors?.[0];
      expect(error?.extensions?.code, JSON.stringify(variables).slice(0, 40)).toBe("VALIDATION_FAILED");
      expect(error?.extensions?.fields).toEqual([{ path: [arg], message: error?.message }]);
      const value = variables[arg]!;
      if (value.trim()) expect(JSON.stringify(result.errors)).not.toContain(value);
    }
  });

  it("never echoes a password or code of the wrong type in a GraphQL error", async () => {
    for (const [query, variables, secret] of [
      [PASSWORD, { password: 918273645 }, "918273645"],
      [PASSWORD, { password: ["hunter22-list"] }, "hunter22-list"],
      [CODE, { code: 24680 }, "24680"],
      ["mutation { submitTelegramLoginCode(code: 13579) { step } }", {}, "13579"],
      ['mutation { submitTelegramLoginPassword(password: ["pw-in-a-list"]) { step } }', {}, "pw-in-a-list"],
    ] as const) {
      const result = await gql(ui.url, query, variables as Record<string, unknown>, cookie);
      expect(result.errors?.length, query).toBeGreaterThan(0);
      expect(JSON.stringify(result.errors), query).not.toContain(secret);
    }
  });

  it("never echoes them over graphql-ws either", async () => {
    const client = wsClient(ui.url, cookie);
    try {
      for (const [query, variables, secret] of [
        [PASSWORD, { password: 918273645 }, "918273645"],
        ["mutation { submitTelegramLoginCode(code: 13579) { step } }", {}, "13579"],
      ] as const) {
        const answer = await new Promise<unknown>((resolve) => {
          client.subscribe({ query, variables }, { next: resolve, error: resolve, complete: () => {} });
        });
        expect(JSON.stringify(answer), query).toMatch(/cannot represent a non string value/);
        expect(JSON.stringify(answer), query).not.toContain(secret);
      }
    } finally {
      await client.dispose();
    }
  });

  it("audits a refused start with the phone masked and no code or password anywhere", async () => {
    await gql(ui.url, START, { phone: "+1555 call me" }, cookie);
    await gql(ui.url, PASSWORD, { password: "" }, cookie);
    const rows = await ui.ui.services.db.auditEntry.findMany({
      where: { action: { in: ["startTelegramLogin", "submitTelegramLoginPassword"] } },
      orderBy: { id: "asc" },
    });
    expect(rows.map((r) => [r.action, r.actor, r.target, r.outcome, r.detail])).toContainEqual([
      "startTelegramLogin",
      "admin",
      "phone:+•••5",
      "error",
      "VALIDATION_FAILED",
    ]);
    expect(JSON.stringify(rows)).not.toMatch(/call me|15550001/);
  });
});
