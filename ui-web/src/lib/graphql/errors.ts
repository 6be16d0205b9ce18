/**
 * Errors of the GraphQL API as the UI sees them. The server puts a stable `code` in each error's
 * `extensions` (the sentinel's own code when the sentinel refused something) and, for validation
 * failures, the paths of the offending fields, so forms can show a message next to the field.
 */

/** One entry of a GraphQL response's `errors` array. */
export interface GraphQLErrorItem {
  message: string;
  path?: readonly (string | number)[];
  extensions?: Record<string, unknown>;
}

/** A message tied to one form field, e.g. `keywords.2.weight`. */
export interface FieldError {
  path: string;
  message: string;
}

/** The request reached the server, which answered with errors. */
export class GraphQLRequestError extends Error {
  readonly errors: readonly GraphQLErrorItem[];
  /** The first error's `extensions.code`, e.g. `UNAUTHORIZED`, `INVALID_SESSION_FILE`. */
  readonly code: string | null;
  constructor(errors: readonly GraphQLErrorItem[]) {
    super(errors.map((e) => e.message).join("; ") || "The server reported an error");
    this.name = "GraphQLRequestError";
    this.errors = errors;
    const code = errors[0]?.extensions?.code;
    this.code = typeof code === "string" ? code : null;
  }

  /** Every field-level message the server attached, with dotted paths. */
  get fieldErrors(): FieldError[] {
    return this.errors.flatMap((e) => fieldErrorsOf(e.extensions));
  }
}

/** Codes meaning "no valid UI session": the user must sign in (again). */
export const SIGNED_OUT_CODES: ReadonlySet<string> = new Set(["UNAUTHORIZED", "UNAUTHENTICATED"]);

/** The server could not be reached or did not answer with GraphQL. */
export class NetworkError extends Error {
  readonly status: number | null;
  constructor(message: string, status: number | null = null, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "NetworkError";
    this.status = status;
  }
}

const joinPath = (path: unknown): string | null => {
  if (typeof path === "string") return path;
  if (Array.isArray(path) && path.every((p) => typeof p === "string" || typeof p === "number"))
    return path.join(".");
  return null;
};

/**
 * Reads field errors from an error's extensions. Accepted shapes: `fields: [{ path, message }]`
 * or `fieldErrors: [...]` (path as a dotted string or an array), or `field` + the error message.
 */
export function fieldErrorsOf(extensions: Record<string, unknown> | undefined): FieldError[] {
  if (!extensions) return [];
  const out: FieldError[] = [];
  for (const key of ["fields", "fieldErrors", "issues", "details"]) {
    const list = extensions[key];
    if (!Array.isArray(list)) continue;
    for (const item of list) {
      if (item === null || typeof item !== "object") continue;
      const path = joinPath(
        (item as { path?: unknown; field?: unknown }).path ?? (item as { field?: unknown }).field,
      );
      const message = (item as { message?: unknown }).message;
      if (path !== null && typeof message === "string") out.push({ path, message });
    }
  }
  return out;
}

/** A short sentence for any error thrown by the client, suitable for an alert box. */
export function describeError(error: unknown): string {
  if (error instanceof GraphQLRequestError || error instanceof NetworkError) return error.message;
  if (error instanceof Error && error.message) return error.message;
  return "Something went wrong.";
}

/** The stable code of an error, when it has one. */
export function errorCode(error: unknown): string | null {
  return error instanceof GraphQLRequestError ? error.code : null;
}
