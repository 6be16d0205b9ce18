import { SentinelError } from "@tgsentinel/contract/envelope.ts";
import { auditNote } from "../audit-mutations.ts";
import { builder } from "../builder.ts";
import type { GraphQLContext } from "../context.ts";
import { codedError } from "../graphql-errors.ts";
import { SentinelApiError, type SentinelTelegramLogin } from "../sentinel-client.ts";
import {
  LOGIN_CODE_TYPES,
  LOGIN_INPUT_LIMITS,
  loginErrorOf,
  loginViewOf,
  maskPhone,
  type TelegramLoginView,
} from "../telegram-login.ts";
import { TelegramUserRef } from "./worker-status.ts";

const TelegramLoginStepRef = builder.enumType("TelegramLoginStep", {
  description: "Where a login to Telegram from the UI stands",
  values: {
    IDLE: { description: "No login is pending" },
    CODE: { description: "Telegram sent a login code: submit it" },
    PASSWORD: { description: "The account has a 2FA password: submit it" },
    DONE: { description: "Logged in; the session is stored and the worker connects with it" },
  } as const,
});

const CODE_TYPE_DESCRIPTIONS: Record<(typeof LOGIN_CODE_TYPES)[number], string> = {
  APP: "In a Telegram app where the account is logged in",
  SMS: "By SMS",
  CALL: "Read out in a phone call",
  FLASH_CALL: "The calling number of a call that is hung up at once",
  MISSED_CALL: "The last digits of the number of a missed call",
  EMAIL: "By email to the account's login email address",
  FRAGMENT: "To the account's anonymous number on fragment.com",
  OTHER: "A way this UI does not know",
};

const TelegramLoginCodeTypeRef = builder.enumType("TelegramLoginCodeType", {
  description: "How Telegram delivers a login code",
  values: Object.fromEntries(
    LOGIN_CODE_TYPES.map((type) => [type, { description: CODE_TYPE_DESCRIPTIONS[type] }]),
  ) as Record<(typeof LOGIN_CODE_TYPES)[number], { description: string }>,
});

const TelegramLoginRef = builder.objectRef<TelegramLoginView>("TelegramLogin").implement({
  description:
    "A login to Telegram run by the sentinel (phone → code → 2FA password). Only the masked phone, the " +
    "code's delivery, the password hint and the account are shown; the code and password are never returned.",
  fields: (t) => ({
    step: t.field({ type: TelegramLoginStepRef, resolve: (l) => l.step }),
    phoneMasked: t.exposeString("phoneMasked", {
      nullable: true,
      description: "The phone number with most digits hidden",
    }),
    codeType: t.field({
      type: TelegramLoginCodeTypeRef,
      nullable: true,
      description: "How the code was sent (step CODE)",
      resolve: (l) => l.codeType,
    }),
    codeLength: t.exposeInt("codeLength", { nullable: true, description: "Characters of the code" }),
    nextType: t.field({
      type: TelegramLoginCodeTypeRef,
      nullable: true,
      description: "How Telegram would send the code when asked again",
      resolve: (l) => l.nextType,
    }),
    passwordHint: t.exposeString("passwordHint", {
      nullable: true,
      description: "The hint the account owner set for the 2FA password (step PASSWORD)",
    }),
    expiresAt: t.expose("expiresAt", {
      type: "DateTime",
      nullable: true,
      description: "When the pending login (and its code) expires",
    }),
    attemptsLeft: t.exposeInt("attemptsLeft", {
      nullable: true,
      description: "Wrong codes or passwords still allowed before the login is cancelled",
    }),
    user: t.field({
      type: TelegramUserRef,
      nullable: true,
      description: "The account logged in to (step DONE)",
      resolve: (l) => l.user,
    }),
  }),
});

/** VALIDATION_FAILED on one argument; the message never repeats the value. */
function refuse(arg: string, message: string): never {
  throw new SentinelError("VALIDATION_FAILED", message, { details: { fields: [{ path: [arg], message }] } });
}

function checkLength(arg: string, value: string, max: number, what: string): void {
  if (value.trim().length === 0) refuse(arg, `Enter the ${what}.`);
  if (value.length > max) refuse(arg, `The ${what} is longer than ${max} characters.`);
}

/**
 * Runs one call to the sentinel's login routes. Sentinel errors keep their code and get a
 * message that is safe to show (see loginErrorOf); `secrets` are the values the caller sent.
 */
async function relay(
  call: () => Promise<SentinelTelegramLogin>,
  secrets: readonly string[] = [],
): Promise<TelegramLoginView> {
  try {
    return loginViewOf(await call());
  } catch (err) {
    if (!(err instanceof SentinelApiError)) throw err;
    const safe = loginErrorOf({ code: err.remoteCode, message: err.message, details: err.details }, secrets);
    throw codedError(safe.code, safe.message, safe.extensions);
  }
}

/** A secret-free audit detail of the state a step reached. */
function stepDetail(view: TelegramLoginView): string {
  if (view.step === "DONE") return `step=done user=${view.user?.id ?? "?"}`;
  if (view.step === "CODE") return `step=code via=${view.codeType?.toLowerCase() ?? "?"}`;
  return `step=${view.step.toLowerCase()}`;
}

function auditStep(ctx: GraphQLContext, key: string | number, view: TelegramLoginView): TelegramLoginView {
  auditNote(ctx, String(key), { detail: stepDetail(view) });
  return view;
}

builder.queryField("telegramLogin", (t) =>
  t.field({
    type: TelegramLoginRef,
    description: "The pending login to Telegram (step IDLE when there is none)",
    resolve: (_r, _a, ctx) => relay(() => ctx.services.sentinel.telegramLogin()),
  }),
);

builder.mutationFields((t) => ({
  startTelegramLogin: t.field({
    type: TelegramLoginRef,
    description:
      "Asks Telegram to send a login code to this phone number (international format). Replaces a pending " +
      "login; when it completes, the new session replaces the current one.",
    args: { phone: t.arg.string({ required: true }) },
    resolve: async (_r, { phone }, ctx, info) => {
      auditNote(ctx, String(info.path.key), { target: `phone:${maskPhone(phone)}` });
      checkLength("phone", phone, LOGIN_INPUT_LIMITS.phoneMaxLength, "phone number");
      if (!/^[+\d\s().-]+$/.test(phone.trim()))
        refuse("phone", "Use only digits, spaces and a leading +, e.g. +44 7700 900123.");
      const view = await relay(() => ctx.services.sentinel.startTelegramLogin(phone.trim()), [phone]);
      return auditStep(ctx, info.path.key, view);
    },
  }),
  submitTelegramLoginCode: t.field({
    type: TelegramLoginRef,
    description: "The login code Telegram sent. Next: PASSWORD when the account has 2FA, else DONE.",
    args: { code: t.arg.string({ required: true }) },
    resolve: async (_r, { code }, ctx, info) => {
      auditNote(ctx, String(info.path.key), { target: "telegram-login" });
      checkLength("code", code, LOGIN_INPUT_LIMITS.codeMaxLength, "code");
      const view = await relay(
        () => ctx.services.sentinel.submitTelegramLoginCode(code.trim()),
        [code, code.trim()],
      );
      return auditStep(ctx, info.path.key, view);
    },
  }),
  submitTelegramLoginPassword: t.field({
    type: TelegramLoginRef,
    description: "The account's two-step verification (2FA) password. Next: DONE.",
    args: { password: t.arg.string({ required: true }) },
    resolve: async (_r, { password }, ctx, info) => {
      auditNote(ctx, String(info.path.key), { target: "telegram-login" });
      if (password.length === 0) refuse("password", "Enter the password.");
      if (password.length > LOGIN_INPUT_LIMITS.passwordMaxLength)
        refuse("password", `The password is longer than ${LOGIN_INPUT_LIMITS.passwordMaxLength} characters.`);
      const view = await relay(() => ctx.services.sentinel.submitTelegramLoginPassword(password), [password]);
      return auditStep(ctx, info.path.key, view);
    },
  }),
  cancelTelegramLogin: t.field({
    type: TelegramLoginRef,
    description: "Cancels the pending login (the current session, if any, stays)",
    resolve: async (_r, _a, ctx, info) => {
      auditNote(ctx, String(info.path.key), { target: "telegram-login" });
      const view = await relay(() => ctx.services.sentinel.cancelTelegramLogin());
      return auditStep(ctx, info.path.key, view);
    },
  }),
}));
