// tests/compat/test_browser_client.py's person: opens the third-party client page (oauth-client/,
// served from another origin than Rookery's), signs in on Rookery's consent page and approves;
// the page does the rest. Config (besides browser.mjs's): page (the page's URL with its query),
// rookery (Rookery's origin), username, password. Emits {"event": "stream-open"} once the page's
// streaming socket is open (the test then posts as another member), then the "done" event with the
// page's window.results.
import { config, emit, pageFailure, run } from "./browser.mjs";

const settings = config();

await run(settings, async ({ page, shot }) => {
  const failed = pageFailure(page);
  await page.goto(settings.page);
  // the page registers its app, signs the member up and sends the browser to the consent page
  await Promise.race([page.waitForURL((url) => url.href.startsWith(`${settings.rookery}/oauth/authorize?`)), failed]);
  await page.getByLabel("E-mail or username").fill(settings.username);
  await page.getByLabel("Password").fill(settings.password);
  await shot("consent-page.png");
  await page.getByRole("button", { name: "Authorize" }).click();
  const pageOrigin = new URL(settings.page).origin;
  await page.waitForURL((url) => url.origin === pageOrigin && !url.searchParams.has("rookery"));
  await Promise.race([page.waitForFunction(() => window.results?.streamOpen), failed]);
  emit({ event: "stream-open" });
  await Promise.race([page.waitForFunction(() => window.results?.done), failed]);
  await shot("client-page.png");
  return page.evaluate(() => window.results);
});
