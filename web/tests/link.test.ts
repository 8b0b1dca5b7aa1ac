import { describe, expect, it } from "vitest";
import { parseLinkHeader } from "../src/api/link";

describe("Link header", () => {
  it("reads next and prev as Mastodon sends them", () => {
    const header =
      '<https://r.example/api/v1/timelines/home?max_id=109>; rel="next", ' +
      '<https://r.example/api/v1/timelines/home?min_id=120>; rel="prev"';
    expect(parseLinkHeader(header)).toEqual({
      next: "https://r.example/api/v1/timelines/home?max_id=109",
      prev: "https://r.example/api/v1/timelines/home?min_id=120",
    });
  });

  it("is empty without a header", () => {
    expect(parseLinkHeader(null)).toEqual({});
    expect(parseLinkHeader("")).toEqual({});
  });

  it("copes with commas inside URLs, unquoted and multiple rels, extra params", () => {
    const header = '<https://r.example/a?ids=1,2>; title="x, y"; rel=next, <https://r.example/b>; rel="prev last"';
    expect(parseLinkHeader(header)).toEqual({
      next: "https://r.example/a?ids=1,2",
      prev: "https://r.example/b",
      last: "https://r.example/b",
    });
  });

  it("keeps the first of two links with the same rel and ignores entries without rel", () => {
    expect(parseLinkHeader('<https://a>; rel="next", <https://b>; rel="NEXT", <https://c>')).toEqual({
      next: "https://a",
    });
  });
});
