// Opens a survgraph viz page in Debian's Chromium (playwright-core, never a downloaded browser), runs a
// list of steps with real mouse and keyboard input, and prints one JSON report on stdout for the Python
// tests and the benchmark to assert on.
//
//   node viz-driver.mjs SCRIPT.json      (or the script on stdin)
//
// Script: {"url": "...", "steps": [{"do": "state"}, {"do": "toggleKind", "kind": "Vendor"}, ...],
//          "viewport": {"width": 1400, "height": 900}, "timeoutMs": 120000}
// Steps: state, fit, toggleKind, toggleType, togglePaths, clickPath, search, click (node), clickEdge,
//        clickBackground, hover (node), hoverEdge, screenshot (path), reload, setYear (year, or "all": moves
//        the time slider with the keyboard), toggleUnconnected. A step with "shown": true also reports the
//        ids of the entities and claims on show.
import { readFileSync } from "node:fs";
import { chromium } from "playwright-core";
import { ARGS, CHROMIUM, isLocal } from "./chromium.mjs";

const report = { console: [], pageErrors: [], requests: [], blocked: [], dialogs: [], csp: [], steps: [] };
let browser = null;

async function main() {
  const arg = process.argv[2];
  const script = JSON.parse(arg ? readFileSync(arg, "utf8") : readFileSync(0, "utf8"));
  const timeout = script.timeoutMs ?? 120000;

  const t0 = Date.now();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    timeout,
  });
  // A fresh, empty profile per run: Playwright launches with its own temporary user-data-dir.
  const context = await browser.newContext({ viewport: script.viewport ?? { width: 1400, height: 900 } });
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (isLocal(url)) return route.continue();
    report.blocked.push(url);
    return route.abort("blockedbyclient");
  });
  const page = await context.newPage();
  page.setDefaultTimeout(timeout);
  page.on("console", (msg) => report.console.push({ type: msg.type(), text: msg.text() }));
  page.on("pageerror", (err) => report.pageErrors.push(String(err)));
  page.on("request", (req) => report.requests.push(req.url()));
  page.on("dialog", async (dialog) => {
    report.dialogs.push({ type: dialog.type(), message: dialog.message() });
    await dialog.dismiss();
  });
  report.launchMs = Date.now() - t0;

  const waitReady = async () => {
    await page.waitForFunction(() => window.survgraphViz && window.survgraphViz.ready === true, null, { timeout });
  };
  const nextFrame = () =>
    page.evaluate(
      () =>
        new Promise((resolve) => {
          const net = window.survgraphViz.network;
          net.once("afterDrawing", () => resolve(null));
          net.redraw();
        }),
    );
  const state = () => page.evaluate(() => window.survgraphViz.state());
  const box = async () => page.locator("#network").boundingBox();
  // A point of the canvas where the network itself reports the node (or edge): on a crowded page the
  // centre of a node may lie under a neighbour's label or another node.
  const nodePoint = async (id) => {
    const b = await box();
    const p = await page.evaluate((nid) => {
      const net = window.survgraphViz.network;
      const bb = net.getBoundingBox(nid);
      const centre = net.getPosition(nid);
      const tries = [[0.5, 0.5], [0.3, 0.5], [0.7, 0.5], [0.5, 0.3], [0.5, 0.7], [0.3, 0.3], [0.7, 0.7]];
      for (const [fx, fy] of tries) {
        const c = { x: bb.left + fx * (bb.right - bb.left), y: bb.top + fy * (bb.bottom - bb.top) };
        const dom = net.canvasToDOM(c);
        if (net.getNodeAt(dom) === nid) return dom;
      }
      return net.canvasToDOM(centre);
    }, id);
    return { x: b.x + p.x, y: b.y + p.y };
  };
  const edgePoint = async (id) => {
    const b = await box();
    const p = await page.evaluate((eid) => {
      const net = window.survgraphViz.network;
      const edge = net.body.edges[eid];
      const from = net.getPosition(edge.fromId);
      const to = net.getPosition(edge.toId);
      for (const t of [0.5, 0.4, 0.6, 0.3, 0.7]) {
        const c = edge.edgeType && edge.edgeType.getPoint
          ? edge.edgeType.getPoint(t)
          : { x: from.x + t * (to.x - from.x), y: from.y + t * (to.y - from.y) };
        const dom = net.canvasToDOM(c);
        if (net.getNodeAt(dom) === undefined && net.getEdgeAt(dom) === eid) return dom;
      }
      return window.survgraphViz.edgeMidpoint(eid);
    }, id);
    return { x: b.x + p.x, y: b.y + p.y };
  };

  const tNav = Date.now();
  await page.goto(script.url, { waitUntil: "load", timeout });
  report.loadMs = Date.now() - tNav;
  await waitReady();
  report.readyMs = Date.now() - tNav;
  report.readyAtMs = await page.evaluate(() => window.survgraphViz.readyAt ?? null);
  report.title = await page.title();

  for (const step of script.steps ?? []) {
    const started = Date.now();
    const out = { do: step.do };
    switch (step.do) {
      case "state":
        break;
      case "fit":
        await page.evaluate(() => window.survgraphViz.network.fit({ animation: false }));
        break;
      case "toggleKind":
        await page.locator(`#kinds input[data-kind="${step.kind}"]`).click();
        break;
      case "toggleType":
        await page.locator(`#types input[data-type="${step.type}"]`).click();
        break;
      case "togglePaths":
        await page.locator("#paths-toggle").click();
        break;
      case "clickPath":
        await page.locator(`#paths button[data-path="${step.index}"]`).click();
        break;
      case "search":
        await page.locator("#search-input").fill(step.text);
        await page.keyboard.press("Enter");
        out.status = await page.locator("#search-status").textContent();
        out.focused = await page.evaluate(() => window.survgraphViz.focused ?? null);
        break;
      case "click": {
        const p = await nodePoint(step.node);
        await page.mouse.click(p.x, p.y);
        break;
      }
      case "clickEdge": {
        const p = await edgePoint(step.edge);
        await page.mouse.click(p.x, p.y);
        break;
      }
      case "clickBackground": {
        const b = await box();
        await page.mouse.click(b.x + 5, b.y + 5);
        break;
      }
      case "hover": {
        const p = await nodePoint(step.node);
        await page.mouse.move(p.x - 3, p.y - 3);
        await page.mouse.move(p.x, p.y, { steps: 3 });
        await page.waitForFunction(() => window.survgraphViz.state().tooltip !== null, null, { timeout: 5000 });
        break;
      }
      case "hoverEdge": {
        const p = await edgePoint(step.edge);
        await page.mouse.move(p.x - 3, p.y - 3);
        await page.mouse.move(p.x, p.y, { steps: 3 });
        await page.waitForFunction(() => window.survgraphViz.state().tooltip !== null, null, { timeout: 5000 });
        break;
      }
      case "screenshot":
        await page.mouse.move(1, 1);
        await page.screenshot({ path: step.path, fullPage: false });
        break;
      case "setYear": {
        // Like a person: focus the slider, then arrow keys to the position (Home: the first year).
        const slider = page.locator("#time-slider");
        const { min, max } = await slider.evaluate((el) => ({ min: Number(el.min), max: Number(el.max) }));
        const years = await page.evaluate(() => window.survgraphViz.data.years);
        const target = step.year === "all" ? max : step.year - years[0];
        if (target < min || target > max) throw new Error(`year ${step.year} is not on the slider`);
        await slider.focus();
        await page.keyboard.press("Home");
        for (let i = 0; i < target; i++) await page.keyboard.press("ArrowRight");
        out.label = await page.locator("#time-label").textContent();
        break;
      }
      case "toggleUnconnected":
        await page.locator("#unconnected-toggle").click();
        break;
      case "reload":
        await page.reload({ waitUntil: "load" });
        await waitReady();
        break;
      default:
        throw new Error(`unknown step ${step.do}`);
    }
    await nextFrame();
    out.ms = Date.now() - started;
    out.state = await state();
    if (step.shown) out.shown = await page.evaluate(() => window.survgraphViz.shown());
    report.steps.push(out);
  }

  report.dom = await page.evaluate(() => ({
    images: document.images.length,
    scripts: document.scripts.length,
    externalScripts: Array.from(document.scripts).filter((s) => s.src).length,
    stylesheets: document.querySelectorAll("link").length,
    iframes: document.querySelectorAll("iframe, object, embed").length,
    pwned: window.__pwned === true,
    // Every link's resolved href (a javascript: or data: one would be a hole).
    links: Array.from(document.querySelectorAll("a[href]")).map((a) => a.href),
  }));
  report.csp = report.console.filter((m) => /Content Security Policy/i.test(m.text)).map((m) => m.text);
  await browser.close();
  report.totalMs = Date.now() - t0;
  process.stdout.write(JSON.stringify(report) + "\n");
}

main().catch(async (err) => {
  report.fatal = String(err && err.stack ? err.stack : err);
  process.stdout.write(JSON.stringify(report) + "\n");
  if (browser) await browser.close().catch(() => {});
  process.exit(1);
});
