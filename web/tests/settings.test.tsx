// @vitest-environment jsdom
import { render } from "preact";
import { act } from "preact/test-utils";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FollowRequests } from "../src/pages/FollowRequests";
import { fieldRows, profileForm } from "../src/pages/Settings";
import { settle } from "./dom";
import { account } from "./fixtures";

describe("profile editor", () => {
  it("offers four field rows, the member's own (as typed) first", () => {
    const me = account({
      fields: [{ name: "Site", value: '<a href="https://x.test">x.test</a>' }],
      source: { note: "", fields: [{ name: "Site", value: "https://x.test" }] },
    });
    expect(fieldRows(me)).toEqual([
      { name: "Site", value: "https://x.test" },
      { name: "", value: "" },
      { name: "", value: "" },
      { name: "", value: "" },
    ]);
  });

  it("sends name, bio, locked, every field row, and the avatar and header when chosen", () => {
    const header = new File(["h"], "h.png", { type: "image/png" });
    const form = profileForm({
      name: "Ada", bio: "hi", locked: true, avatar: null, header,
      fields: [{ name: "Site", value: "x.test" }, { name: "", value: "" }],
    });
    expect([...form.entries()].map(([key, value]) => [key, typeof value === "string" ? value : (value as File).name])).toEqual([
      ["display_name", "Ada"],
      ["note", "hi"],
      ["locked", "true"],
      ["fields_attributes[0][name]", "Site"],
      ["fields_attributes[0][value]", "x.test"],
      ["fields_attributes[1][name]", ""],
      ["fields_attributes[1][value]", ""],
      ["header", "h.png"],
    ]);
  });
});

let root: HTMLElement;
let calls: string[];
beforeEach(() => {
  root = document.createElement("div");
  document.body.append(root);
  calls = [];
  vi.stubGlobal("fetch", async (url: string, init: RequestInit = {}) => {
    const path = new URL(url).pathname;
    calls.push(`${init.method ?? "GET"} ${path}`);
    if (path === "/api/v1/follow_requests") {
      return new Response(JSON.stringify([account({ id: "5", acct: "cy", display_name: "<i>Cy</i>" }), account({ id: "6", acct: "dee", display_name: "Dee" })]));
    }
    return new Response(JSON.stringify({ id: "5", following: false, followed_by: true }));
  });
});
afterEach(() => {
  act(() => render(null, root));
  root.remove();
  vi.unstubAllGlobals();
});

describe("follow requests", () => {
  it("lists who asked, names as text; Accept and Reject answer and take them off the list", async () => {
    act(() => render(<FollowRequests />, root));
    await settle();
    const names = () => [...root.querySelectorAll(".account-list bdi")].map((b) => b.textContent);
    expect(names()).toEqual(["<i>Cy</i>", "Dee"]);
    expect(root.querySelector(".account-list i")).toBeNull();
    const accept = root.querySelector<HTMLButtonElement>('button[aria-label="Accept @cy\'s follow request"]')!;
    await act(async () => accept.click());
    await settle();
    expect(calls).toContain("POST /api/v1/follow_requests/5/authorize");
    expect(names()).toEqual(["Dee"]);
    expect(root.querySelector('[role="status"]')!.textContent).toBe("<i>Cy</i> now follows you.");
    await act(async () => root.querySelector<HTMLButtonElement>('button[aria-label="Reject @dee\'s follow request"]')!.click());
    await settle();
    expect(calls).toContain("POST /api/v1/follow_requests/6/reject");
    expect(root.textContent).toContain("Nobody is waiting for your answer.");
  });
});
