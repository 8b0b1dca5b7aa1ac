// What the web client's browser scripts share (web-client.mjs, web-client-more.mjs): timed steps,
// axe-core checks, sign-up through the client's page, and waiting out a page's requests before
// navigating (a request the test itself aborts would count as a failed one).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

/** Helpers writing into `results` ({steps, axe}) for pages of `origin`. */
export function webSteps(origin, password, results) {
  async function step(name, action) {
    const started = Date.now();
    const value = await action();
    results.steps.push({ name, ms: Date.now() - started, value: value ?? null });
    return value;
  }

  /** axe-core on the page as it is now: every violation, with its impact. */
  async function axe(page, who, label) {
    const loaded = await page.evaluate(() => typeof window.axe !== "undefined");
    if (!loaded) await page.evaluate(axeSource); // through the debugger: the page's CSP allows only its own scripts
    const found = await page.evaluate(async () => {
      const outcome = await window.axe.run(document, { resultTypes: ["violations"] });
      return { passed: outcome.passes.length, violations: outcome.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) })) };
    });
    results.axe.push({ who, page: label, url: page.url(), ...found });
  }

  async function signUp(page, username) {
    await page.goto(`${origin}/`);
    await page.getByRole("link", { name: "Create an account" }).click();
    await page.waitForURL(`${origin}/signup`);
    await page.getByLabel("Username").fill(username);
    await page.getByLabel("E-mail address").fill(`${username}@example.org`);
    await page.getByLabel("Password").fill(password);
    await page.getByLabel("I agree to this server's rules and terms.").check();
    await page.getByRole("button", { name: "Sign up" }).click();
    await page.waitForURL(`${origin}/home`);
    await page.locator(".topbar .me img").waitFor();
  }

  /** Counts a page's requests in flight (a WebSocket is not one): page.settle() waits until none
   * has been in flight for 300 ms (a page may ask for more right after an answer renders: a
   * profile's next page once its first one shows the infinite-scroll sentinel), 10 s at most. */
  function tracked(page) {
    let inFlight = 0;
    page.on("request", () => inFlight++);
    page.on("requestfinished", () => inFlight--);
    page.on("requestfailed", () => inFlight--);
    page.settle = async () => {
      for (let i = 0, quiet = 0; i < 200 && quiet < 6; i++) {
        await page.waitForTimeout(50);
        quiet = inFlight > 0 ? 0 : quiet + 1;
      }
    };
    return page;
  }

  /** The phone layout has no sidebar: pages are reached by their path, as a tab or link would. */
  async function go(page, path) {
    await page.settle();
    await page.goto(`${origin}${path}`);
    await page.locator("#main").waitFor();
  }

  return { step, axe, signUp, tracked, go };
}
