// Attachments of a draft: up to four images, or one video; uploaded with progress.
import { ApiError, NetworkError, errorDetail, parseRetryAfter } from "../api/errors";
import type { MediaAttachment } from "../api/types";

export const MAX_IMAGES = 4;

export type AttachmentProblem = "too_many" | "video_alone" | "unsupported";

function kind(type: string): "image" | "video" | null {
  if (type.startsWith("image/")) return "image";
  if (type.startsWith("video/")) return "video";
  return null;
}

/** Why these files cannot join the draft's attachments, or null when they can. */
export function attachmentProblem(existing: string[], adding: string[]): AttachmentProblem | null {
  const kinds = [...existing, ...adding].map(kind);
  if (kinds.includes(null)) return "unsupported";
  if (kinds.includes("video") && kinds.length > 1) return "video_alone";
  if (kinds.length > MAX_IMAGES) return "too_many";
  return null;
}

/** POST /api/v2/media with upload progress (fetch cannot report it; XMLHttpRequest can). */
export function uploadMedia(
  origin: string,
  token: string | null,
  file: File,
  onProgress: (fraction: number) => void,
): Promise<MediaAttachment> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", `${origin}/api/v2/media`);
    if (token) request.setRequestHeader("Authorization", `Bearer ${token}`);
    request.setRequestHeader("Accept", "application/json");
    request.upload.onprogress = (event) => event.lengthComputable && onProgress(event.loaded / event.total);
    request.onerror = () => reject(new NetworkError());
    request.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(request.responseText);
      } catch {
        body = null;
      }
      if (request.status >= 200 && request.status < 300) {
        onProgress(1);
        resolve(body as MediaAttachment);
      } else {
        const detail = errorDetail(body, request.statusText || `HTTP ${request.status}`);
        reject(new ApiError(request.status, detail, parseRetryAfter(request.getResponseHeader("Retry-After"))));
      }
    };
    const form = new FormData();
    form.append("file", file);
    request.send(form);
  });
}

export interface Focus {
  x: number;
  y: number;
}

const clamp = (value: number) => Math.round(Math.max(-1, Math.min(1, value)) * 100) / 100;

/** Mastodon's focus point from a click on the preview: x -1 (left) to 1 (right), y 1 (top) to -1 (bottom). */
export function focusAt(offsetX: number, offsetY: number, width: number, height: number): Focus {
  if (width <= 0 || height <= 0) return { x: 0, y: 0 };
  return { x: clamp((offsetX / width) * 2 - 1), y: clamp(1 - (offsetY / height) * 2) };
}

/** The focus point moved by an arrow key (a tenth of the picture each press), or null for other keys. */
export function focusMoved(focus: Focus, key: string): Focus | null {
  const step = 0.1;
  if (key === "ArrowLeft") return { ...focus, x: clamp(focus.x - step) };
  if (key === "ArrowRight") return { ...focus, x: clamp(focus.x + step) };
  if (key === "ArrowUp") return { ...focus, y: clamp(focus.y + step) };
  if (key === "ArrowDown") return { ...focus, y: clamp(focus.y - step) };
  return null;
}

/** The focus parameter of PUT /api/v1/media/:id: "x,y". */
export const focusParam = (focus: Focus) => `${focus.x},${focus.y}`;

/** CSS object-position keeping the focus point in view when a preview is cropped. */
export function objectPosition(focus: Focus | undefined | null): string | undefined {
  if (!focus) return undefined;
  return `${Math.round(((focus.x + 1) / 2) * 100)}% ${Math.round(((1 - focus.y) / 2) * 100)}%`;
}
