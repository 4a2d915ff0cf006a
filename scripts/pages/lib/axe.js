'use strict';
// axe-core inside Debian's Chromium, at desktop and phone widths. Each page is shown exactly as
// the crawl saved it (same bytes, same headers, Content-Security-Policy included): the browser
// asks the server for it and gets the saved answer, so pages reached by a POST (a form with
// errors) are checked too; the stylesheet comes from the running server.

const fs = require('fs');
const os = require('os');
const path = require('path');

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
const WIDTHS = [1280, 390];
// axe's default rules (WCAG 2.0/2.1 A and AA, best practices) and, as Lighthouse does, WCAG 2.2's
// target size (2.5.8), which axe leaves off by default.
const AXE_OPTIONS = { resultTypes: ['violations'], rules: { 'target-size': { enabled: true } } };

async function launch() {
  const { chromium } = require('playwright-core');
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'page-check-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  return { context, userDataDir };
}

/** One browser tab working through the shared queue: each page is loaded once, then checked at each width. */
async function worker(browserContext, queue, axeSource, onResult) {
  const page = await browserContext.newPage();
  let current = null;
  await page.route('**/*', async (route) => {
    const req = route.request();
    if (current && req.isNavigationRequest() && req.url() === current.url) {
      const headers = { ...current.headers };
      for (const h of ['content-length', 'content-encoding', 'transfer-encoding', 'date', 'set-cookie']) delete headers[h];
      await route.fulfill({ status: current.status, headers, body: fs.readFileSync(current.file) });
    } else {
      await route.continue();
    }
  });
  for (let t = queue.shift(); t; t = queue.shift()) {
    current = t;
    await page.setViewportSize({ width: WIDTHS[0], height: 900 });
    await page.goto(t.url, { waitUntil: 'load' });
    await page.evaluate(axeSource);
    for (const width of WIDTHS) {
      const started = Date.now();
      await page.setViewportSize({ width, height: 900 });
      const r = await page.evaluate((o) => window.axe.run(document, o), AXE_OPTIONS);
      onResult(t, width, r.violations, Date.now() - started);
    }
  }
  await page.close();
}

/** A page with known faults must get violations: proof that axe really ran under the CSP. */
async function selfTest(browserContext, axeSource) {
  const page = await browserContext.newPage();
  await page.setContent('<!DOCTYPE html><html><head><title>t</title></head><body><img src="data:,"></body></html>');
  await page.evaluate(axeSource);
  const r = await page.evaluate((o) => window.axe.run(document, o), AXE_OPTIONS);
  await page.close();
  const ids = r.violations.map((v) => v.id);
  if (!ids.includes('image-alt') || !ids.includes('html-has-lang')) {
    throw new Error(`axe self-test: a faulty page gave ${JSON.stringify(ids)}, not image-alt and html-has-lang`);
  }
}

/** Runs axe on each target at each width, two tabs at a time; reports through onResult. */
async function runAxe(targets, onResult) {
  const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  const { context, userDataDir } = await launch();
  const queue = [...targets];
  try {
    await selfTest(context, axeSource);
    await Promise.all([1, 2].map(() => worker(context, queue, axeSource, onResult)));
  } finally {
    await context.close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
}

module.exports = { runAxe, WIDTHS, CHROMIUM, CHROMIUM_ARGS };
