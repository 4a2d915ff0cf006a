'use strict';
// Page checks for a running demo portal (scripts/check-pages.sh starts one and calls this):
//   node check.js --base http://127.0.0.1:PORT --out DIR --seed seeds/x.toml
//                 [--lighthouse | --lighthouse-only] [--lighthouse-runs N]
// Crawls every page kind as every role, runs the Nu HTML Checker over all saved pages and axe-core
// over each distinct page kind at two widths, prints a summary and exits 1 on any vnu error, any
// axe violation or any page kind no longer reached.

const fs = require('fs');
const path = require('path');
const { Crawl, ROLES } = require('./lib/crawl');
const { REQUIRED } = require('./lib/kinds');
const { runVnu } = require('./lib/vnu');
const { runAxe, WIDTHS } = require('./lib/axe');

function args() {
  const a = { lighthouse: false, checks: true, runs: 1 };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (k === '--lighthouse') a.lighthouse = true;
    else if (k === '--lighthouse-only') Object.assign(a, { lighthouse: true, checks: false });
    else if (k === '--lighthouse-runs') a.runs = Math.max(1, parseInt(argv[++i], 10) || 1);
    else if (['--base', '--out', '--seed'].includes(k)) a[k.slice(2)] = argv[++i];
    else throw new Error(`unknown argument ${k}`);
  }
  for (const k of ['base', 'out', 'seed']) if (!a[k]) throw new Error(`--${k} is required`);
  return a;
}

const t0 = Date.now();
const secs = () => ((Date.now() - t0) / 1000).toFixed(1) + 's';
const log = (...m) => console.log(...m);

function pad(s, n) {
  s = String(s);
  // The labels are ASCII, so characters and columns agree.
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

/**
 * Pages that look alike to axe: the same kind, the same POST forms (whatever item or id they act
 * on; the header's logout form aside, so a public page is checked once, not once per role), and
 * for reports, whether the form asks for an indicator value.
 */
function axeSignature(p) {
  const forms = p.forms
    .filter((f) => f !== '/logout')
    .map((f) => f.replace(/\/[a-z]+-\{n\}(-\{n\})?(?=\/|$)/g, '/{item}'));
  const value = /id="measured_value"/.test(fs.readFileSync(p.file, 'utf8')) ? ' +value' : '';
  return `${p.kind} | ${[...new Set(forms)].sort().join(',')}${value}`;
}

async function main() {
  const opt = args();
  // The output folder is emptied first, but only if it is one of ours (or empty).
  if (fs.existsSync(opt.out) && fs.readdirSync(opt.out).length && !fs.existsSync(path.join(opt.out, 'pages.json'))) {
    throw new Error(`${opt.out} is not empty and holds no pages.json: not a page-check folder, not emptying it`);
  }
  fs.rmSync(opt.out, { recursive: true, force: true });
  fs.mkdirSync(opt.out, { recursive: true });

  // 1. Crawl.
  const crawl = new Crawl(opt.base, opt.out, log);
  fs.writeFileSync(path.join(opt.out, 'pages.json'), '[]\n');
  const counts = await crawl.run(opt.seed);
  const pages = crawl.pages;
  log(`[${secs()}] crawled: ${pages.length} pages saved (${ROLES.map((r) => `${r.short} ${counts[r.role]}`).join(', ')} fetched)`);

  // 2. vnu over every saved page and the stylesheet.
  const cssFile = path.join(opt.out, 'style.css');
  const css = await fetch(new URL('/static/style.css', opt.base));
  fs.writeFileSync(cssFile, await css.text());
  const vnuErrors = opt.checks ? runVnu(pages.map((p) => p.file), [cssFile], opt.out) : [];
  const byFile = new Map(pages.map((p) => [path.resolve(p.file), p]));
  for (const e of vnuErrors) e.page = byFile.get(path.resolve(e.file)) || null;
  if (opt.checks) log(`[${secs()}] vnu: ${vnuErrors.length} errors in ${pages.length} pages + style.css`);

  // 3. axe on each distinct page kind (kind + the POST forms it shows) at each width.
  const targets = [];
  const sigs = new Set();
  for (const p of pages) {
    const sig = axeSignature(p);
    if (sigs.has(sig)) continue;
    sigs.add(sig);
    targets.push(p);
  }
  const axeFound = [];
  const times = [];
  if (opt.checks) await runAxe(targets, (t, width, violations, ms) => {
    times.push(`${String(ms).padStart(6)} ms  ${width}px  ${t.kind} as ${t.role} ${t.path}`);
    for (const v of violations) axeFound.push({ page: t, width, v });
  });
  fs.writeFileSync(path.join(opt.out, 'axe-times.txt'), times.sort().reverse().join('\n') + '\n');
  if (opt.checks) log(`[${secs()}] axe: ${axeFound.length} violations in ${targets.length} distinct pages × ${WIDTHS.length} widths`);

  // 4. Summary: kind × role.
  const kinds = [...new Set([...REQUIRED, ...pages.map((p) => p.kind)])];
  const seenKinds = new Set(pages.map((p) => p.kind));
  const cols = ROLES.map((r) => r.short);
  const W = Math.max(...kinds.map((k) => k.length)) + 1;
  const lines = [];
  lines.push(pad('page kind', W) + cols.map((c) => pad(c, 7)).join('') + pad('vnu', 5) + 'axe');
  for (const k of kinds) {
    const row = ROLES.map((r) => {
      const ps = pages.filter((p) => p.kind === k && p.role === r.role);
      return pad(ps.length ? [...new Set(ps.map((p) => p.status))].join('/') : '·', 7);
    });
    const v = vnuErrors.filter((e) => e.page && e.page.kind === k).length;
    const x = axeFound.filter((f) => f.page.kind === k).length;
    const checked = opt.checks && targets.some((t) => t.kind === k);
    lines.push(pad(k, W) + row.join('') + pad(opt.checks && seenKinds.has(k) ? v : '-', 5) + (checked ? x : '-'));
  }
  log('\nEach cell: the HTTP status of the pages of that kind fetched as that role (· = not reached).');
  log('vnu: errors over all pages of the kind; axe: violations at ' + WIDTHS.join(' and ') + ' px wide.\n');
  log(lines.join('\n'));
  fs.writeFileSync(path.join(opt.out, 'summary.txt'), lines.join('\n') + '\n');
  fs.writeFileSync(path.join(opt.out, 'pages.json'), JSON.stringify(pages.map(({ headers, ...p }) => p), null, 1));

  // 5. Details.
  let failed = false;
  const missing = REQUIRED.filter((k) => !seenKinds.has(k));
  if (missing.length) {
    failed = true;
    log(`\nNOT REACHED (${missing.length}): ${missing.join('; ')}`);
    log('  The crawl no longer finds these page kinds: fix the crawl (scripts/pages/lib/crawl.js) or the portal.');
  }
  // A title is plain text: markup there (a form rendered into <title>) is a template bug that
  // vnu accepts, since the element's content is text.
  const badTitles = pages.filter((p) => {
    const m = /<title>([\s\S]*?)<\/title>/.exec(fs.readFileSync(p.file, 'utf8'));
    return !m || /[<>]/.test(m[1]) || m[1].length > 300;
  });
  if (badTitles.length) {
    failed = true;
    log(`\nTitles with markup or none (${badTitles.length}):`);
    for (const p of badTitles.slice(0, 20)) log(`  ${p.kind} as ${p.role} ${p.path}`);
  }
  if (vnuErrors.length) {
    failed = true;
    log(`\nNu HTML Checker errors (${vnuErrors.length}):`);
    for (const e of vnuErrors.slice(0, 60)) {
      const where = e.page ? `${e.page.kind} as ${e.page.role} ${e.page.path}` : path.basename(e.file);
      log(`  ${where}:${e.line || '?'}: ${e.message}${e.extract ? `\n      ${JSON.stringify(e.extract.trim().slice(0, 160))}` : ''}`);
    }
    if (vnuErrors.length > 60) log(`  … and ${vnuErrors.length - 60} more`);
  }
  if (axeFound.length) {
    failed = true;
    log(`\naxe violations (${axeFound.length}):`);
    for (const { page: p, width, v } of axeFound) {
      log(`  ${p.kind} as ${p.role} ${p.path} @${width}px: ${v.id} (${v.impact}) × ${v.nodes.length}: ${v.help}`);
      for (const n of v.nodes.slice(0, 3)) {
        log(`      ${n.target.join(' ')}  ${(n.failureSummary || '').replace(/\s+/g, ' ').slice(0, 220)}`);
      }
    }
  }

  // 6. Lighthouse, when asked for.
  if (opt.lighthouse) {
    const { runLighthouse, CATEGORIES } = require('./lib/lighthouse');
    const cookieOf = (role) => crawl.cookies.get(role) || '';
    const pick = (kind, role) => pages.find((p) => p.kind === kind && p.role === role && !p.extra);
    const main = [
      ['login', 'login', 'anonymous'],
      ['home', 'home (plan overview)', 'anonymous'],
      ['plan overview', 'plan overview', 'anonymous'],
      ['item page', 'item: task', 'anonymous'],
      ['to-do', 'to-do', 'reporter'],
      ['report page', 'report (editable)', 'reporter'],
      ['dashboard', 'dashboard', 'supervisor'],
    ].map(([name, kind, role]) => {
      const p = pick(kind, role);
      if (!p) throw new Error(`no ${kind} page as ${role} for Lighthouse`);
      return { name, url: p.url, role, cookie: role === 'anonymous' ? '' : cookieOf(role) };
    });
    log(`\n[${secs()}] Lighthouse 12 (mobile emulation, simulated throttling) on ${main.length} pages` +
      (opt.runs > 1 ? `, median of ${opt.runs} runs each:` : ':'));
    const lh = await runLighthouse(main, log, opt.out, opt.runs);
    const LW = Math.max(...lh.map((r) => r.name.length)) + 2;
    log('\n' + pad('page', LW) + pad('role', 12) + CATEGORIES.map((c) => pad(c, 16)).join(''));
    for (const r of lh) log(pad(r.name, LW) + pad(r.role, 12) + CATEGORIES.map((c) => pad(r.scores[c], 16)).join(''));
    for (const r of lh) if (r.failing.length) log(`  ${r.name}: below 100: ${r.failing.join('; ')}`);
  }

  log(`\n[${secs()}] ${failed ? 'FAILED' : 'OK'}: ${pages.length} pages, ${seenKinds.size} page kinds, ` +
    (opt.checks ? `${vnuErrors.length} vnu errors, ${axeFound.length} axe violations` : 'vnu and axe skipped') +
    `, ${badTitles.length} titles with markup` + `${missing.length ? `, ${missing.length} kinds not reached` : ''}. ` +
    `Pages and summary in ${opt.out}`);
  process.exitCode = failed ? 1 : 0;
}

main().catch((e) => {
  console.error(`\npage check failed: ${e.stack || e}`);
  process.exitCode = 2;
});
