'use strict';
// A small HTTP client for the crawl: one cookie jar per role, redirects followed by hand so that
// every Set-Cookie on the way is kept, and the same-site Origin header on POSTs (the portal refuses
// state-changing requests from other sites).

const MAX_REDIRECTS = 8;

class Client {
  constructor(base) {
    this.base = base;
    this.cookies = new Map();
  }

  cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  keep(res) {
    for (const line of res.headers.getSetCookie()) {
      const pair = line.split(';')[0];
      const eq = pair.indexOf('=');
      if (eq < 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = /max-age=0\b/i.test(line) || /expires=Thu, 01 Jan 1970/i.test(line);
      if (!value || expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  /** GET a path; returns { status, url (final, after redirects), path, headers, body, redirected }. */
  get(path) {
    return this.request('GET', path);
  }

  /** POST a form: `fields` is an object (urlencoded) or a FormData (multipart). */
  post(path, fields) {
    const body = fields instanceof FormData ? fields : new URLSearchParams(fields);
    return this.request('POST', path, body);
  }

  async request(method, path, body) {
    let url = new URL(path, this.base).href;
    let redirected = false;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const headers = { accept: 'text/html,application/xhtml+xml', 'accept-language': 'zh-CN' };
      const cookie = this.cookieHeader();
      if (cookie) headers.cookie = cookie;
      if (method !== 'GET') headers.origin = new URL(this.base).origin;
      let res;
      try {
        res = await fetch(url, { method, headers, body, redirect: 'manual' });
      } catch (e) {
        throw new Error(`${method} ${url} failed: ${e.cause ? e.cause.message : e.message}`);
      }
      this.keep(res);
      if (res.status >= 300 && res.status < 400 && res.headers.get('location')) {
        url = new URL(res.headers.get('location'), url).href;
        redirected = true;
        if (res.status !== 307 && res.status !== 308) {
          method = 'GET';
          body = undefined;
        }
        continue;
      }
      const type = res.headers.get('content-type') || '';
      const text = type.startsWith('text/') || type.includes('json') ? await res.text() : '';
      if (!text) await res.arrayBuffer().catch(() => {});
      const u = new URL(url);
      return {
        status: res.status,
        url,
        path: u.pathname + u.search,
        type,
        headers: Object.fromEntries(res.headers),
        body: text,
        redirected,
      };
    }
    throw new Error(`${method} ${path}: more than ${MAX_REDIRECTS} redirects`);
  }
}

/** The value of the hidden input `name` in an HTML page (first occurrence), or null. */
function hidden(html, name) {
  const re = new RegExp(`<input[^>]*name="${name}"[^>]*>`);
  const m = html.match(re);
  if (!m) return null;
  const v = m[0].match(/value="([^"]*)"/);
  return v ? decode(v[1]) : '';
}

function decode(s) {
  return s
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&#(\d+);/g, (_, n) => String.fromCodePoint(+n))
    .replace(/&#x([0-9a-f]+);/gi, (_, n) => String.fromCodePoint(parseInt(n, 16)));
}

/** Every <a href> of a page, decoded, as written. */
function links(html) {
  const out = [];
  for (const m of html.matchAll(/<a\s[^>]*?href="([^"]*)"/g)) out.push(decode(m[1]));
  return out;
}

/** The action paths of a page's POST forms (numbers replaced), sorted: a page's "variant". */
function postForms(html) {
  const set = new Set();
  for (const m of html.matchAll(/<form\s[^>]*>/g)) {
    const tag = m[0];
    if (!/method="post"/i.test(tag)) continue;
    const a = tag.match(/action="([^"]*)"/);
    set.add(pattern(a ? decode(a[1]) : ''));
  }
  return [...set].sort();
}

/** A path with every run of digits replaced by {n}, query values dropped, names sorted. */
function pattern(pathAndQuery) {
  const u = new URL(pathAndQuery, 'http://x');
  const names = [...new Set([...u.searchParams.keys()])].sort();
  return u.pathname.replace(/\d+/g, '{n}') + (names.length ? '?' + names.join('&') : '');
}

module.exports = { Client, hidden, links, postForms, pattern, decode };
