// Keyboard shortcuts, as Mastodon's: j / k next and previous post, n new post, / search.
import { navigate } from "./router";

function typing(target: EventTarget | null): boolean {
  const element = target as HTMLElement | null;
  if (!element || !element.tagName) return false;
  return ["INPUT", "TEXTAREA", "SELECT"].includes(element.tagName) || element.isContentEditable;
}

/** Moves focus among the page's posts; `step` 1 is the next one, -1 the previous. */
export function movePostFocus(step: 1 | -1, root: ParentNode = document): HTMLElement | null {
  const posts = [...root.querySelectorAll<HTMLElement>("#main article.status")];
  if (!posts.length) return null;
  const current = posts.findIndex((post) => post.contains(document.activeElement));
  let index: number;
  if (current === -1) {
    // from nothing: the first post not scrolled above the window
    const visible = posts.findIndex((post) => post.getBoundingClientRect().bottom > 0);
    index = Math.max(0, visible);
  } else {
    index = Math.min(posts.length - 1, Math.max(0, current + step));
  }
  posts[index].focus();
  return posts[index];
}

/** The page's shortcut handler; true when the key was one (and it was handled). */
export function shortcut(event: KeyboardEvent): boolean {
  if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return false;
  if (event.key === "j" || event.key === "k") {
    return movePostFocus(event.key === "j" ? 1 : -1) !== null;
  }
  if (event.key === "n") {
    const compose = document.querySelector<HTMLTextAreaElement>("textarea[id^='compose']");
    compose?.focus();
    return compose !== null;
  }
  if (event.key === "/") {
    if (location.pathname !== "/search") navigate("/search");
    setTimeout(() => document.getElementById("search-q")?.focus(), 0);
    return true;
  }
  return false;
}

export function listenForShortcuts(target: Window = window): () => void {
  const onKey = (event: KeyboardEvent) => shortcut(event) && event.preventDefault();
  target.addEventListener("keydown", onKey);
  return () => target.removeEventListener("keydown", onKey);
}
