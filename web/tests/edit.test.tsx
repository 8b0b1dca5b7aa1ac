// @vitest-environment jsdom
import { render } from "preact";
import { act } from "preact/test-utils";
import { describe, expect, it, vi } from "vitest";
import type { MediaAttachment, Status, StatusEdit } from "../src/api/types";
import { StatusCard } from "../src/timeline/StatusCard";
import { buttonIn, useApiDouble } from "./api-double";
import { settle } from "./dom";
import { status } from "./fixtures";
import { FakeUpload } from "./uploads";

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
    // an edit cannot change the visibility: no control for it; media it can change
    expect(double.root.querySelector("#edit-7-visibility")).toBeNull();
    expect(double.root.querySelector('.compose input[type="file"]')).toBeTruthy();
    act(() => {
      box.value = "the tide #sea";
      box.dispatchEvent(new Event("input", { bubbles: true }));
    });
    await act(async () => button("Save").click());
    await settle();
    expect(double.calls.map((c) => `${c.method} ${c.path}`)).toEqual(["GET /api/v1/statuses/7/source", "PUT /api/v1/statuses/7"]);
    // the post's own language stays unless changed
    expect(double.calls[1].body).toEqual({ status: "the tide #sea", spoiler_text: "", sensitive: false, language: "de", media_ids: [] });
    expect(changed).toEqual([edited]);
  });

  it("changes the post's media: one removed, one described anew, one added, in that order", async () => {
    vi.stubGlobal("XMLHttpRequest", FakeUpload);
    URL.createObjectURL = () => "blob:new";
    URL.revokeObjectURL = () => undefined;
    const picture = (id: string, description: string | null) =>
      ({ id, type: "image", url: `http://r.test/${id}.png`, preview_url: `http://r.test/${id}-small.png`, description, meta: { focus: { x: 0.5, y: 0 } } }) as const;
    const mine = status("7", { media_attachments: [picture("m1", "a cat"), picture("m2", null)] });
    const edited = status("7", { media_attachments: [picture("m2", "a dog"), picture("m9", null)] });
    double.answers["GET /api/v1/statuses/7/source"] = { id: "7", text: "pets", spoiler_text: "" };
    double.answers["PUT /api/v1/statuses/7"] = edited;
    const changed: Status[] = [];
    act(() => render(<StatusCard status={mine} onChange={(s) => changed.push(s)} onDelete={() => undefined} />, double.root));
    act(() => button("Edit").click());
    await settle();
    // the post's media are in the editor with their alt text
    const alts = () => [...double.root.querySelectorAll<HTMLTextAreaElement>(".attachment textarea")];
    expect(alts().map((alt) => alt.value)).toEqual(["a cat", ""]);
    expect(double.root.querySelector<HTMLImageElement>(".attachment img")!.getAttribute("src")).toBe("http://r.test/m1-small.png");
    act(() => button("Remove media 1").click());
    act(() => {
      alts()[0].value = "a dog";
      alts()[0].dispatchEvent(new Event("input", { bubbles: true }));
    });
    const file = double.root.querySelector<HTMLInputElement>('.compose input[type="file"]')!;
    Object.defineProperty(file, "files", { value: [new File(["x"], "b.png", { type: "image/png" })], configurable: true });
    act(() => void file.dispatchEvent(new Event("change", { bubbles: true })));
    await settle();
    expect(alts()).toHaveLength(2);
    await act(async () => button("Save").click());
    await settle();
    const put = double.calls.find((c) => c.method === "PUT")!;
    expect(put.path).toBe("/api/v1/statuses/7");
    expect(put.body).toMatchObject({
      status: "pets",
      media_ids: ["m2", "m9"],
      media_attributes: [{ id: "m2", description: "a dog", focus: "0.5,0" }, { id: "m9", description: "" }],
    });
    // no media was changed on its own (PUT /api/v1/media/:id cannot touch a posted picture)
    expect(double.calls.filter((c) => c.path.startsWith("/api/v1/media"))).toEqual([]);
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
      { content: `<p>first ${hostile}</p>`, spoiler_text: "", sensitive: false, created_at: "2026-12-04T10:00:00.000Z", account: status("7").account, media_attachments: [] },
      { content: "<p>second</p>", spoiler_text: `cw ${hostile}`, sensitive: true, created_at: "2026-12-04T11:00:00.000Z", account: status("7").account, media_attachments: [] },
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

  it("shows each version's media as thumbnails with that version's alt text", async () => {
    const harbour = (description: string | null): MediaAttachment => ({
      id: "31", type: "image", url: "/system/media/31.png", preview_url: "/system/media/31-small.png", description,
      meta: { focus: { x: 0, y: 1 } },
    });
    const clip: MediaAttachment = { id: "32", type: "video", url: "/system/media/32.mp4", preview_url: "/system/media/32-small.jpg", description: "waves" };
    const loop: MediaAttachment = { id: "33", type: "gifv", url: "/system/media/33.mp4", preview_url: null, description: "a gull" };
    const version = (content: string, media: MediaAttachment[], sensitive = false): StatusEdit => ({
      content, spoiler_text: "", sensitive, created_at: "2026-12-04T10:00:00.000Z", account: status("7").account, media_attachments: media,
    });
    double.answers["GET /api/v1/statuses/7/history"] = [
      version("<p>one</p>", [harbour(`the harbour ${hostile}`)]),
      version("<p>two</p>", [harbour("the harbour at dusk"), clip, loop]),
      version("<p>three</p>", []),
      version("<p>four</p>", [harbour(null)], true),
    ];
    act(() => render(<StatusCard status={status("7", { edited_at: "2026-12-04T11:00:00.000Z" })} />, double.root));
    act(() => button("edited: show history").click());
    await settle();
    const [four, three, two, one] = [...double.root.querySelectorAll(".edit-history li")];
    const thumbnails = (li: Element) => [...li.querySelectorAll(".status-media img")].map((img) => [img.getAttribute("src"), img.getAttribute("alt")]);
    expect(thumbnails(one)).toEqual([["/system/media/31-small.png", `the harbour ${hostile}`]]);
    expect(one.querySelector(".status-media a")!.getAttribute("href")).toBe("/system/media/31.png");
    expect(one.querySelector<HTMLImageElement>(".status-media img")!.style.objectPosition).toBe("50% 0%");
    // a video shows its preview image; a GIF without one a paused player, named by its alt text
    expect(thumbnails(two)).toEqual([["/system/media/31-small.png", "the harbour at dusk"], ["/system/media/32-small.jpg", "waves"]]);
    const player = two.querySelector("video")!;
    expect([player.getAttribute("aria-label"), player.autoplay, player.controls]).toEqual(["a gull", false, true]);
    expect(three.querySelector(".status-media")).toBeNull();
    // a sensitive version's media wait behind the button, as in the timeline
    expect(four.querySelector(".status-media")).toBeNull();
    act(() => buttonIn(four as HTMLElement, "Sensitive media").click());
    expect(thumbnails(four)).toEqual([["/system/media/31-small.png", ""]]);
    expect(double.root.querySelectorAll("script, [onerror]")).toHaveLength(0);
    expect((window as unknown as { pwned?: number }).pwned).toBeUndefined();
  });

  it("has no history control on a post never edited", () => {
    act(() => render(<StatusCard status={status("7")} />, double.root));
    expect(double.root.querySelector(".status-edited")).toBeNull();
  });
});
