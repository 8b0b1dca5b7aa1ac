// @vitest-environment jsdom
import { render } from "preact";
import { act } from "preact/test-utils";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { complete, tokenAt } from "../src/compose/autocomplete";
import { Compose } from "../src/compose/Compose";
import { settle } from "./dom";
import { account } from "./fixtures";

describe("the word at the caret", () => {
  it("finds @mentions (with a domain) and #hashtags being typed, nothing else", () => {
    expect(tokenAt("hi @an", 6)).toEqual({ kind: "@", query: "an", start: 3, end: 6 });
    expect(tokenAt("@ana@exa", 8)).toEqual({ kind: "@", query: "ana@exa", start: 0, end: 8 });
    expect(tokenAt("so (#sea", 8)).toEqual({ kind: "#", query: "sea", start: 4, end: 8 });
    expect(tokenAt("#Straße", 7)?.query).toBe("Straße");
    expect(tokenAt("mail me@home", 12)).toBeNull(); // not at a word's start
    expect(tokenAt("hi @", 4)).toBeNull();
    expect(tokenAt("hi @ana and", 11)).toBeNull();
    expect(tokenAt("hi @ana and", 7)).toEqual({ kind: "@", query: "ana", start: 3, end: 7 });
  });

  it("replaces the word with the choice and a space, keeping what follows", () => {
    expect(complete("hi @an", tokenAt("hi @an", 6)!, "ana")).toEqual({ text: "hi @ana ", caret: 8 });
    expect(complete("hi @an there", tokenAt("hi @an there", 6)!, "ana@r.test")).toEqual({ text: "hi @ana@r.test there", caret: 14 });
    expect(complete("#se!", tokenAt("#se!", 3)!, "sea")).toEqual({ text: "#sea !", caret: 5 });
  });
});

let root: HTMLElement;
let requested: string[];
beforeEach(() => {
  root = document.createElement("div");
  document.body.append(root);
  requested = [];
  vi.stubGlobal("fetch", async (url: string) => {
    const { pathname, search } = new URL(url);
    requested.push(pathname + search);
    const q = new URL(url).searchParams;
    if (q.get("type") === "accounts") {
      return new Response(JSON.stringify({ accounts: [account({ id: "1", acct: "ana", display_name: "Ana <b>A</b>" }), account({ id: "2", acct: "anabel", username: "anabel", display_name: "" })], statuses: [], hashtags: [] }));
    }
    return new Response(JSON.stringify({ accounts: [], statuses: [], hashtags: [{ name: "sea", url: "" }, { name: "seagulls", url: "" }] }));
  });
});
afterEach(() => {
  act(() => render(null, root));
  root.remove();
  vi.unstubAllGlobals();
});

const box = () => root.querySelector<HTMLTextAreaElement>("#compose-text")!;
async function typeText(value: string) {
  act(() => {
    box().value = value;
    box().setSelectionRange(value.length, value.length);
    box().dispatchEvent(new Event("input", { bubbles: true }));
  });
  await act(() => new Promise((resolve) => setTimeout(resolve, 260))); // the suggestion delay
  await settle();
}
function key(name: string) {
  act(() => void box().dispatchEvent(new KeyboardEvent("keydown", { key: name, bubbles: true, cancelable: true })));
}

describe("Compose suggestions", () => {
  it("lists accounts for @, moves with the arrow keys and inserts the chosen acct with Enter", async () => {
    act(() => render(<Compose />, root));
    expect(box().getAttribute("aria-autocomplete")).toBe("list");
    await typeText("hello @an");
    expect(requested).toEqual(["/api/v2/search?q=an&type=accounts&limit=5&resolve=false"]);
    const listbox = root.querySelector('[role="listbox"]')!;
    expect(listbox.getAttribute("aria-label")).toBe("Suggestions");
    const options = [...listbox.querySelectorAll('[role="option"]')];
    expect(options.map((o) => o.textContent)).toEqual(["Ana <b>A</b> @ana", "anabel @anabel"]);
    expect(listbox.querySelector("b")).toBeNull();
    expect(box().getAttribute("aria-controls")).toBe(listbox.id);
    expect(box().getAttribute("aria-activedescendant")).toBe(options[0].id);
    key("ArrowDown");
    expect(box().getAttribute("aria-activedescendant")).toBe(options[1].id);
    expect(options[1].getAttribute("aria-selected")).toBe("true");
    key("ArrowDown"); // wraps around
    key("ArrowUp");
    key("Enter");
    expect(box().value).toBe("hello @anabel ");
    expect(root.querySelector('[role="listbox"]')).toBeNull();
    expect(box().hasAttribute("aria-activedescendant")).toBe(false);
  });

  it("lists hashtags for #, picks one with the mouse, and Escape closes the list", async () => {
    act(() => render(<Compose />, root));
    await typeText("at the #se");
    expect(requested.at(-1)).toBe("/api/v2/search?q=se&type=hashtags&limit=5&resolve=false");
    key("Escape");
    expect(root.querySelector('[role="listbox"]')).toBeNull();
    await typeText("at the #sea");
    const second = root.querySelectorAll('[role="option"]')[1];
    act(() => void second.dispatchEvent(new MouseEvent("mousedown", { bubbles: true, cancelable: true })));
    expect(box().value).toBe("at the #seagulls ");
  });
});
