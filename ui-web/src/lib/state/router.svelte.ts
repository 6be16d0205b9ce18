/**
 * History-API routing for the single-page app (the server answers every path with index.html).
 * `path` and `query` are reactive; links call `router.link` to navigate without a reload.
 */

export interface RouteMatch {
  name: RouteName;
  params: Record<string, string>;
}

export type RouteName =
  | "dashboard"
  | "session"
  | "alerts"
  | "profiles"
  | "profile"
  | "digests"
  | "chats"
  | "audit"
  | "settings"
  | "login"
  | "not-found";

const ROUTES: { pattern: RegExp; name: RouteName; keys: string[] }[] = [
  { pattern: /^\/$/, name: "dashboard", keys: [] },
  { pattern: /^\/session\/?$/, name: "session", keys: [] },
  { pattern: /^\/alerts\/?$/, name: "alerts", keys: [] },
  { pattern: /^\/profiles\/?$/, name: "profiles", keys: [] },
  { pattern: /^\/profiles\/([^/]+)\/?$/, name: "profile", keys: ["id"] },
  { pattern: /^\/digests\/?$/, name: "digests", keys: [] },
  { pattern: /^\/chats\/?$/, name: "chats", keys: [] },
  { pattern: /^\/audit\/?$/, name: "audit", keys: [] },
  { pattern: /^\/settings\/?$/, name: "settings", keys: [] },
  { pattern: /^\/login\/?$/, name: "login", keys: [] },
];

export function matchRoute(path: string): RouteMatch {
  for (const route of ROUTES) {
    const m = route.pattern.exec(path);
    if (!m) continue;
    const params: Record<string, string> = {};
    route.keys.forEach((key, i) => {
      params[key] = decodeURIComponent(m[i + 1] ?? "");
    });
    return { name: route.name, params };
  }
  return { name: "not-found", params: {} };
}

export class Router {
  path = $state("/");
  search = $state("");
  route = $derived(matchRoute(this.path));

  constructor(private readonly win: Window = window) {
    this.read();
    win.addEventListener("popstate", () => this.read());
  }

  private read(): void {
    this.path = this.win.location.pathname || "/";
    this.search = this.win.location.search;
  }

  get query(): URLSearchParams {
    return new URLSearchParams(this.search);
  }

  navigate(to: string, options: { replace?: boolean } = {}): void {
    const url = new URL(to, this.win.location.href);
    if (url.pathname === this.path && url.search === this.search) return;
    if (options.replace) this.win.history.replaceState(null, "", url);
    else this.win.history.pushState(null, "", url);
    this.read();
    if (!options.replace) this.win.scrollTo?.(0, 0);
  }

  /** Click handler for in-app `<a href>`: keeps modified clicks (new tab, …) to the browser. */
  link = (event: MouseEvent): void => {
    if (
      event.defaultPrevented ||
      event.button !== 0 ||
      event.metaKey ||
      event.ctrlKey ||
      event.shiftKey ||
      event.altKey
    )
      return;
    const anchor = event.currentTarget as HTMLAnchorElement | null;
    if (!anchor || anchor.target === "_blank" || anchor.origin !== this.win.location.origin) return;
    event.preventDefault();
    this.navigate(anchor.pathname + anchor.search);
  };
}
