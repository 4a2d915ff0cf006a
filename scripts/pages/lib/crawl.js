'use strict';
// Fetches every page kind as every role: logs in through the real form, crawls same-origin links
// from the home page and a few entry points (GET only, one page per path pattern), and adds the
// pages only a POST shows (forms with errors, a one-time password, a seed preview).

const fs = require('fs');
const path = require('path');
const { Client, hidden, links, postForms, pattern } = require('./client');
const { kindOf } = require('./kinds');

const PASSWORD = 'Demo-Portal-2024';

const ROLES = [
  { role: 'anonymous', short: 'anon', user: null },
  { role: 'reporter', short: 'rep', user: 'demo-xiaofang' },
  { role: 'county reporter', short: 'county', user: 'demo-gaoping' },
  { role: 'approver', short: 'appr', user: 'demo-gaoping-shenhe' },
  { role: 'supervisor', short: 'sup', user: 'demo-duban' },
  { role: 'leader', short: 'lead', user: 'demo-lingdao' },
  { role: 'admin', short: 'admin', user: 'demo-admin' },
];

// Entry points besides the home page: header links, pages reached by GET forms rather than
// links, and pages that must answer 403/404.
const ENTRY = [
  '/', '/todo', '/account', '/account/password', '/dashboard', '/rounds', '/plans',
  '/admin/users', '/admin/users/new', '/admin/units/new', '/admin/seeds', '/admin/audit',
  '/admin/audit?action=seed.load', // the plan's first load: one long entry
  '/search?q=%E6%B6%88%E9%98%B2', // 消防
  '/no-such-page', '/plans/no-such-plan', '/plans/no-such-plan/items/task-1',
];

const SKIP = [
  /^\/logout/, /^\/evidence\//, /\.(xlsx|docx|pdf|csv|zip)(\?|$)/, /\/(xlsx|docx)$/,
  /^\/static\//, /^\/healthz/,
];

const MAX_PAGES_PER_ROLE = 250;

function today() {
  // Deadlines and evaluation cut-offs are Beijing dates.
  return new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
}

/**
 * Pages with the same key count as one: the path pattern with query names, except that report
 * pages keep their round, since a report's state (draft, sent, accepted) varies by round, and
 * each part of the dashboard (`view=`) is a page of its own.
 */
function crawlKey(p) {
  const m = p.match(/^\/rounds\/(\d+)\/reports\//);
  const view = new URL(p, 'http://x').searchParams.get('view');
  return (m ? `round ${m[1]} ` : '') + pattern(p) + (view ? ` view ${view}` : '');
}

class Crawl {
  constructor(base, outDir, log) {
    this.base = base;
    this.origin = new URL(base).origin;
    this.outDir = outDir;
    this.log = log;
    this.pages = []; // { role, short, url, path, status, kind, forms, file, headers, extra }
    this.planKey = null;
    // Entry points per role: the common ones, and what setup() adds for a role.
    this.entry = Object.fromEntries(ROLES.map((r) => [r.role, [...ENTRY]]));
  }

  async login(client, user) {
    const form = await client.get('/login');
    const token = hidden(form.body, 'token');
    if (form.status !== 200 || token === null) {
      throw new Error(`GET /login answered ${form.status} without the hidden token field`);
    }
    const res = await client.post('/login', { token, next: '', username: user, password: PASSWORD });
    if (res.status !== 200 || new URL(res.url).pathname === '/login') {
      throw new Error(`cannot log in as ${user} (answer ${res.status} at ${res.path}); is the server started with --demo?`);
    }
  }

  save(r, res, extra) {
    const n = this.pages.length;
    const slug = new URL(res.url).pathname.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'home';
    const dir = path.join(this.outDir, 'html');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${String(n).padStart(3, '0')}-${r.short}-${slug}${extra ? '-' + extra.replace(/\W+/g, '-') : ''}.html`);
    fs.writeFileSync(file, res.body);
    const page = {
      role: r.role,
      short: r.short,
      url: res.url,
      path: res.path,
      status: res.status,
      kind: kindOf({ path: res.path, status: res.status, html: res.body, extra }),
      forms: postForms(res.body),
      file,
      headers: res.headers,
      extra: extra || null,
    };
    this.pages.push(page);
    return page;
  }

  /** Breadth-first from the entry points, one page per path pattern (+ query names) per role. */
  async crawlRole(r, client) {
    const seen = new Set();
    const queue = [...this.entry[r.role]];
    let fetched = 0;
    while (queue.length && fetched < MAX_PAGES_PER_ROLE) {
      const p = queue.shift();
      const key = crawlKey(p);
      if (seen.has(key)) continue;
      seen.add(key);
      const res = await client.get(p);
      fetched++;
      if (!res.type.startsWith('text/html')) continue;
      const finalKey = crawlKey(res.path) + ' ' + res.status;
      if (res.redirected && seen.has(finalKey)) continue;
      seen.add(finalKey);
      if (res.status >= 500) throw new Error(`GET ${p} as ${r.role}: server error ${res.status}`);
      this.save(r, res);
      if (res.status !== 200) continue;
      if (!this.planKey) {
        const m = res.body.match(/href="\/plans\/([^/"?#]+)\/items\//);
        if (m) this.planKey = m[1];
      }
      for (const href of links(res.body)) {
        let u;
        try {
          u = new URL(href, res.url);
        } catch {
          continue;
        }
        if (u.origin !== this.origin) continue;
        const rel = u.pathname + u.search;
        if (SKIP.some((re) => re.test(rel))) continue;
        if (!seen.has(crawlKey(rel))) queue.push(rel);
      }
    }
    return fetched;
  }

  /**
   * Data the crawl needs that the demo lacks: two evaluations (so that compare has a pair), a
   * report awaiting the unit approver's sign-off and one awaiting the bureau's review.
   */
  async setup(clients) {
    const plan = this.planKey;
    const sup = clients.get('supervisor');
    const list = await sup.get(`/plans/${plan}/evaluations`);
    const csrf = hidden(list.body, 'csrf');
    const ids = [];
    // A 中期 evaluation cut off within the plan, a 总结 one today (after it): neither is asked about.
    const pairs = [['mid_term', '中期评估（页面检查）', '2023-12-31'], ['final', '总结评估（页面检查）', today()]];
    for (const [kind, title, cutoff] of pairs) {
      const res = await sup.post(`/plans/${plan}/evaluations`, { csrf, kind, title, cutoff });
      const m = res.path.match(/\/evaluations\/(\d+)$/);
      if (!m) throw new Error(`creating an evaluation as demo-duban failed (answer ${res.status} at ${res.path})`);
      ids.push(m[1]);
    }
    for (const r of ROLES) this.entry[r.role].push(`/plans/${plan}/evaluations/compare?a=${ids[0]}&b=${ids[1]}`);

    // 高平市 has an approver: its reporter submits two task or project reports due now; the
    // approver signs one off, which sends it to the bureau.
    const county = clients.get('county reporter');
    const todo = await county.get('/todo');
    const due = [...new Set(links(todo.body).filter((h) => /^\/rounds\/\d+\/reports\/(task|project)-\d+\/\d+$/.test(h)))];
    const sent = [];
    for (const href of due) {
      if (sent.length === 2) break;
      const page = await county.get(href);
      if (!/class="[^"]*report-form/.test(page.body)) continue;
      const res = await county.post(href, {
        csrf: hidden(page.body, 'csrf'), version: hidden(page.body, 'version'), action: 'submit',
        status: 'in_progress', percent: '50', measured_value: '',
        progress: '已完成年度部署，正在分解落实。', problems: '基层力量不足。', next_steps: '加强督导。',
      });
      if (res.status === 200 && !/class="[^"]*report-form/.test(res.body)) sent.push(href);
    }
    if (sent.length < 2) {
      throw new Error(`demo-gaoping could not submit two reports due now (submitted ${sent.length} of ${due.length} found on /todo)`);
    }
    const appr = clients.get('approver');
    const page = await appr.get(sent[1]);
    const res = await appr.post(`${sent[1]}/review`, {
      csrf: hidden(page.body, 'csrf'), version: hidden(page.body.slice(page.body.indexOf('/review"')), 'version'),
      action: 'approve', comment: '',
    });
    if (res.status !== 200) throw new Error(`demo-gaoping-shenhe could not sign off ${sent[1]} (answer ${res.status})`);
    this.entry.approver.unshift(sent[0]);
    this.entry.supervisor.unshift(sent[1]);
  }

  /** Pages only a POST shows. Each changes nothing but the throwaway demo database. */
  async extras(clients, seedFile) {
    const plan = this.planKey;
    const role = (name) => ROLES.find((r) => r.role === name);
    const anon = new Client(this.base);
    // A failed login shows the form again with its error.
    {
      const form = await anon.get('/login');
      const res = await anon.post('/login', {
        token: hidden(form.body, 'token'), next: '', username: 'page-check-nobody', password: 'wrong',
      });
      this.save(role('anonymous'), res, 'failed login');
    }
    // A report saved with a bad completion figure: the form with its errors.
    {
      const c = clients.get('reporter');
      const page = this.pages.find((p) => p.role === 'reporter' && p.kind === 'report (editable)');
      if (page) {
        const html = fs.readFileSync(page.file, 'utf8');
        const action = html.match(/<form class="stacked report-form" method="post" action="([^"]+)"/);
        const res = await c.post(action ? action[1] : page.path, {
          csrf: hidden(html, 'csrf'), version: hidden(html, 'version'), status: 'in_progress',
          percent: '百分之八十', progress: '', problems: '', next_steps: '', action: 'submit',
        });
        this.save(role('reporter'), res, 'form errors');
      }
    }
    // An evaluation without a title.
    {
      const c = clients.get('supervisor');
      const list = await c.get(`/plans/${plan}/evaluations`);
      const res = await c.post(`/plans/${plan}/evaluations`, {
        csrf: hidden(list.body, 'csrf'), kind: 'other', title: '', cutoff: 'not-a-date',
      });
      this.save(role('supervisor'), res, 'form errors');
    }
    // A round with impossible dates, rules with bad numbers.
    {
      const c = clients.get('supervisor');
      const rounds = await c.get('/rounds');
      const res = await c.post('/rounds', {
        csrf: hidden(rounds.body, 'csrf'), title: '', scope: '', period_start: '2023-02-30',
        period_end: 'yesterday', opens_on: '', due_on: '2023-13-01',
      });
      this.save(role('supervisor'), res, 'form errors');
      const rules = await c.get(`/plans/${plan}/rules`);
      const bad = await c.post(`/plans/${plan}/rules`, {
        csrf: hidden(rules.body, 'csrf'), version: hidden(rules.body, 'version'),
        on_path_percent: '百', lag_points: '-5', due_soon_days: 'x', share_basis: 'nonsense',
      });
      this.save(role('supervisor'), bad, 'form errors');
    }
    // A password change with a too short, unconfirmed password.
    {
      const c = clients.get('leader');
      const form = await c.get('/account/password');
      const res = await c.post('/account/password', {
        csrf: hidden(form.body, 'csrf'), current: PASSWORD, new: 'short', confirm: 'shorter',
      });
      this.save(role('leader'), res, 'form errors');
    }
    // The audit log filtered by dates that are not dates.
    this.save(role('admin'), await clients.get('admin').get('/admin/audit?from=2023-02-30&to=soon&actor=%3Cb%3E'), 'bad filter');
    // Admin: a user form with errors, a new account's one-time password, seed preview and issues.
    {
      const c = clients.get('admin');
      const form = await c.get('/admin/users/new');
      const csrf = hidden(form.body, 'csrf');
      const bad = await c.post('/admin/users', {
        csrf, version: '0', username: '', display_name: '', role: 'reporter', unit_id: '',
      });
      this.save(role('admin'), bad, 'form errors');
      const unit = form.body.match(/<select id="unit_id"[\s\S]*?<option value="(\d+)"/);
      const made = await c.post('/admin/users', {
        csrf, version: '0', username: `page-check-${Date.now() % 1e6}`, display_name: '页面检查',
        role: 'reporter', unit_id: unit ? unit[1] : '',
      });
      this.save(role('admin'), made, 'password shown');
      const unitForm = await c.get('/admin/units/new');
      const badUnit = await c.post('/admin/units', {
        csrf: hidden(unitForm.body, 'csrf'), version: hidden(unitForm.body, 'version') || '0',
        jurisdiction_id: '', name: '', full_name: '', kind: '',
      });
      this.save(role('admin'), badUnit, 'form errors');
      for (const [name, text, extra] of [
        [path.basename(seedFile), fs.readFileSync(seedFile, 'utf8'), 'preview'],
        ['broken.toml', '[plan]\nkey = "x"\ntitle = 3\n[[nonsense]]\n', 'issues'],
      ]) {
        const fd = new FormData();
        fd.append('csrf', csrf);
        fd.append('file', new Blob([text], { type: 'text/plain' }), name);
        const res = await c.post('/admin/seeds/preview', fd);
        this.save(role('admin'), res, `seed ${extra}`);
      }
      // 导入规划: the bundled document drafted and previewed; a traditional-script text refused.
      const source = seedFile.replace(/\.toml$/, '.md');
      for (const [name, text, extra] of [
        [path.basename(source), fs.readFileSync(source, 'utf8'), 'import preview'],
        ['traditional.txt', '一、重點任務\n1.強化應急指揮體系建設。責任單位：市應急局、市財政局，各縣（市、區）人民政府。', 'import refused'],
      ]) {
        const fd = new FormData();
        fd.append('csrf', csrf);
        fd.append('file', new Blob([text], { type: 'text/plain' }), name);
        const res = await c.post('/admin/import', fd);
        this.save(role('admin'), res, extra);
      }
    }
  }

  async run(seedFile) {
    const clients = new Map();
    for (const r of ROLES) {
      const c = new Client(this.base);
      if (r.user) await this.login(c, r.user);
      clients.set(r.role, c);
    }
    // The plan key comes from the home page.
    const home = await clients.get('anonymous').get('/');
    const m = home.body.match(/href="\/plans\/([^/"?#]+)\/items\//);
    if (!m) throw new Error('the home page links to no plan item: is the plan loaded?');
    this.planKey = m[1];
    await this.setup(clients);
    const counts = {};
    for (const r of ROLES) counts[r.role] = await this.crawlRole(r, clients.get(r.role));
    await this.extras(clients, seedFile);
    // Session cookies, for Lighthouse's signed-in pages.
    this.cookies = new Map(ROLES.map((r) => [r.role, clients.get(r.role).cookieHeader()]));
    return counts;
  }
}

module.exports = { Crawl, ROLES };
