// @vitest-environment jsdom
import { render } from "preact";
import { act } from "preact/test-utils";
import { describe, expect, it } from "vitest";
import type { Status } from "../src/api/types";
import { StatusCard } from "../src/timeline/StatusCard";
import { buttonIn, useApiDouble } from "./api-double";
import { settle } from "./dom";
import { status } from "./fixtures";

const double = useApiDouble();
const button = (name: string) => buttonIn(double.root, name);
const hostile = '<img src=x onerror="window.pwned=1"><script>window.pwned=1</script>';

describe("editing one's own post", () => {
  it("loads the typed text from /source, PUTs the edit and hands the edited post on", async () => {
    const mine = status("7", { content: "<p>teh tide</p>", spoiler_text: "", language: "de" });
    const edited = status("7", { content: "<p>the tide</p>", edited_at: "2026-12-04T11:00:00.000Z" });
    double.answers["GET /api/v1/statuses/7/source"] = { id: "7", text: "teh tide #sea", spoiler_text: "" };
    double.answers["PUT /api/v1/statuses/7"] = edited;
    const changed: Status[] = [];
    act(() => render(<StatusCard status={mine} onChange={(s) => changed.push(s)} onDelete={() => undefined} />, double.root));
    expect(button("Edit")).toBeTruthy();
    act(() => button("Edit").click());
    await settle();
    const box = double.root.querySelector<HTMLTextAreaElement>("#edit-7-text")!;
    expect(box.value).toBe("teh tide #sea");
    // an edit cannot change media or visibility: neither control is offered
    expect(double.root.querySelector("#edit-7-visibility")).toBeNull();
    expect(double.root.querySelector('.compose input[type="file"]')).toBeNull();
    act(() => {
      box.value = "the tide #sea";
      box.dispatchEvent(new Event("input", { bubbles: true }));
    });
    await act(async () => button("Save").click());
    await settle();
    expect(double.calls.map((c) => `${c.method} ${c.path}`)).toEqual(["GET /api/v1/statuses/7/source", "PUT /api/v1/statuses/7"]);
    // the post's own language stays unless changed
    expect(double.calls[1].body).toEqual({ status: "the tide #sea", spoiler_text: "", sensitive: false, language: "de" });
    expect(changed).toEqual([edited]);
  });

  it("offers no Edit on other people's posts or on boosts", () => {
    act(() => render(<StatusCard status={status("8")} onChange={() => undefined} />, double.root));
    expect(button("Edit")).toBeUndefined();
    act(() => render(<StatusCard status={status("9", { reblog: status("8") })} onChange={() => undefined} onDelete={() => undefined} />, double.root));
    expect(button("Edit")).toBeUndefined();
  });
});

describe("edit history", () => {
  it("shows every version, newest first, as sanitised HTML", async () => {
    double.answers["GET /api/v1/statuses/7/history"] = [
      { content: `<p>first ${hostile}</p>`, spoiler_text: "", sensitive: false, created_at: "2026-12-04T10:00:00.000Z", account: status("7").account },
      { content: "<p>second</p>", spoiler_text: `cw ${hostile}`, sensitive: true, created_at: "2026-12-04T11:00:00.000Z", account: status("7").account },
    ];
    act(() => render(<StatusCard status={status("7", { edited_at: "2026-12-04T11:00:00.000Z" })} />, double.root));
    expect(double.root.querySelector(".edit-history")).toBeNull();
    const toggle = button("edited: show history");
    expect(toggle.getAttribute("aria-expanded")).toBe("false");
    act(() => toggle.click());
    await settle();
    const versions = [...double.root.querySelectorAll(".edit-history li")];
    expect(versions.map((li) => li.querySelector(".status-content")!.textContent)).toEqual(["second", "first "]);
    expect(versions[0].querySelector(".muted")!.textContent).toMatch(/^Edited /);
    expect(versions[1].querySelector(".muted")!.textContent).toMatch(/^Original, /);
    expect(versions[0].querySelector(".status-spoiler")!.textContent).toBe(`cw ${hostile}`);
    expect(double.root.querySelectorAll("script, [onerror]")).toHaveLength(0);
    expect(button("edited: hide history").getAttribute("aria-expanded")).toBe("true");
    expect((window as unknown as { pwned?: number }).pwned).toBeUndefined();
  });

  it("has no history control on a post never edited", () => {
    act(() => render(<StatusCard status={status("7")} />, double.root));
    expect(double.root.querySelector(".status-edited")).toBeNull();
  });
});
