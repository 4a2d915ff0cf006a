'use strict';
// Lighthouse 12 (installed on demand in scripts/pages/lighthouse) on the main pages, with
// Lighthouse's default mobile emulation and simulated throttling; signed-in pages get the
// session cookie as an extra header.

const fs = require('fs');
const os = require('os');
const path = require('path');
const { pathToFileURL } = require('url');
const { CHROMIUM, CHROMIUM_ARGS } = require('./axe');

const LH_DIR = path.join(__dirname, '..', 'lighthouse', 'node_modules');
const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'];

/** One Lighthouse run of one page in a fresh Chromium; returns the report (lhr). */
async function once(lighthouse, chromeLauncher, p) {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'page-check-lighthouse-'));
  const chrome = await chromeLauncher.launch({
    chromePath: CHROMIUM,
    chromeFlags: [...CHROMIUM_ARGS.filter((a) => a !== '--headless'), '--headless=new'],
    userDataDir,
    logLevel: 'silent',
  });
  try {
    const flags = { port: chrome.port, output: 'json', logLevel: 'error', onlyCategories: CATEGORIES };
    if (p.cookie) flags.extraHeaders = { Cookie: p.cookie };
    return (await lighthouse(p.url, flags)).lhr;
  } finally {
    await chrome.kill();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
}

const score = (lhr, c) => Math.round((lhr.categories[c].score || 0) * 100);

/** What keeps a report's categories below 100. */
function shortfalls(lhr) {
  const failing = [];
  if (lhr.runtimeError) failing.push(`runtime error: ${lhr.runtimeError.message}`);
  for (const c of CATEGORIES) {
    for (const ref of lhr.categories[c].auditRefs) {
      const a = lhr.audits[ref.id];
      if (ref.weight > 0 && a.score !== null && a.score < 1) {
        const shown = a.displayValue ? `, ${a.displayValue}` : '';
        const items = a.details && a.details.items && a.id === 'errors-in-console'
          ? `: ${a.details.items.map((i) => i.description).join(' | ')}` : '';
        failing.push(`${c}: ${a.id} (${Math.round(a.score * 100)}${shown})${items}`);
      }
    }
  }
  return failing;
}

/**
 * Lighthouse on each page, `runs` times; the run with the median performance score stands for
 * the page (performance varies from run to run, the more so on a busy machine).
 */
async function runLighthouse(pages, log, outDir, runs = 1) {
  const lighthouse = (await import(pathToFileURL(path.join(LH_DIR, 'lighthouse', 'core', 'index.js')).href)).default;
  const chromeLauncher = require(path.join(LH_DIR, 'chrome-launcher'));
  const results = [];
  for (const p of pages) {
    const lhrs = [];
    for (let i = 0; i < runs; i++) lhrs.push(await once(lighthouse, chromeLauncher, p));
    lhrs.sort((a, b) => score(a, 'performance') - score(b, 'performance'));
    const lhr = lhrs[Math.floor((lhrs.length - 1) / 2)];
    fs.writeFileSync(path.join(outDir, `lighthouse-${p.name.replace(/\W+/g, '-')}.json`), JSON.stringify(lhr));
    const scores = Object.fromEntries(CATEGORIES.map((c) => [c, score(lhr, c)]));
    const perfRuns = lhrs.map((l) => score(l, 'performance'));
    results.push({ ...p, scores, perfRuns, failing: shortfalls(lhr) });
    log(`  lighthouse ${p.name}: ${CATEGORIES.map((c) => `${c} ${scores[c]}`).join(', ')}` +
      (runs > 1 ? ` (performance in ${runs} runs: ${perfRuns.join(', ')})` : ''));
  }
  return results;
}

module.exports = { runLighthouse, CATEGORIES };
