// Drives Debian's headless chromium through playwright-core for tests/compat/test_browser_client.py:
// a person opens the third-party client page (served from another origin), signs in on Rookery's
// consent page and approves; the page does the rest (oauth-client/client.js).
//
// node run.mjs '<json config>'; config: chromium (binary), page (the client page's URL with its
// query), rookery (Rookery's origin), username, password, artifacts (directory for screenshots),
// timeoutMs. Prints one JSON object a line on stdout: {"event": "stream-open"} once the page's
// streaming socket is open (the test then posts as another member), and {"event": "done", ...}
// with the page's results, the console messages, page errors and failed requests. Exits 0 when the
// browser ran to the end (the test judges the results), 1 when driving it failed.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

const config = JSON.parse(process.argv[2]);
const emit = (event) => process.stdout.write(`${JSON.stringify(event)}\n`);
const timeout = config.timeoutMs ?? 30000;
mkdirSync(config.artifacts, { recursive: true });

const browser = await chromium.launch({
  executablePath: config.chromium,
  headless: true,
  // as root (containers, CI) Chromium's sandbox cannot start; the page is our own
  args: process.getuid?.() === 0 ? ["--no-sandbox"] : [],
  timeout,
});
const console_ = [];
const pageErrors = [];
const failedRequests = [];
const screenshots = [];
let outcome = { event: "done" };
try {
  const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
  context.setDefaultTimeout(timeout);
  const page = await context.newPage();
  page.on("console", (message) => console_.push({ type: message.type(), text: message.text(), url: page.url() }));
  page.on("pageerror", (error) => pageErrors.push(String(error)));
  page.on("requestfailed", (request) =>
    failedRequests.push({ url: request.url(), method: request.method(), failure: request.failure()?.errorText }),
  );
  const shot = async (name) => {
    const path = join(config.artifacts, name);
    await page.screenshot({ path, fullPage: true });
    screenshots.push(path);
  };

  await page.goto(config.page);
  // the page registers its app, signs the member up and sends the browser to the consent page
  // (or says why not: then no need to wait out the timeout)
  const failed = page.waitForFunction(() => window.results?.error).then(async () => {
    throw new Error(`the page failed: ${await page.evaluate(() => window.results.error)}`);
  });
  failed.catch(() => {});
  await Promise.race([page.waitForURL((url) => url.href.startsWith(`${config.rookery}/oauth/authorize?`)), failed]);
  await page.getByLabel("E-mail or username").fill(config.username);
  await page.getByLabel("Password").fill(config.password);
  await shot("consent-page.png");
  await page.getByRole("button", { name: "Authorize" }).click();
  const pageOrigin = new URL(config.page).origin;
  await page.waitForURL((url) => url.origin === pageOrigin && !url.searchParams.has("rookery"));
  await page.waitForFunction(() => window.results?.streamOpen || window.results?.error);
  if (await page.evaluate(() => window.results.streamOpen)) {
    emit({ event: "stream-open" });
    await page.waitForFunction(() => window.results?.done || window.results?.error);
  }
  await shot("client-page.png");
  outcome.results = await page.evaluate(() => window.results);
  await context.close();
} catch (error) {
  outcome.driverError = String(error?.stack ?? error);
  const page = browser.contexts()[0]?.pages()[0];
  if (page) {
    outcome.url = page.url();
    outcome.results = await page.evaluate(() => window.results).catch(() => undefined);
    const path = join(config.artifacts, "failure.png");
    if (await page.screenshot({ path, fullPage: true }).then(() => true, () => false)) screenshots.push(path);
  }
} finally {
  await browser.close();
}
emit({ ...outcome, version: browser.version(), console: console_, pageErrors, failedRequests, screenshots });
process.exit(outcome.driverError ? 1 : 0);
