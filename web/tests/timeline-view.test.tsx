// @vitest-environment jsdom
import { render } from "preact";
import { act } from "preact/test-utils";
import { beforeEach, describe, expect, it } from "vitest";
import { Timeline } from "../src/timeline/Timeline";
import { json, page, settle, usePage } from "./dom";
import { status } from "./fixtures";

class FakeSocket {
  static last: FakeSocket | null = null;
  onopen: (() => void) | null = null;
  onmessage: ((message: { data: string }) => void) | null = null;
  onclose: (() => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.last = this;
  }
  close() {}
  push(event: string, payload: unknown) {
    this.onmessage?.({ data: JSON.stringify({ stream: ["public"], event, payload: JSON.stringify(payload) }) });
  }
}

const pages: Record<string, { body: unknown; link?: string }> = {
  "/api/v1/timelines/public": { body: [status("30"), status("20")], link: '<http://localhost:3000/api/v1/timelines/public?max_id=20>; rel="next"' },
  "/api/v1/timelines/public?max_id=20": { body: [status("20"), status("10")] },
};
let requested: string[] = [];
beforeEach(() => {
  requested = [];
});
usePage((pathAndQuery) => {
  requested.push(pathAndQuery);
  const found = pages[pathAndQuery];
  return found ? json(found.body, 200, found.link ? { Link: found.link } : {}) : json({ error: "Record not found" }, 404);
}, FakeSocket);
const root = () => page.root;

const shown = () => [...root().querySelectorAll(".status-time")].map((a) => a.getAttribute("href")!.split("/").pop());

describe("Timeline", () => {
  it("loads the first page, then the Link next page without repeating posts", async () => {
    act(() => render(<Timeline path="/api/v1/timelines/public" label="Public" />, root()));
    await settle();
    expect(shown()).toEqual(["30", "20"]);
    act(() => root().querySelector<HTMLButtonElement>(".load-more")!.click());
    await settle();
    expect(requested).toEqual(["/api/v1/timelines/public", "/api/v1/timelines/public?max_id=20"]);
    expect(shown()).toEqual(["30", "20", "10"]);
    expect(root().textContent).toContain("You have reached the end.");
  });

  it("puts live posts behind an 'n new posts' bar while scrolled, and removes deleted ones", async () => {
    act(() => render(<Timeline path="/api/v1/timelines/public" stream={{ name: "public" }} label="Public" />, root()));
    await settle();
    expect(FakeSocket.last!.url).toContain("stream=public");
    Object.defineProperty(window, "scrollY", { value: 500, configurable: true });
    act(() => {
      FakeSocket.last!.push("update", status("40"));
      FakeSocket.last!.push("update", status("50"));
    });
    const bar = root().querySelector<HTMLButtonElement>(".new-posts")!;
    expect(bar.textContent).toBe("2 new posts");
    act(() => bar.click());
    expect(shown()).toEqual(["50", "40", "30", "20"]);
    act(() => FakeSocket.last!.onmessage?.({ data: JSON.stringify({ event: "delete", payload: "30" }) }));
    expect(shown()).toEqual(["50", "40", "20"]);
    Object.defineProperty(window, "scrollY", { value: 0, configurable: true });
  });

  it("says what went wrong and offers to try again", async () => {
    act(() => render(<Timeline path="/api/v1/timelines/tag/none" label="Tag" />, root()));
    await settle();
    expect(root().querySelector("[role=alert]")!.textContent).toContain("That could not be found");
    expect(root().querySelector("[role=alert] button")!.textContent).toBe("Try again");
  });
});
