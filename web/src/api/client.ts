// The HTTP side of Rookery's public API: JSON in and out, bearer token, Link pagination, errors.
import { ApiError, NetworkError, errorDetail, parseRetryAfter } from "./errors";
import { parseLinkHeader } from "./link";

export type Query = Record<string, string | number | boolean | string[] | undefined | null>;

export interface Page<T> {
  items: T;
  /** Older items (rel="next"), or null at the end. */
  next: string | null;
  /** Newer items (rel="prev"). */
  prev: string | null;
}

export interface RequestOptions {
  query?: Query;
  /** A JSON body, or a form (URLSearchParams / FormData) sent as is. */
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) value.forEach((item) => params.append(`${key}[]`, item));
    else params.append(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}${path.includes("?") ? "&" : "?"}${text}` : path;
}

export class ApiClient {
  constructor(
    readonly origin: string,
    private readonly token: () => string | null,
    private readonly fetcher: typeof fetch = (...args) => fetch(...args),
    /** Told of every 429 (with its Retry-After in seconds, when given): the page shows a banner. */
    private readonly onRateLimited: (retryAfter: number | null) => void = () => undefined,
  ) {}

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<Page<T>> {
    const url = new URL(withQuery(path, options.query), this.origin).toString();
    const headers: Record<string, string> = { Accept: "application/json", ...options.headers };
    const token = this.token();
    if (token && !headers.Authorization) headers.Authorization = `Bearer ${token}`;
    let body: BodyInit | undefined;
    if (options.body instanceof URLSearchParams || options.body instanceof FormData) body = options.body;
    else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers["Content-Type"] = "application/json";
    }
    let response: Response;
    try {
      response = await this.fetcher(url, { method, headers, body, signal: options.signal });
    } catch (error) {
      if ((error as Error)?.name === "AbortError") throw error;
      throw new NetworkError(error);
    }
    const text = await response.text();
    let data: unknown = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = text;
      }
    }
    if (!response.ok) {
      const retryAfter = parseRetryAfter(response.headers.get("Retry-After"));
      if (response.status === 429) this.onRateLimited(retryAfter);
      throw new ApiError(response.status, errorDetail(data, response.statusText || `HTTP ${response.status}`), retryAfter);
    }
    const links = parseLinkHeader(response.headers.get("Link"));
    return { items: data as T, next: links.next ?? null, prev: links.prev ?? null };
  }

  async get<T>(path: string, query?: Query): Promise<T> {
    return (await this.request<T>("GET", path, { query })).items;
  }

  async post<T>(path: string, body?: unknown, headers?: Record<string, string>): Promise<T> {
    return (await this.request<T>("POST", path, { body, headers })).items;
  }

  async patch<T>(path: string, body?: unknown): Promise<T> {
    return (await this.request<T>("PATCH", path, { body })).items;
  }

  async delete<T>(path: string): Promise<T> {
    return (await this.request<T>("DELETE", path)).items;
  }

  /** A page of a paginated list: a path with query, or a Link URL from the previous page. */
  page<T>(pathOrUrl: string, query?: Query): Promise<Page<T[]>> {
    return this.request<T[]>("GET", pathOrUrl, { query });
  }
}
