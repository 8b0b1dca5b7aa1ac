// Client-side routes: pure matching here, history wiring in useRoute.
import { useEffect, useState } from "preact/hooks";

export type Route =
  | { name: "welcome" }
  | { name: "signup" }
  | { name: "home" }
  | { name: "local" }
  | { name: "public" }
  | { name: "notifications" }
  | { name: "profile"; acct: string }
  | { name: "status"; acct: string; id: string }
  | { name: "tag"; tag: string }
  | { name: "search"; q: string }
  | { name: "bookmarks" }
  | { name: "favourites" }
  | { name: "chats" }
  | { name: "chat"; id: string }
  | { name: "settings" }
  | { name: "admin" }
  | { name: "followRequests" }
  | { name: "lists" }
  | { name: "list"; id: string }
  | { name: "conversations" }
  | { name: "explore"; tab: "tags" | "posts" | "links" }
  | { name: "oauthCallback"; code: string | null; state: string | null; error: string | null }
  | { name: "notFound" };

const fixed: Record<string, Route> = {
  "/": { name: "welcome" },
  "/signup": { name: "signup" },
  "/home": { name: "home" },
  "/local": { name: "local" },
  "/public": { name: "public" },
  "/notifications": { name: "notifications" },
  "/bookmarks": { name: "bookmarks" },
  "/favourites": { name: "favourites" },
  "/chats": { name: "chats" },
  "/settings": { name: "settings" },
  "/admin": { name: "admin" },
  "/follow_requests": { name: "followRequests" },
  "/lists": { name: "lists" },
  "/conversations": { name: "conversations" },
  "/explore": { name: "explore", tab: "tags" },
  "/explore/tags": { name: "explore", tab: "tags" },
  "/explore/posts": { name: "explore", tab: "posts" },
  "/explore/links": { name: "explore", tab: "links" },
};

function decode(part: string): string | null {
  try {
    return decodeURIComponent(part);
  } catch {
    return null;
  }
}

/** The route for a path and query string ("/@ana/123", "?q=x"). */
export function matchRoute(pathname: string, search = ""): Route {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, "") : pathname;
  const query = new URLSearchParams(search);
  if (path in fixed) return fixed[path];
  if (path === "/search") return { name: "search", q: query.get("q") ?? "" };
  if (path === "/oauth-callback") {
    return { name: "oauthCallback", code: query.get("code"), state: query.get("state"), error: query.get("error") };
  }
  const parts = path.split("/").slice(1);
  if (parts.length === 2 && parts[0] === "tags" && parts[1]) {
    const tag = decode(parts[1]);
    return tag ? { name: "tag", tag } : { name: "notFound" };
  }
  if (parts.length === 2 && parts[0] === "chats" && /^\d+$/.test(parts[1])) return { name: "chat", id: parts[1] };
  if (parts.length === 2 && parts[0] === "lists" && /^\d+$/.test(parts[1])) return { name: "list", id: parts[1] };
  if (parts[0]?.startsWith("@") && parts[0].length > 1) {
    const acct = decode(parts[0].slice(1));
    if (!acct) return { name: "notFound" };
    if (parts.length === 1) return { name: "profile", acct };
    if (parts.length === 2 && /^\d+$/.test(parts[1])) return { name: "status", acct, id: parts[1] };
  }
  return { name: "notFound" };
}

/** The path of a route, the inverse of matchRoute for the pages that links point to. */
export const paths = {
  profile: (acct: string) => `/@${encodeURIComponent(acct).replace(/%40/g, "@")}`,
  status: (acct: string, id: string) => `${paths.profile(acct)}/${id}`,
  tag: (tag: string) => `/tags/${encodeURIComponent(tag)}`,
  chat: (id: string) => `/chats/${id}`,
  list: (id: string) => `/lists/${id}`,
  search: (q: string) => `/search?q=${encodeURIComponent(q)}`,
};

const listeners = new Set<() => void>();

export function navigate(to: string, replace = false): void {
  if (replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  window.scrollTo(0, 0);
  listeners.forEach((listener) => listener());
}

function current(): Route {
  return matchRoute(location.pathname, location.search);
}

export function useRoute(): Route {
  const [route, setRoute] = useState<Route>(current);
  useEffect(() => {
    const update = () => setRoute(current());
    listeners.add(update);
    window.addEventListener("popstate", update);
    return () => {
      listeners.delete(update);
      window.removeEventListener("popstate", update);
    };
  }, []);
  return route;
}

/** Same-origin link clicks become history navigation (modifier clicks still open new tabs). */
export function interceptLinks(root: HTMLElement): void {
  root.addEventListener("click", (event) => {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const anchor = (event.target as Element).closest?.("a");
    if (!anchor || anchor.target === "_blank" || anchor.hasAttribute("download")) return;
    const url = new URL(anchor.href, location.href);
    if (url.origin !== location.origin) return;
    if (!isClientPath(url.pathname)) return;
    event.preventDefault();
    navigate(url.pathname + url.search);
  });
}

/** Paths the server answers itself (API, OAuth pages, media) are never routed in the client. */
export function isClientPath(pathname: string): boolean {
  return !/^\/(api|oauth|system|\.well-known|nodeinfo|avatars|headers|healthz|readyz|metrics|docs|redoc|openapi\.json)(\/|$)/.test(
    pathname,
  );
}
