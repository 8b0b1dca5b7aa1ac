// bench/web_client.py's reader: signs in on the consent page (PKCE), then opens the home timeline
// `runs` times in a fresh page, each time measuring from the navigation's start to the first post
// on screen (the timeline's first meaningful paint) and the browser's first contentful paint.
// Config (besides browser.mjs's): origin, username, password, runs.
import { config, run } from "./browser.mjs";

const settings = config();
const { origin } = settings;

await run({ ...settings, viewport: { width: 1280, height: 800 } }, async ({ context, page }) => {
  await page.goto(`${origin}/`);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((url) => url.pathname === "/oauth/authorize");
  await page.getByLabel("E-mail or username").fill(settings.username);
  await page.getByLabel("Password").fill(settings.password);
  await page.getByRole("button", { name: "Authorize" }).click();
  await page.waitForURL(`${origin}/home`);
  await page.locator(".status").first().waitFor();
  const samples = [];
  for (let i = 0; i < settings.runs; i++) {
    const fresh = await context.newPage(); // cold JS heap; the HTTP cache keeps the hashed assets, as a returning visitor's
    await fresh.addInitScript(() => {
      new MutationObserver((_, observer) => {
        if (document.querySelector(".status")) {
          window.__timelinePaint = performance.now();
          observer.disconnect();
        }
      }).observe(document, { childList: true, subtree: true });
    });
    await fresh.goto(`${origin}/home`);
    await fresh.locator(".status").first().waitFor();
    await fresh.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => resolve(null))));
    samples.push(
      await fresh.evaluate(() => ({
        timelineMs: window.__timelinePaint,
        firstContentfulPaintMs: performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? null,
        posts: document.querySelectorAll(".status").length,
      })),
    );
    await fresh.close();
  }
  return { samples };
});
