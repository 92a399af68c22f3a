// Opens any page in Debian's Chromium (playwright-core), waits for a CSS selector, and prints one JSON
// report: every request, what was blocked for leaving the machine, console messages, page errors and the
// text of the selector. Used to check that pages such as /docs render offline.
//
//   node page-driver.mjs '{"url": "...", "selector": "...", "timeoutMs": 60000}'
import { chromium } from "playwright-core";
import { ARGS, CHROMIUM, isLocal } from "./chromium.mjs";

// requests: every request the page made; failed: those that never got an answer, with the browser's reason
// (a request that the page's Content-Security-Policy stops fails with the reason "csp" and never
// reaches the network); blocked: requests that reached the network layer for another host (must be none).
const report = { requests: [], failed: [], blocked: [], console: [], pageErrors: [], text: null };
let browser = null;

async function main() {
  const script = JSON.parse(process.argv[2]);
  const timeout = script.timeoutMs ?? 60000;
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS, timeout });
  const context = await browser.newContext();
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (isLocal(url)) return route.continue();
    report.blocked.push(url);
    return route.abort("blockedbyclient");
  });
  const page = await context.newPage();
  page.on("console", (msg) => report.console.push({ type: msg.type(), text: msg.text() }));
  page.on("pageerror", (err) => report.pageErrors.push(String(err)));
  page.on("request", (req) => report.requests.push(req.url()));
  page.on("requestfailed", (req) => report.failed.push({ url: req.url(), error: req.failure()?.errorText ?? "" }));
  await page.goto(script.url, { waitUntil: "load", timeout });
  const el = await page.waitForSelector(script.selector, { timeout });
  report.text = await el.innerText();
  await page.waitForLoadState("networkidle", { timeout });
  await browser.close();
  process.stdout.write(JSON.stringify(report) + "\n");
}

main().catch(async (err) => {
  report.fatal = String(err && err.stack ? err.stack : err);
  process.stdout.write(JSON.stringify(report) + "\n");
  if (browser) await browser.close().catch(() => {});
  process.exit(1);
});
