// @vitest-environment jsdom
import { render } from "preact";
import { act } from "preact/test-utils";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ListPage, Lists } from "../src/lists/Lists";
import { Conversations, upsertConversation } from "../src/pages/Conversations";
import { Explore, usage } from "../src/pages/Explore";
import { settle } from "./dom";
import { account, status } from "./fixtures";

let root: HTMLElement;
let calls: { call: string; body: unknown }[];
let answers: Record<string, (body: unknown) => unknown>;
class QuietSocket {
  static last: QuietSocket | null = null;
  onmessage: ((message: { data: string }) => void) | null = null;
  constructor(readonly url: string) {
    QuietSocket.last = this;
  }
  close() {}
}
beforeEach(() => {
  root = document.createElement("div");
  document.body.append(root);
  calls = [];
  answers = {};
  localStorage.setItem("rookery.token", "token"); // streams open for members only
  vi.stubGlobal("WebSocket", QuietSocket);
  vi.stubGlobal("IntersectionObserver", class { observe() {} disconnect() {} });
  vi.stubGlobal("confirm", () => true);
  vi.stubGlobal("fetch", async (url: string, init: RequestInit = {}) => {
    const { pathname, search } = new URL(url);
    const call = `${init.method ?? "GET"} ${pathname}${search}`;
    const body = typeof init.body === "string" ? JSON.parse(init.body) : null;
    calls.push({ call, body });
    const answer = answers[call];
    return answer ? new Response(JSON.stringify(answer(body))) : new Response('{"error":"Record not found"}', { status: 404 });
  });
});
afterEach(() => {
  act(() => render(null, root));
  root.remove();
  localStorage.clear();
  vi.unstubAllGlobals();
});
const button = (name: string) =>
  [...root.querySelectorAll("button")].find((b) => (b.getAttribute("aria-label") ?? b.textContent) === name)!;
function fill(selector: string, value: string) {
  act(() => {
    const input = root.querySelector<HTMLInputElement>(selector)!;
    input.value = value;
    input.dispatchEvent(new Event("input", { bubbles: true }));
  });
}
const submit = (selector: string) => act(async () => void root.querySelector(selector)!.closest("form")!.dispatchEvent(new Event("submit", { cancelable: true })));

describe("lists", () => {
  it("creates, renames and deletes lists", async () => {
    answers["GET /api/v1/lists"] = () => [{ id: "1", title: "Friends" }];
    answers["POST /api/v1/lists"] = (body) => ({ id: "2", title: (body as { title: string }).title });
    answers["PUT /api/v1/lists/1"] = (body) => ({ id: "1", title: (body as { title: string }).title });
    answers["DELETE /api/v1/lists/2"] = () => ({});
    act(() => render(<Lists />, root));
    await settle();
    const titles = () => [...root.querySelectorAll(".account-list a")].map((a) => [a.textContent, a.getAttribute("href")]);
    expect(titles()).toEqual([["Friends", "/lists/1"]]);
    fill("#list-new", "<b>Birds</b>");
    await submit("#list-new");
    await settle();
    expect(calls.at(-1)).toEqual({ call: "POST /api/v1/lists", body: { title: "<b>Birds</b>" } });
    expect(titles()).toEqual([["Friends", "/lists/1"], ["<b>Birds</b>", "/lists/2"]]);
    act(() => button("Rename list Friends").click());
    fill("#list-1-title", "Close friends");
    await submit("#list-1-title");
    await settle();
    expect(calls.at(-1)).toEqual({ call: "PUT /api/v1/lists/1", body: { title: "Close friends" } });
    await act(async () => button("Delete list <b>Birds</b>").click());
    await settle();
    expect(calls.at(-1)!.call).toBe("DELETE /api/v1/lists/2");
    expect(titles()).toEqual([["Close friends", "/lists/1"]]);
  });

  it("a list page adds people one follows, removes them, and shows the list's timeline live", async () => {
    answers["GET /api/v1/lists/1"] = () => ({ id: "1", title: "Friends" });
    answers["GET /api/v1/lists/1/accounts"] = () => [account({ id: "5", acct: "cy" })];
    answers["GET /api/v1/timelines/list/1"] = () => [status("40")];
    answers["GET /api/v1/accounts/search?q=de&following=true&limit=5&resolve=false"] = () => [account({ id: "5", acct: "cy" }), account({ id: "6", acct: "dee" })];
    answers["POST /api/v1/lists/1/accounts"] = () => ({});
    answers["DELETE /api/v1/lists/1/accounts?account_ids%5B%5D=5"] = () => ({});
    act(() => render(<ListPage id="1" />, root));
    await settle();
    expect(root.querySelector("h2")!.textContent).toBe("Friends");
    expect(root.querySelector("summary")!.textContent).toBe("People in this list (1)");
    expect(root.querySelectorAll(".status")).toHaveLength(1);
    expect(QuietSocket.last!.url).toContain("stream=list");
    expect(QuietSocket.last!.url).toContain("list=1");
    fill("#list-add-q", "de");
    await submit("#list-add-q");
    await settle();
    // cy is in the list already: only dee is offered
    expect(button("Add @cy to the list")).toBeUndefined();
    await act(async () => button("Add @dee to the list").click());
    await settle();
    expect(calls.find((c) => c.call === "POST /api/v1/lists/1/accounts")!.body).toEqual({ account_ids: ["6"] });
    expect(root.querySelector("summary")!.textContent).toBe("People in this list (2)");
    await act(async () => button("Remove @cy from the list").click());
    await settle();
    expect(calls.map((c) => c.call)).toContain("DELETE /api/v1/lists/1/accounts?account_ids%5B%5D=5");
    expect(root.querySelector("summary")!.textContent).toBe("People in this list (1)");
  });
});

describe("direct conversations", () => {
  const conversation = (id: string, unread: boolean, text: string) => ({
    id, unread, accounts: [account({ id: "6", acct: "dee", display_name: "<i>Dee</i>" })], last_status: status(`9${id}`, { content: `<p>${text}</p>`, visibility: "direct" }),
  });

  it("moves a changed conversation to the top, once", () => {
    const a = conversation("1", false, "a");
    const b = conversation("2", false, "b");
    expect(upsertConversation([a, b], { ...b, unread: true }).map((c) => [c.id, c.unread])).toEqual([["2", true], ["1", false]]);
  });

  it("lists conversations with their last post, marks one read, hides one, and takes live ones", async () => {
    answers["GET /api/v1/conversations"] = () => [conversation("1", true, "hello"), conversation("2", false, "older")];
    answers["POST /api/v1/conversations/1/read"] = () => conversation("1", false, "hello");
    answers["DELETE /api/v1/conversations/2"] = () => ({});
    act(() => render(<Conversations />, root));
    await settle();
    const rows = () => [...root.querySelectorAll(".conversation")].map((li) => [li.querySelector("h2")!.textContent, li.querySelector(".status-content")!.textContent]);
    expect(rows()).toEqual([["With <i>Dee</i>unread", "hello"], ["With <i>Dee</i>", "older"]]);
    await act(async () => button("Mark as read: the conversation with <i>Dee</i>").click());
    await settle();
    expect(root.querySelectorAll(".conversation.unread")).toHaveLength(0);
    await act(async () => [...root.querySelectorAll<HTMLButtonElement>("button")].filter((b) => b.textContent === "Hide")[1].click());
    await settle();
    expect(rows()).toEqual([["With <i>Dee</i>", "hello"]]);
    expect(QuietSocket.last!.url).toContain("stream=direct");
    act(() => QuietSocket.last!.onmessage!({ data: JSON.stringify({ event: "conversation", payload: JSON.stringify(conversation("3", true, "new one")) }) }));
    expect(rows()[0]).toEqual(["With <i>Dee</i>unread", "new one"]);
  });
});

describe("explore", () => {
  it("adds up the history's uses and people", () => {
    expect(usage([{ uses: "3", accounts: "2" }, { uses: "1", accounts: "1" }])).toEqual({ uses: 4, accounts: 3 });
    expect(usage(undefined)).toEqual({ uses: 0, accounts: 0 });
  });

  it("shows trending hashtags, posts and links (links as text, only web links clickable)", async () => {
    answers["GET /api/v1/trends/tags?limit=20"] = () => [{ name: "sea", url: "", history: [{ day: "1", uses: "5", accounts: "3" }] }];
    answers["GET /api/v1/trends/statuses?limit=20"] = () => [status("50")];
    answers["GET /api/v1/trends/links?limit=20"] = () => [
      { url: "https://news.example/a", title: "<b>Tide</b> tables", description: "<script>x</script>", history: [{ day: "1", uses: "2", accounts: "2" }] },
      { url: "javascript:alert(1)", title: "bad", description: "" },
    ];
    act(() => render(<Explore tab="tags" />, root));
    await settle();
    expect(root.querySelector('a[aria-current="page"]')!.textContent).toBe("Hashtags");
    expect(root.querySelector(".account-list li")!.textContent).toBe("#sea5 posts by 3 people lately");
    expect(root.querySelector<HTMLAnchorElement>(".account-list a")!.getAttribute("href")).toBe("/tags/sea");
    act(() => render(<Explore tab="posts" />, root));
    await settle();
    expect(root.querySelectorAll(".status")).toHaveLength(1);
    act(() => render(<Explore tab="links" />, root));
    await settle();
    const links = [...root.querySelectorAll(".trend-links li")];
    expect(links[0].querySelector("a")!.textContent).toBe("<b>Tide</b> tables");
    expect(links[0].querySelector("a")!.getAttribute("href")).toBe("https://news.example/a");
    expect(links[0].textContent).toContain("news.example · shared by 2 people");
    expect(links[1].querySelector("a")).toBeNull();
    expect(root.querySelectorAll("script, b")).toHaveLength(0);
  });
});
