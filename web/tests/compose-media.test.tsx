// @vitest-environment jsdom
import { render } from "preact";
import { act } from "preact/test-utils";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Compose } from "../src/compose/Compose";
import { defaultLanguage, languageName, languageOptions } from "../src/compose/languages";
import { focusAt, focusMoved, focusParam, objectPosition } from "../src/compose/media";
import { StatusCard } from "../src/timeline/StatusCard";
import { settle } from "./dom";
import { status } from "./fixtures";
import { FakeUpload } from "./uploads";

describe("focus point", () => {
  it("comes from a click on the preview: -1..1 left to right, 1..-1 top to bottom", () => {
    expect(focusAt(50, 25, 100, 50)).toEqual({ x: 0, y: 0 });
    expect(focusAt(0, 0, 100, 50)).toEqual({ x: -1, y: 1 });
    expect(focusAt(75, 50, 100, 50)).toEqual({ x: 0.5, y: -1 });
    expect(focusAt(500, -3, 100, 50)).toEqual({ x: 1, y: 1 });
    expect(focusParam({ x: 0.5, y: -0.25 })).toBe("0.5,-0.25");
  });

  it("moves a tenth per arrow key, within the picture", () => {
    expect(focusMoved({ x: 0, y: 0 }, "ArrowRight")).toEqual({ x: 0.1, y: 0 });
    expect(focusMoved({ x: 0, y: 0.95 }, "ArrowUp")).toEqual({ x: 0, y: 1 });
    expect(focusMoved({ x: -1, y: 0 }, "ArrowLeft")).toEqual({ x: -1, y: 0 });
    expect(focusMoved({ x: 0, y: 0 }, "a")).toBeNull();
  });

  it("keeps the point in view when a posted preview is cropped", () => {
    expect(objectPosition({ x: -1, y: 1 })).toBe("0% 0%");
    expect(objectPosition({ x: 0.5, y: -0.5 })).toBe("75% 75%");
    expect(objectPosition(undefined)).toBeUndefined();
    const post = status("3", { media_attachments: [{ id: "m", type: "image", url: "http://r.test/m.png", preview_url: null, description: "d", meta: { focus: { x: 0.5, y: -0.5 } } }] });
    const root = document.createElement("div");
    act(() => render(<StatusCard status={post} />, root));
    expect(root.querySelector<HTMLImageElement>(".status-media img")!.style.objectPosition).toBe("75% 75%");
  });
});

describe("languages", () => {
  it("start from the member's posting language, else the browser's, else English", () => {
    expect(defaultLanguage("de", ["fr-FR"])).toBe("de");
    expect(defaultLanguage(null, ["fr-FR", "en"])).toBe("fr");
    expect(defaultLanguage(undefined, ["x-klingon"])).toBe("en");
    expect(languageName("de")).toBe("German");
    expect(languageOptions("de").find((o) => o.code === "de")!.name).toBe("German");
    expect(languageOptions("tlh").some((o) => o.code === "tlh")).toBe(true); // a post's own stays offered
  });
});

let root: HTMLElement;
let calls: { method: string; path: string; body: unknown }[];
beforeEach(() => {
  root = document.createElement("div");
  document.body.append(root);
  calls = [];
  vi.stubGlobal("XMLHttpRequest", FakeUpload);
  vi.stubGlobal("fetch", async (url: string, init: RequestInit = {}) => {
    const path = new URL(url).pathname;
    calls.push({ method: init.method ?? "GET", path, body: typeof init.body === "string" ? JSON.parse(init.body) : null });
    if (path === "/api/v1/statuses") return new Response(JSON.stringify(status("77")));
    return new Response(JSON.stringify({ id: "m9", url: "http://r.test/m9.png" }));
  });
  URL.createObjectURL = () => "blob:preview";
  URL.revokeObjectURL = () => undefined;
});
afterEach(() => {
  act(() => render(null, root));
  root.remove();
  vi.unstubAllGlobals();
});

describe("Compose with an image", () => {
  it("sends the alt text and the focus point set with the keyboard, and the chosen language", async () => {
    act(() => render(<Compose />, root));
    const file = root.querySelector<HTMLInputElement>('input[type="file"]')!;
    Object.defineProperty(file, "files", { value: [new File(["x"], "a.png", { type: "image/png" })], configurable: true });
    act(() => void file.dispatchEvent(new Event("change", { bubbles: true })));
    await settle();
    const picker = root.querySelector<HTMLButtonElement>(".focus-picker")!;
    expect(picker.getAttribute("aria-label")).toMatch(/^Focus point of media 1 \(now 0, 0\)/);
    for (const key of ["ArrowRight", "ArrowRight", "ArrowDown"]) {
      act(() => void picker.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true })));
    }
    expect(root.querySelector(".focus-picker")!.getAttribute("aria-label")).toMatch(/\(now 0.2, -0.1\)/);
    const alt = root.querySelector<HTMLTextAreaElement>(".attachment textarea")!;
    act(() => {
      alt.value = "Boats on the mud";
      alt.dispatchEvent(new Event("input", { bubbles: true }));
    });
    const language = root.querySelector<HTMLSelectElement>("#compose-language")!;
    expect(root.querySelector(`label[for="compose-language"]`)!.textContent).toBe("Language of the post");
    language.value = "de";
    act(() => void language.dispatchEvent(new Event("change", { bubbles: true })));
    await act(async () => void root.querySelector("form")!.dispatchEvent(new Event("submit", { cancelable: true })));
    await settle();
    const put = calls.find((c) => c.method === "PUT")!;
    expect(put).toEqual({ method: "PUT", path: "/api/v1/media/m9", body: { description: "Boats on the mud", focus: "0.2,-0.1" } });
    const post = calls.find((c) => c.path === "/api/v1/statuses")!;
    expect(post.body).toMatchObject({ media_ids: ["m9"], language: "de" });
  });
});
