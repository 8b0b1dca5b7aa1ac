// @vitest-environment jsdom
import { render } from "preact";
import { act } from "preact/test-utils";
import { beforeEach, describe, expect, it } from "vitest";
import { Notifications } from "../src/pages/Notifications";
import { json, page, settle, usePage } from "./dom";
import { account, status } from "./fixtures";

const eve = account({ id: "3", acct: "eve", username: "eve", display_name: '<img src=x onerror="window.pwned=1">Eve' });
let requested: string[] = [];
beforeEach(() => {
  requested = [];
});
usePage((pathAndQuery) => {
  requested.push(decodeURIComponent(pathAndQuery));
  const mention = { id: "2", type: "mention", created_at: "2026-12-04T10:00:00Z", account: eve, status: status("8", { account: eve }) };
  const follow = { id: "1", type: "follow", created_at: "2026-12-04T09:00:00Z", account: eve };
  const request = { id: "0", type: "follow_request", created_at: "2026-12-04T08:00:00Z", account: eve };
  return json(pathAndQuery.includes("types") ? [mention] : [mention, follow, request]);
});

describe("Notifications", () => {
  it("says who did what, as text, and filters by type on the server", async () => {
    act(() => render(<Notifications />, page.root));
    await settle();
    const lines = [...page.root.querySelectorAll(".notification > p > a")].map((a) => a.textContent);
    expect(lines).toEqual([
      `${eve.display_name} mentioned you`, `${eve.display_name} followed you`, `${eve.display_name} asked to follow you`, "Review follow requests",
    ]);
    expect(page.root.querySelector('.notification-follow_request a[href="/follow_requests"]')).not.toBeNull();
    expect(page.root.querySelectorAll("[onerror], script")).toHaveLength(0);
    const mentions = [...page.root.querySelectorAll<HTMLButtonElement>(".filters button")].find((b) => b.textContent === "Mentions")!;
    act(() => mentions.click());
    await settle();
    expect(requested).toEqual(["/api/v1/notifications", "/api/v1/notifications?types[]=mention"]);
    expect(page.root.querySelectorAll(".notification")).toHaveLength(1);
    expect(mentions.getAttribute("aria-pressed")).toBe("true");
  });
});
