// Component tests' server: fetch answered from `answers` ("METHOD /path" to a JSON body; 404
// otherwise), every call recorded with its JSON body; a fresh mounted root per test.
import { render } from "preact";
import { act } from "preact/test-utils";
import { afterEach, beforeEach, vi } from "vitest";

export interface ApiDouble {
  root: HTMLElement;
  calls: { method: string; path: string; body: unknown }[];
  answers: Record<string, unknown>;
}

export function useApiDouble(): ApiDouble {
  const double: ApiDouble = { root: document.createElement("div"), calls: [], answers: {} };
  beforeEach(() => {
    double.root = document.createElement("div");
    document.body.append(double.root);
    double.calls = [];
    double.answers = {};
    vi.stubGlobal("fetch", async (url: string, init: RequestInit = {}) => {
      const path = new URL(url).pathname;
      const method = init.method ?? "GET";
      double.calls.push({ method, path, body: typeof init.body === "string" ? JSON.parse(init.body) : null });
      const answer = double.answers[`${method} ${path}`];
      return answer === undefined ? new Response('{"error":"Record not found"}', { status: 404 }) : new Response(JSON.stringify(answer));
    });
  });
  afterEach(() => {
    act(() => render(null, double.root));
    double.root.remove();
    vi.unstubAllGlobals();
  });
  return double;
}

/** A button of the root by its accessible name (aria-label, else its text). */
export function buttonIn(root: HTMLElement, name: string): HTMLButtonElement {
  return [...root.querySelectorAll("button")].find((b) => (b.getAttribute("aria-label") ?? b.textContent) === name)!;
}
