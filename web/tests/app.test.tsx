// @vitest-environment jsdom
import { render } from "preact";
import { act } from "preact/test-utils";
import { beforeEach, describe, expect, it } from "vitest";
import { App } from "../src/app";
import { navigate } from "../src/router";
import { json, page, settle, usePage } from "./dom";
import { status } from "./fixtures";

let answers: Record<string, () => Response>;
beforeEach(() => {
  localStorage.clear();
  answers = {
    "/api/v1/timelines/public": () => json([status("5")]),
    "/api/v1/accounts/verify_credentials": () => json({ error: "The access token is invalid" }, 401),
  };
});
usePage((pathAndQuery) => answers[new URL(pathAndQuery, "http://x").pathname]?.() ?? json({}, 404));
const root = () => page.root;

function show(path: string) {
  history.replaceState(null, "", path);
  act(() => render(<App />, root()));
}

const navLabels = () => [...root().querySelectorAll("nav a")].map((a) => a.textContent);

describe("App", () => {
  it("welcomes a visitor with sign-in, sign-up and the public timeline, and only public pages in the menu", async () => {
    show("/");
    await settle();
    expect(root().querySelector("h1")!.textContent).toBe("Welcome to Rookery");
    expect([...root().querySelectorAll(".welcome-actions > *")].map((node) => node.textContent)).toEqual([
      "Sign in",
      "Create an account",
      "Browse public posts",
    ]);
    expect(navLabels()).toEqual(["Local", "Federated", "Search", "Explore"]);
    expect(document.title).toBe("Rookery");
  });

  it("shows the public timeline to a visitor and sends member pages back to the welcome page", async () => {
    show("/public");
    await settle();
    expect(document.title).toBe("Federated timeline · Rookery");
    expect(root().querySelectorAll(".status")).toHaveLength(1);
    expect(root().querySelector(".compose")).toBeNull();
    act(() => navigate("/home"));
    await settle();
    expect(location.pathname).toBe("/");
  });

  it("signs out locally when the server says the token is no longer valid", async () => {
    localStorage.setItem("rookery.token", "stale");
    show("/public");
    await settle();
    expect(localStorage.getItem("rookery.token")).toBeNull();
    expect(navLabels()).not.toContain("Home");
  });

  it("answers unknown paths with a not-found page", async () => {
    show("/nowhere");
    await settle();
    expect(root().querySelector("h1")!.textContent).toBe("Page not found");
  });
});
