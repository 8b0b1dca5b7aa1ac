import { describe, expect, it, vi } from "vitest";
import { attachmentProblem, uploadMedia } from "../src/compose/media";

describe("draft attachments", () => {
  it("takes up to four images", () => {
    expect(attachmentProblem([], ["image/png", "image/jpeg"])).toBe(null);
    expect(attachmentProblem(["image/png", "image/png", "image/png"], ["image/webp"])).toBe(null);
    expect(attachmentProblem(["image/png", "image/png", "image/png"], ["image/png", "image/png"])).toBe("too_many");
  });

  it("takes a video only on its own", () => {
    expect(attachmentProblem([], ["video/mp4"])).toBe(null);
    expect(attachmentProblem(["image/png"], ["video/mp4"])).toBe("video_alone");
    expect(attachmentProblem(["video/webm"], ["image/png"])).toBe("video_alone");
  });

  it("refuses other files", () => {
    expect(attachmentProblem([], ["application/pdf"])).toBe("unsupported");
  });
});

class FakeRequest {
  static last: FakeRequest;
  upload: { onprogress: ((event: { lengthComputable: boolean; loaded: number; total: number }) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  status = 0;
  statusText = "";
  responseText = "";
  headers: Record<string, string> = {};
  opened = "";
  sent: unknown;
  constructor() {
    FakeRequest.last = this;
  }
  open(method: string, url: string) {
    this.opened = `${method} ${url}`;
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name] = value;
  }
  getResponseHeader(name: string) {
    return name === "Retry-After" ? "7" : null;
  }
  send(body: unknown) {
    this.sent = body;
  }
  answer(status: number, body: unknown) {
    this.status = status;
    this.responseText = JSON.stringify(body);
    this.onload?.();
  }
}

describe("uploadMedia", () => {
  it("posts the file to /api/v2/media with the token and reports progress", async () => {
    vi.stubGlobal("XMLHttpRequest", FakeRequest);
    const progress: number[] = [];
    const done = uploadMedia("http://r.test", "tok", new File(["x"], "a.png", { type: "image/png" }), (p) => progress.push(p));
    const request = FakeRequest.last;
    expect(request.opened).toBe("POST http://r.test/api/v2/media");
    expect(request.headers.Authorization).toBe("Bearer tok");
    expect((request.sent as FormData).get("file")).toBeInstanceOf(File);
    request.upload.onprogress?.({ lengthComputable: true, loaded: 50, total: 100 });
    request.answer(202, { id: "9", type: "image", url: null });
    expect((await done).id).toBe("9");
    expect(progress).toEqual([0.5, 1]);
    vi.unstubAllGlobals();
  });

  it("turns refusals into API errors", async () => {
    vi.stubGlobal("XMLHttpRequest", FakeRequest);
    const done = uploadMedia("http://r.test", null, new File(["x"], "a.png", { type: "image/png" }), () => undefined);
    FakeRequest.last.answer(429, { error: "Too many requests" });
    await expect(done).rejects.toMatchObject({ status: 429, retryAfter: 7, detail: "Too many requests" });
    vi.unstubAllGlobals();
  });
});
