import { SentinelError } from "@tgsentinel/contract/envelope.ts";
import { errors } from "telegram";

/** RPC error messages after which the imported session is dead: reconnecting cannot help. */
const UNAUTHORIZED_REASONS: Record<string, string> = {
  AUTH_KEY_UNREGISTERED:
    "the session is no longer authorised (logged out or terminated); import a new session",
  AUTH_KEY_INVALID: "Telegram rejected the session key as invalid; import a new session",
  AUTH_KEY_DUPLICATED:
    "the same session is in use from another place at the same time; Telegram invalidated it, import a new session",
  SESSION_REVOKED: "the session was terminated from another device; import a new session",
  SESSION_EXPIRED: "the session expired; import a new session",
  USER_DEACTIVATED: "the Telegram account was deleted or deactivated",
  USER_DEACTIVATED_BAN: "the Telegram account was banned",
};

export type TelegramFailure =
  | { kind: "unauthorized"; code: string; message: string }
  | { kind: "flood"; seconds: number; message: string }
  | { kind: "transient"; message: string };

/**
 * Sorts an error from GramJS into what the gateway does next: stop (unauthorized), wait (flood)
 * or retry (anything else: network, timeouts, server hiccups). Messages are safe to show: they
 * never carry request payloads or key material.
 */
export function classifyTelegramError(error: unknown): TelegramFailure {
  if (error instanceof errors.FloodWaitError) {
    return {
      kind: "flood",
      seconds: error.seconds,
      message: `Telegram asked to wait ${error.seconds}s (FLOOD_WAIT)`,
    };
  }
  if (error instanceof errors.RPCError) {
    const code = error.errorMessage;
    const reason = UNAUTHORIZED_REASONS[code];
    if (reason)
      return { kind: "unauthorized", code, message: `Telegram rejected the session (${code}): ${reason}` };
    const flood = /^FLOOD_WAIT_(\d+)$/.exec(code);
    if (flood)
      return {
        kind: "flood",
        seconds: Number(flood[1]),
        message: `Telegram asked to wait ${flood[1]}s (FLOOD_WAIT)`,
      };
    return {
      kind: "transient",
      message: `Telegram error ${error.code ?? ""} ${code}`.replace(/\s+/g, " ").trim(),
    };
  }
  if (error instanceof Error) return { kind: "transient", message: error.message };
  return { kind: "transient", message: String(error) };
}

/**
 * The one error class the gateway throws (GramJS errors are wrapped in it), with a stable code
 * the REST envelope maps: 503 TELEGRAM_UNAVAILABLE / NOT_AUTHORIZED, 429 RATE_LIMITED.
 */
export class TelegramGatewayError extends SentinelError {
  readonly retryAfterSeconds: number | null;

  constructor(
    code: "TELEGRAM_UNAVAILABLE" | "NOT_AUTHORIZED" | "RATE_LIMITED",
    message: string,
    options: { cause?: unknown; retryAfterSeconds?: number } = {},
  ) {
    super(code, message, {
      cause: options.cause,
      details:
        options.retryAfterSeconds === undefined ? undefined : { retry_after: options.retryAfterSeconds },
    });
    this.name = "TelegramGatewayError";
    this.retryAfterSeconds = options.retryAfterSeconds ?? null;
  }
}
