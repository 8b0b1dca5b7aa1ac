import { describe, expect, it } from "vitest";
import { isClientPath, matchRoute, paths } from "../src/router";

describe("router", () => {
  it("matches every page", () => {
    expect(matchRoute("/")).toEqual({ name: "welcome" });
    expect(matchRoute("/home/")).toEqual({ name: "home" });
    expect(matchRoute("/signup").name).toBe("signup");
    expect(matchRoute("/local").name).toBe("local");
    expect(matchRoute("/public").name).toBe("public");
    expect(matchRoute("/notifications").name).toBe("notifications");
    expect(matchRoute("/chats").name).toBe("chats");
    expect(matchRoute("/bookmarks").name).toBe("bookmarks");
    expect(matchRoute("/favourites").name).toBe("favourites");
    expect(matchRoute("/chats/77")).toEqual({ name: "chat", id: "77" });
    expect(matchRoute(paths.chat("78"))).toEqual({ name: "chat", id: "78" });
    expect(matchRoute("/settings").name).toBe("settings");
    expect(matchRoute("/follow_requests").name).toBe("followRequests");
    expect(matchRoute("/lists").name).toBe("lists");
    expect(matchRoute(paths.list("12"))).toEqual({ name: "list", id: "12" });
    expect(matchRoute("/conversations").name).toBe("conversations");
    expect(matchRoute("/explore")).toEqual({ name: "explore", tab: "tags" });
    expect(matchRoute("/explore/links")).toEqual({ name: "explore", tab: "links" });
    expect(matchRoute("/@ana")).toEqual({ name: "profile", acct: "ana" });
    expect(matchRoute("/@ana@other.example/1234")).toEqual({ name: "status", acct: "ana@other.example", id: "1234" });
    expect(matchRoute("/tags/caf%C3%A9")).toEqual({ name: "tag", tag: "café" });
    expect(matchRoute("/search", "?q=cats")).toEqual({ name: "search", q: "cats" });
    expect(matchRoute("/oauth-callback", "?code=abc&state=s")).toEqual({ name: "oauthCallback", code: "abc", state: "s", error: null });
  });

  it("answers notFound for anything else", () => {
    for (const path of ["/nope", "/@", "/@ana/notanid", "/tags/", "/tags/%E0%A4%A", "/@ana/1/2", "/chats/x", "/lists/x", "/explore/other"]) {
      expect(matchRoute(path).name).toBe("notFound");
    }
  });

  it("builds paths that match back", () => {
    expect(matchRoute(paths.status("ana@other.example", "9"))).toEqual({ name: "status", acct: "ana@other.example", id: "9" });
    expect(matchRoute(paths.tag("café"))).toEqual({ name: "tag", tag: "café" });
  });

  it("leaves server paths to the server", () => {
    expect(isClientPath("/api/v1/timelines/home")).toBe(false);
    expect(isClientPath("/oauth/authorize")).toBe(false);
    expect(isClientPath("/system/media/1/a.png")).toBe(false);
    expect(isClientPath("/oauth-callback")).toBe(true);
    expect(isClientPath("/@ana")).toBe(true);
  });
});
