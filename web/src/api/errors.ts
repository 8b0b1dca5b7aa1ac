// What went wrong with a request, in words a person can act on.
import { t } from "../strings";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    /** Seconds to wait before retrying (429 and 503 may say so). */
    readonly retryAfter: number | null = null,
  ) {
    super(`${status}: ${detail}`);
    this.name = "ApiError";
  }
}

/** A request that never got an HTTP answer (offline, DNS, refused, CORS). */
export class NetworkError extends Error {
  constructor(cause?: unknown) {
    super("network error", { cause });
    this.name = "NetworkError";
  }
}

/** Retry-After is either delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return null;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

/** The Mastodon API's error body is {"error": "...", "error_description"?: "..."}. */
export function errorDetail(body: unknown, fallback: string): string {
  if (body && typeof body === "object") {
    const record = body as Record<string, unknown>;
    for (const key of ["error_description", "error", "detail"]) {
      if (typeof record[key] === "string" && record[key]) return record[key] as string;
    }
  }
  return fallback;
}

export function describeError(error: unknown): string {
  if (error instanceof NetworkError) return t("error_network");
  if (!(error instanceof ApiError)) return t("error_other", { status: "?", detail: String(error) });
  const { status, detail, retryAfter } = error;
  if (status === 401) return t("error_unauthorized");
  if (status === 403) return t("error_forbidden");
  if (status === 404 || status === 410) return t("error_not_found");
  if (status === 422 || status === 400) return t("error_invalid", { detail });
  if (status === 429) {
    return retryAfter !== null ? t("error_rate_limited", { seconds: retryAfter }) : t("error_rate_limited_soon");
  }
  if (status >= 500) return t("error_server", { status });
  return t("error_other", { status, detail });
}

/** Runs an action for a view: its error (cleared first) is told in words, never thrown. */
export function guarded(setError: (message: string | null) => void): (work: () => Promise<void>) => Promise<void> {
  return async (work) => {
    setError(null);
    try {
      await work();
    } catch (caught) {
      setError(describeError(caught));
    }
  };
}
