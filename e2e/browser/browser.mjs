// One headless Chromium (Debian's, see e2e/stack/browser.py) for a test's browser script, through
// playwright-core. A script gets its JSON config as argv[2] (at least: chromium, the binary;
// artifacts, a directory for screenshots; timeoutMs, each step's limit; viewport, optional) and
// talks to the test in JSON lines on stdout (emit); open() gives further people their own context. Everything the page logs, throws or fails to
// fetch is collected for the final "done" event, which the test judges.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

export function config() {
  return JSON.parse(process.argv[2]);
}

/** One JSON line to the test. */
export function emit(event) {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

/** Runs drive(session) in one browser context and closes the browser whatever happens; emits
 * {"event": "done", ...} with what drive returned, the browser's version, the console messages,
 * page errors, failed requests and screenshots (and driverError, the URL and a failure.png when
 * driving failed). Exits 0 when drive finished, 1 otherwise. */
export async function run(settings, drive) {
  const timeout = settings.timeoutMs ?? 30000;
  mkdirSync(settings.artifacts, { recursive: true });
  const browser = await chromium.launch({
    executablePath: settings.chromium,
    headless: true,
    // as root (containers, CI) Chromium's sandbox cannot start; the pages are the test's own
    args: process.getuid?.() === 0 ? ["--no-sandbox"] : [],
    timeout,
  });
  const seen = { console: [], pageErrors: [], failedRequests: [], screenshots: [] };
  // another person: a context of its own (own storage), watched like the first; who names them in
  // what was seen
  const open = async ({ viewport, who } = {}) => {
    const context = await browser.newContext({ viewport: viewport ?? settings.viewport ?? { width: 1000, height: 800 } });
    context.setDefaultTimeout(timeout);
    const page = await context.newPage();
    page.on("console", (message) => seen.console.push({ who, type: message.type(), text: message.text(), url: page.url() }));
    page.on("pageerror", (error) => seen.pageErrors.push(`${who ?? ""} ${String(error)}`.trim()));
    page.on("requestfailed", (request) =>
      seen.failedRequests.push({ who, url: request.url(), method: request.method(), failure: request.failure()?.errorText }),
    );
    return { context, page };
  };
  const { context, page } = await open();
  const shot = async (name, of = page) => {
    const path = join(settings.artifacts, name);
    await of.screenshot({ path, fullPage: true });
    seen.screenshots.push(path);
  };
  const outcome = { event: "done" };
  try {
    outcome.results = await drive({ browser, context, page, shot, timeout, open });
  } catch (error) {
    outcome.driverError = String(error?.stack ?? error);
    outcome.url = page.url();
    outcome.results = await page.evaluate(() => window.results).catch(() => undefined);
    await shot("failure.png").catch(() => {});
  } finally {
    await browser.close();
  }
  emit({ ...outcome, version: browser.version(), ...seen });
  process.exit(outcome.driverError ? 1 : 0);
}

/** Rejects as soon as the page sets window.results.error (so a test need not wait out a timeout
 * for a page that already said why it stopped); race it against what the script waits for. */
export function pageFailure(page) {
  const failed = page.waitForFunction(() => window.results?.error, null, { timeout: 0 }).then(async () => {
    throw new Error(`the page failed: ${await page.evaluate(() => window.results.error)}`);
  });
  failed.catch(() => {});
  return failed;
}
