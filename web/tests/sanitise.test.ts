// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { sanitiseHtml } from "../src/sanitise";

describe("sanitiseHtml", () => {
  it("removes script elements and keeps the text around them", () => {
    const out = sanitiseHtml("<p>hello <script>alert(1)</script>world</p>");
    expect(out).not.toMatch(/script/i);
    expect(out).toContain("hello");
    expect(out).toContain("world");
  });

  it("removes event handler attributes and disallowed elements", () => {
    const out = sanitiseHtml('<p>pic <img src="x" onerror="alert(1)"> <b onclick="steal()">bold</b></p>');
    expect(out).not.toMatch(/onerror|onclick|<img/i);
    expect(out).toContain("<b>bold</b>");
  });

  it("drops javascript: and data: links but keeps their text", () => {
    const out = sanitiseHtml('<a href="javascript:alert(1)">one</a> <a href="JaVaScRiPt&colon;alert(1)">two</a> <a href="data:text/html,x">three</a>');
    expect(out).not.toMatch(/javascript|data:/i);
    expect(out).toContain("one");
    expect(out).toContain("two");
    expect(out).toContain("three");
  });

  it("keeps mention and hashtag links, opening outside the app safely", () => {
    const out = sanitiseHtml(
      '<p><span class="h-card"><a href="https://r.example/@ana" class="u-url mention evil">@<span>ana</span></a></span> <a href="https://r.example/tags/cats" class="mention hashtag" rel="tag">#cats</a></p>',
    );
    const doc = new DOMParser().parseFromString(out, "text/html");
    const links = [...doc.querySelectorAll("a")];
    expect(links.map((a) => a.getAttribute("href"))).toEqual(["https://r.example/@ana", "https://r.example/tags/cats"]);
    expect(links[0].className).toBe("u-url mention");
    expect(links.every((a) => a.rel === "nofollow noopener noreferrer" && a.target === "_blank")).toBe(true);
  });

  it("leaves escaped markup as text", () => {
    const out = sanitiseHtml("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>");
    expect(out).toBe("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>");
  });

  it("drops style, iframe, svg and form content", () => {
    const out = sanitiseHtml('<style>p{}</style><iframe src="https://x"></iframe><svg onload="x()"></svg><form><input></form><p style="color:red">ok</p>');
    expect(out).toBe("<p>ok</p>");
  });
});
