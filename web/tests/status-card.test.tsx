// @vitest-environment jsdom
import { render } from "preact";
import { act } from "preact/test-utils";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { StatusCard } from "../src/timeline/StatusCard";
import { account, status } from "./fixtures";

let root: HTMLElement;
beforeEach(() => {
  root = document.createElement("div");
  document.body.append(root);
});
afterEach(() => {
  render(null, root);
  root.remove();
});

const hostile = '<img src=x onerror="window.pwned=1"><script>window.pwned=1</script>';

describe("StatusCard", () => {
  it("shows display names, content warnings and alt text from the server as text, never as markup", () => {
    const post = status("5", {
      account: account({ display_name: `Eve ${hostile}` }),
      content: `<p>hi <a href="javascript:alert(1)">click</a>${hostile}</p>`,
      media_attachments: [{ id: "m", type: "image", url: "http://r.test/m.png", preview_url: null, description: `"><script>x</script>` }],
    });
    act(() => render(<StatusCard status={post} />, root));
    expect(root.querySelector(".status-name")!.textContent).toBe(`Eve ${hostile}`);
    expect(root.querySelectorAll("script")).toHaveLength(0);
    expect(root.querySelectorAll("[onerror]")).toHaveLength(0);
    expect(root.querySelector(".status-content a")!.hasAttribute("href")).toBe(false);
    expect(root.querySelector(".status-content")!.textContent).toContain("hi click");
    expect(root.querySelector<HTMLImageElement>(".status-media img")!.alt).toBe(`"><script>x</script>`);
    expect((window as unknown as { pwned?: number }).pwned).toBeUndefined();
  });

  it("hides content behind its warning until asked", () => {
    const post = status("6", { spoiler_text: `Spoiler ${hostile}`, content: "<p>secret</p>" });
    act(() => render(<StatusCard status={post} />, root));
    expect(root.textContent).not.toContain("secret");
    expect(root.querySelector(".status-spoiler span")!.textContent).toBe(`Spoiler ${hostile}`);
    const toggle = root.querySelector<HTMLButtonElement>(".status-spoiler button")!;
    expect(toggle.getAttribute("aria-expanded")).toBe("false");
    act(() => toggle.click());
    expect(root.textContent).toContain("secret");
  });

  it("shows a boost with the booster's name and links to the original post", () => {
    const post = status("9", { account: account({ id: "2", acct: "bo", display_name: "" , username: "bo" }), reblog: status("5") });
    act(() => render(<StatusCard status={post} />, root));
    expect(root.querySelector(".status-boosted")!.textContent).toBe("bo boosted");
    expect(root.querySelector(".status-time")!.getAttribute("href")).toBe("/@ana/5");
  });

  it("gives every action button an accessible name", () => {
    act(() => render(<StatusCard status={status("7", { favourites_count: 3 })} onChange={() => undefined} onReply={() => undefined} />, root));
    const names = [...root.querySelectorAll("button")].map((button) => button.getAttribute("aria-label") ?? button.textContent);
    expect(names).toEqual(["Reply", "Boost", "Favourite, 3 favourites", "Bookmark", "Report"]);
  });

  it("deletes one's own post after confirming", async () => {
    const calls: string[] = [];
    vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
      calls.push(`${init.method} ${new URL(url).pathname}`);
      return new Response("{}");
    });
    vi.stubGlobal("confirm", () => true);
    const deleted: string[] = [];
    act(() => render(<StatusCard status={status("7")} onDelete={(gone) => deleted.push(gone.id)} />, root));
    const button = [...root.querySelectorAll("button")].find((b) => b.textContent === "Delete")!;
    await act(async () => button.click());
    await act(() => new Promise((resolve) => setTimeout(resolve, 0)));
    expect(calls).toEqual(["DELETE /api/v1/statuses/7"]);
    expect(deleted).toEqual(["7"]);
    vi.unstubAllGlobals();
  });
});
