// A browser page for component tests: a mounted root, fetch answered by the test, quiet
// WebSocket and IntersectionObserver stand-ins.
import { render } from "preact";
import { act } from "preact/test-utils";
import { afterEach, beforeEach, vi } from "vitest";

export const page: { root: HTMLElement } = { root: document.createElement("div") };

/** Let pending fetches and the renders they cause finish. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await act(() => new Promise((resolve) => setTimeout(resolve, 0)));
}

export function usePage(answer: (pathAndQuery: string) => Response, socket: unknown = class { close() {} }): void {
  beforeEach(() => {
    vi.stubGlobal("fetch", async (url: string) => {
      const { pathname, search } = new URL(url);
      return answer(pathname + search);
    });
    vi.stubGlobal("WebSocket", socket);
    vi.stubGlobal("IntersectionObserver", class { observe() {} disconnect() {} });
    window.scrollTo = () => undefined;
    page.root = document.createElement("div");
    document.body.append(page.root);
  });
  afterEach(() => {
    render(null, page.root);
    page.root.remove();
    vi.unstubAllGlobals();
  });
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers });
}
