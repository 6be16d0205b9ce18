import type { IncomingHttpHeaders } from "node:http";

/**
 * True when a browser sent this request from another site: `Sec-Fetch-Site: cross-site`, or an
 * `Origin` whose host is not the host the request was sent to. Requests without an Origin
 * (curl, same-origin GETs) are not cross-site. Behind a trusted proxy, X-Forwarded-Host is the host.
 */
export function isCrossSiteRequest(headers: IncomingHttpHeaders, trustProxy = false): boolean {
  if (headers["sec-fetch-site"] === "cross-site") return true;
  const origin = headers.origin;
  if (origin === undefined) return false;
  if (origin === "null") return true;
  const forwarded = trustProxy
    ? String(headers["x-forwarded-host"] ?? "")
        .split(",")[0]
        ?.trim()
    : "";
  const host = forwarded || headers.host;
  try {
    return new URL(origin).host !== host;
  } catch {
    return true;
  }
}
