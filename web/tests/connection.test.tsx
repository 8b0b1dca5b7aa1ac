// @vitest-environment jsdom
import { render } from "preact";
import { act } from "preact/test-utils";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiClient } from "../src/api/client";
import { ApiError } from "../src/api/errors";
import { ConnectionBanner } from "../src/ConnectionBanner";
import { bannerOf, rateLimited, resetConnection, streamStatus } from "../src/connection";
import { shortcut } from "../src/keyboard";

let root: HTMLElement;
beforeEach(() => {
  resetConnection();
  root = document.createElement("div");
  document.body.append(root);
});
afterEach(() => {
  act(() => render(null, root));
  root.remove();
  resetConnection();
});

describe("connection state", () => {
  it("counts a 429's Retry-After down, and a lost stream's next attempt", () => {
    const now = 1_000_000;
    rateLimited(5, now);
    streamStatus(1, { state: "lost", retryInSeconds: 4 }, now);
    streamStatus(2, { state: "lost", retryInSeconds: 2 }, now);
    const state = { rateLimitedUntil: now + 5000, lost: new Map([[1, now + 4000], [2, now + 2000]]), restoredAt: null };
    expect(bannerOf(state, now + 1200)).toEqual({ wait: 4, reconnect: 1, restored: false });
    expect(bannerOf(state, now + 6000)).toEqual({ wait: null, reconnect: 0, restored: false });
  });

  it("the API client reports every 429 with its Retry-After", async () => {
    const told: (number | null)[] = [];
    const fetcher = (async () => new Response('{"error":"Too many requests"}', { status: 429, headers: { "Retry-After": "7" } })) as typeof fetch;
    const client = new ApiClient("http://r.test", () => null, fetcher, (seconds) => told.push(seconds));
    await expect(client.get("/api/v1/timelines/public")).rejects.toBeInstanceOf(ApiError);
    expect(told).toEqual([7]);
  });
});

describe("the banner", () => {
  it("says how long to wait after a 429, then goes", async () => {
    act(() => render(<ConnectionBanner />, root));
    expect(root.textContent).toBe("");
    vi.useFakeTimers();
    try {
      act(() => rateLimited(2));
      expect(root.querySelector('[role="alert"]')!.textContent).toBe(
        "Rookery is getting too many requests from this browser. Please wait 2 s before trying again.",
      );
      await act(async () => void vi.advanceTimersByTime(1000));
      expect(root.textContent).toContain("Please wait 1 s");
      await act(async () => void vi.advanceTimersByTime(1100));
      expect(root.textContent).toBe("");
    } finally {
      vi.useRealTimers();
    }
  });

  it("shows lost live updates until every stream is back, then says so", () => {
    act(() => render(<ConnectionBanner />, root));
    act(() => streamStatus(1, { state: "lost", retryInSeconds: 3 }));
    expect(root.textContent).toBe("Live updates lost; reconnecting in 3 s…");
    act(() => streamStatus(1, { state: "connecting" }));
    expect(root.textContent).toContain("Live updates lost");
    act(() => streamStatus(1, { state: "open" }));
    expect(root.textContent).toBe("Live updates are back.");
  });

  it("says nothing when a view closes its stream for good", () => {
    act(() => render(<ConnectionBanner />, root));
    act(() => streamStatus(4, { state: "open" }));
    act(() => streamStatus(4, null));
    expect(root.textContent).toBe("");
  });
});

describe("keyboard shortcuts", () => {
  const press = (key: string, target: EventTarget = document.body) => {
    const event = new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true });
    Object.defineProperty(event, "target", { value: target });
    return shortcut(event);
  };

  it("j and k move focus between posts; n goes to compose; keys typed in a field are text", () => {
    root.innerHTML = `<main id="main"><textarea id="compose-text"></textarea>
      <article class="status" tabindex="-1" id="a"></article><article class="status" tabindex="-1" id="b"><button id="in-b">x</button></article>
      <article class="status" tabindex="-1" id="c"></article></main>`;
    expect(press("j")).toBe(true);
    expect(document.activeElement!.id).toBe("a");
    press("j");
    expect(document.activeElement!.id).toBe("b");
    (document.getElementById("in-b") as HTMLButtonElement).focus(); // inside b: j goes on from b
    press("j");
    expect(document.activeElement!.id).toBe("c");
    press("j"); // the last stays
    expect(document.activeElement!.id).toBe("c");
    press("k");
    expect(document.activeElement!.id).toBe("b");
    expect(press("n")).toBe(true);
    expect(document.activeElement!.id).toBe("compose-text");
    expect(press("j", document.getElementById("compose-text")!)).toBe(false);
    expect(document.activeElement!.id).toBe("compose-text");
    expect(press("x")).toBe(false);
  });
});
