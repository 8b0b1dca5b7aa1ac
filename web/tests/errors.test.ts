import { describe, expect, it } from "vitest";
import { ApiClient } from "../src/api/client";
import { ApiError, NetworkError, describeError, parseRetryAfter } from "../src/api/errors";

function answer(status: number, body: unknown, headers: Record<string, string> = {}): typeof fetch {
  return async () => new Response(body === null ? null : JSON.stringify(body), { status, headers });
}

describe("API errors", () => {
  it("reads Retry-After as seconds or a date", () => {
    expect(parseRetryAfter("30")).toBe(30);
    expect(parseRetryAfter(new Date(1_000_000 + 5_000).toUTCString(), 1_000_000)).toBe(5);
    expect(parseRetryAfter(null)).toBe(null);
    expect(parseRetryAfter("soon")).toBe(null);
  });

  it("turns a 429 into a message with the wait", async () => {
    const api = new ApiClient("http://r.test", () => "tok", answer(429, { error: "Too many requests" }, { "Retry-After": "12" }));
    const error = (await api.get("/api/v1/timelines/home").catch((caught: unknown) => caught)) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.retryAfter).toBe(12);
    expect(describeError(error)).toBe("Too many requests. Try again in 12 s.");
  });

  it("shows the server's reason for a 422, a generic line for 5xx, sign-in for 401", async () => {
    const invalid = new ApiError(422, "Validation failed: Text can't be blank");
    expect(describeError(invalid)).toBe("That was not accepted: Validation failed: Text can't be blank");
    expect(describeError(new ApiError(503, "x"))).toBe("Rookery had a problem (503). Try again in a moment.");
    expect(describeError(new ApiError(401, "The access token is invalid"))).toMatch(/sign in again/);
    expect(describeError(new NetworkError())).toMatch(/could not be reached/);
  });

  it("wraps failed fetches as network errors and sends the bearer token", async () => {
    const offline = new ApiClient("http://r.test", () => null, async () => {
      throw new TypeError("Failed to fetch");
    });
    await expect(offline.get("/api/v1/instance")).rejects.toBeInstanceOf(NetworkError);
    let seen = "";
    const api = new ApiClient("http://r.test", () => "tok", async (_url, init) => {
      seen = new Headers(init?.headers).get("Authorization") ?? "";
      return new Response("[]", { headers: { Link: '<http://r.test/api/v1/timelines/public?max_id=3>; rel="next"' } });
    });
    const page = await api.page("/api/v1/timelines/public", { local: true });
    expect(seen).toBe("Bearer tok");
    expect(page.next).toBe("http://r.test/api/v1/timelines/public?max_id=3");
    expect(page.prev).toBe(null);
  });
});
