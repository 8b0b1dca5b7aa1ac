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
