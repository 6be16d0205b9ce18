import { SentinelError } from "@tgsentinel/contract/envelope.ts";
import { GraphQLError } from "graphql";
import {
  createGraphQLError,
  type Plugin,
  type YogaServerOptions,
  maskError as yogaMaskError,
} from "graphql-yoga";
import { SentinelApiError } from "./sentinel-client.ts";

/** One field problem as clients see it in `extensions.fields`. */
export interface FieldProblem {
  path: (string | number)[];
  message: string;
  /** The profile the problem is in, when a profile set was rejected. */
  profile?: string;
}

/** "profiles[0].regex[1].pattern" → ["profiles", 0, "regex", 1, "pattern"] */
export function splitFieldPath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (match[2] !== undefined) out.push(Number(match[2]));
    else if (match[1] !== undefined) out.push(/^\d+$/.test(match[1]) ? Number(match[1]) : match[1]);
  }
  return out;
}

/** Normalises the field errors a sentinel 400 (or a local check) carried in `details`. */
export function fieldProblemsOf(details: unknown): FieldProblem[] | undefined {
  const list = Array.isArray(details)
    ? details
    : details !== null && typeof details === "object"
      ? ((details as { fields?: unknown; issues?: unknown; errors?: unknown }).fields ??
        (details as { issues?: unknown }).issues ??
        (details as { errors?: unknown }).errors)
      : undefined;
  if (!Array.isArray(list)) return undefined;
  const out: FieldProblem[] = [];
  for (const item of list) {
    if (item === null || typeof item !== "object") continue;
    const { path, message, profile } = item as { path?: unknown; message?: unknown; profile?: unknown };
    const parts = Array.isArray(path)
      ? path.filter((p): p is string | number => typeof p === "string" || typeof p === "number")
      : typeof path === "string"
        ? splitFieldPath(path)
        : [];
    const problem: FieldProblem = { path: parts, message: typeof message === "string" ? message : "invalid" };
    if (typeof profile === "string") problem.profile = profile;
    out.push(problem);
  }
  return out;
}

/** The `extensions` of a coded error: the code (the sentinel's own when it sent one) and field paths. */
export function extensionsOf(err: SentinelError): Record<string, unknown> {
  const extensions: Record<string, unknown> = {
    code: err instanceof SentinelApiError ? err.remoteCode : err.code,
  };
  const fields = fieldProblemsOf(err.details);
  if (fields) extensions.fields = fields;
  const retry = (err.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
  if (typeof retry === "number") extensions.retryAfterSeconds = retry;
  return extensions;
}

/** An expected error for clients (shown, never masked). */
export function codedError(code: string, message: string, extra: Record<string, unknown> = {}): GraphQLError {
  return createGraphQLError(message, { extensions: { code, ...extra } });
}

const VARIABLE_VALUE = /^Variable "(\$[^"]+)" got invalid value /;
const CANNOT_REPRESENT = /((?:Int|Float|String|Boolean|ID|Enum "[^"]+") cannot represent [^:]*?)(?::|\.?$)/;
const EXPECTED_TYPE = /^(Expected value of type "[^"]+"), found /;

/**
 * The message of a GraphQL request error without the input value it quotes. graphql-js repeats
 * a variable or literal of the wrong type ("got invalid value 123456"), and that value may be a
 * password or login code sent as a number: the message keeps the variable, type and reason only.
 */
export function withoutInputValues(message: string): string {
  const variable = VARIABLE_VALUE.exec(message);
  if (variable) {
    const reason = CANNOT_REPRESENT.exec(message.slice(variable[0].length))?.[1];
    return `Variable "${variable[1]}" got an invalid value${reason ? `: ${reason}` : ""}.`;
  }
  const expected = EXPECTED_TYPE.exec(message);
  if (expected) return `${expected[1]}.`;
  const literal = CANNOT_REPRESENT.exec(message);
  if (literal && literal.index === 0) return `${literal[1]}.`;
  return message;
}

/**
 * Validation errors without the literal values they quote (withoutInputValues): validation
 * results are answered as they are, without passing through maskError.
 */
export function useInputValuesHidden(): Plugin {
  return {
    onValidate() {
      return ({ result }) => {
        for (const error of result)
          (error as { message: string }).message = withoutInputValues(error.message);
      };
    },
  };
}

/**
 * Masked errors stay on: coded domain errors (SentinelError, from this service or the sentinel)
 * become GraphQL errors with their code; anything else is masked as "Unexpected error.".
 */
export const maskError: NonNullable<
  Exclude<YogaServerOptions<object, object>["maskedErrors"], boolean>
>["maskError"] = (error, message, isDev) => {
  const original = error instanceof GraphQLError ? error.originalError : error;
  if (error instanceof GraphQLError && (original === undefined || original instanceof GraphQLError)) {
    // Changed in place: Yoga logs the original of any error it gets back as a new object, and
    // the value must not reach the log either.
    (error as { message: string }).message = withoutInputValues(error.message);
    return error;
  }
  if (original instanceof SentinelError) {
    return createGraphQLError(original.message, {
      nodes: error instanceof GraphQLError ? error.nodes : undefined,
      path: error instanceof GraphQLError ? error.path : undefined,
      extensions: extensionsOf(original),
    });
  }
  return yogaMaskError(error, message, isDev);
};
