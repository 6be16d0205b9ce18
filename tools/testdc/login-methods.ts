import { randomBytes } from "node:crypto";
import { Api } from "telegram";
import { returnBigInt } from "telegram/Helpers.js";
import type { AccountState } from "./account-state.ts";
import type { AuthKeyEntry, AuthKeyRegistry } from "./auth-keys.ts";
import { DH_G, DH_PRIME_BYTES } from "./dh-group.ts";
import {
  CODE_RESEND_TIMEOUT_SECONDS,
  LOGIN_CODE_LENGTH,
  type LoginAccount,
  LoginError,
  type PhoneLogin,
} from "./phone-login.ts";
import { RpcFailure, type RpcResult } from "./rpc-methods.ts";
import type { PasswordSecret } from "./srp.ts";
import { tlUser } from "./tl-objects.ts";

/** What the login methods work on: the accounts, and the calling auth key and its registry. */
export interface LoginContext {
  login: PhoneLogin;
  account: AccountState;
  keys: AuthKeyRegistry;
  key: AuthKeyEntry;
}

/** The methods of phone login and logout, answered by {@link answerLoginRequest}. */
export const LOGIN_METHODS = new Set([
  "auth.SendCode",
  "auth.ResendCode",
  "auth.CancelCode",
  "auth.SignIn",
  "auth.SignUp",
  "auth.CheckPassword",
  "account.GetPassword",
  "auth.LogOut",
]);

function passwordAlgo(salt1: Buffer, salt2: Buffer) {
  return new Api.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow({
    salt1,
    salt2,
    g: DH_G,
    p: DH_PRIME_BYTES,
  });
}

function sentCode(phoneCodeHash: string): Api.auth.SentCode {
  return new Api.auth.SentCode({
    type: new Api.auth.SentCodeTypeApp({ length: LOGIN_CODE_LENGTH }),
    phoneCodeHash,
    timeout: CODE_RESEND_TIMEOUT_SECONDS,
  });
}

function authorization(ctx: LoginContext, account: LoginAccount): Api.auth.Authorization {
  ctx.keys.logIn(ctx.key, account.userId);
  const user = ctx.account.user(account.userId)!;
  return new Api.auth.Authorization({ user: tlUser(user, user.id) });
}

/** The account whose password the key may ask about: the one it is logging in to, or logged in as. */
function passwordAccount(ctx: LoginContext): LoginAccount {
  const userId = ctx.key.passwordPendingFor ?? ctx.key.userId;
  const account = userId === undefined ? undefined : ctx.login.byUserId(userId);
  if (!account) throw new RpcFailure(401, "AUTH_KEY_UNREGISTERED");
  return account;
}

function accountPassword(ctx: LoginContext, account: LoginAccount): Api.account.Password {
  const secret: PasswordSecret | undefined = account.password;
  const challenge = ctx.login.challenge(account);
  return new Api.account.Password({
    hasPassword: secret !== undefined,
    currentAlgo: secret && passwordAlgo(secret.salt1, secret.salt2),
    srp_B: challenge?.B,
    srpId: challenge && returnBigInt(challenge.id),
    hint: secret ? account.hint : undefined,
    // What a client would use to set a new password (the DC does not support changing it).
    newAlgo: passwordAlgo(randomBytes(8), randomBytes(16)),
    newSecureAlgo: new Api.SecurePasswordKdfAlgoPBKDF2HMACSHA512iter100000({ salt: randomBytes(8) }),
    secureRandom: randomBytes(32),
  });
}

function checkPassword(ctx: LoginContext, request: Api.auth.CheckPassword): Api.auth.Authorization {
  const account = passwordAccount(ctx);
  const input = request.password;
  if (!(input instanceof Api.InputCheckPasswordSRP)) throw new RpcFailure(400, "PASSWORD_HASH_INVALID");
  ctx.login.checkPassword(
    account,
    BigInt(input.srpId.toString()),
    Buffer.from(input.A),
    Buffer.from(input.M1),
  );
  return authorization(ctx, account);
}

function signIn(ctx: LoginContext, request: Api.auth.SignIn): RpcResult {
  const outcome = ctx.login.signIn(request.phoneNumber, request.phoneCodeHash, request.phoneCode);
  if (outcome.kind === "sign_up_required") return new Api.auth.AuthorizationSignUpRequired({});
  if (outcome.kind === "password_needed") {
    ctx.key.passwordPendingFor = outcome.account.userId;
    throw new RpcFailure(401, "SESSION_PASSWORD_NEEDED");
  }
  return authorization(ctx, outcome.account);
}

/**
 * Answers one login method (see {@link LOGIN_METHODS}) for the calling key: auth.sendCode,
 * auth.resendCode, auth.cancelCode, auth.signIn, account.getPassword, auth.checkPassword,
 * auth.logOut. A successful sign-in logs the key in. Throws {@link RpcFailure}.
 */
export function answerLoginRequest(ctx: LoginContext, request: Api.AnyRequest): RpcResult {
  try {
    if (request instanceof Api.auth.SendCode)
      return sentCode(ctx.login.sendCode(request.phoneNumber).phoneCodeHash);
    if (request instanceof Api.auth.ResendCode)
      return sentCode(ctx.login.resendCode(request.phoneNumber, request.phoneCodeHash).phoneCodeHash);
    if (request instanceof Api.auth.CancelCode) {
      ctx.login.cancelCode(request.phoneNumber, request.phoneCodeHash);
      return true;
    }
    if (request instanceof Api.auth.SignIn) return signIn(ctx, request);
    if (request instanceof Api.account.GetPassword) return accountPassword(ctx, passwordAccount(ctx));
    if (request instanceof Api.auth.CheckPassword) return checkPassword(ctx, request);
    if (request instanceof Api.auth.LogOut) {
      ctx.keys.logOut(ctx.key);
      return new Api.auth.LoggedOut({});
    }
  } catch (error) {
    if (error instanceof LoginError) throw new RpcFailure(error.errorCode, error.errorMessage);
    throw error;
  }
  // auth.signUp: the DC has no registration; add accounts through the control API instead.
  throw new RpcFailure(400, "METHOD_NOT_IMPLEMENTED");
}
