#!/usr/bin/env python3
"""Hardening checks (a)-(c) against a running `plan-portal serve --demo`; see hardening.sh.

Python 3 standard library only. All traffic goes to loopback, bounded in count and time.
Prints one PASS/FAIL line per check with its numbers; exits 1 if any check failed.

    hardening.py BASE_URL PID
"""

import http.client
import re
import selectors
import socket
import sys
import threading
import time
import urllib.parse

BASE = sys.argv[1]
PID = int(sys.argv[2])
URL = urllib.parse.urlsplit(BASE)
HOST, PORT = URL.hostname, URL.port
PLAN = "jincheng-2023-33"
SUPERVISOR, PASSWORD = "demo-duban", "Demo-Portal-2024"
failed = []


def report(ok, what, numbers):
    print(f"{'PASS' if ok else 'FAIL'}  {what}: {numbers}", flush=True)
    if not ok:
        failed.append(what)


def connection(source="127.0.0.1", timeout=60):
    return http.client.HTTPConnection(HOST, PORT, timeout=timeout, source_address=(source, 0))


def cookies_of(resp):
    """name=value pairs of the response's Set-Cookie headers."""
    jar = {}
    for header in resp.headers.get_all("Set-Cookie") or []:
        name, _, value = header.split(";", 1)[0].partition("=")
        jar[name.strip()] = value.strip()
    return jar


def login(username, password, source="127.0.0.1"):
    """Signs in through the form as a browser would; returns (status, cookies)."""
    conn = connection(source)
    conn.request("GET", "/login")
    page = conn.getresponse()
    html = page.read().decode("utf-8", "replace")
    jar = cookies_of(page)
    token = re.search(r'name="token" value="([^"]*)"', html)
    body = urllib.parse.urlencode(
        {"username": username, "password": password, "next": "/", "token": token.group(1) if token else ""}
    )
    cookie = "; ".join(f"{k}={v}" for k, v in jar.items())
    conn.request(
        "POST",
        "/login",
        body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )
    resp = conn.getresponse()
    resp.read()
    jar.update(cookies_of(resp))
    conn.close()
    return resp.status, jar


def rss_kib(field="VmRSS"):
    with open(f"/proc/{PID}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def healthz_seconds(timeout=5):
    """Seconds /healthz took on a new connection, or None if it did not answer 200."""
    started = time.monotonic()
    try:
        conn = connection(timeout=timeout)
        conn.request("GET", "/healthz")
        resp = conn.getresponse()
        resp.read()
        conn.close()
        return time.monotonic() - started if resp.status == 200 else None
    except OSError:
        return None


def check_ledger_first_loads(n=16, limit=10.0):
    """(a) n simultaneous first loads of the 督办 ledger, as the demo supervisor."""
    status, jar = login(SUPERVISOR, PASSWORD)
    if "pp_session" not in jar:
        report(False, "(a) ledger first loads", f"login as {SUPERVISOR} answered {status}, no session")
        return
    cookie = f"pp_session={jar['pp_session']}"
    results = [None] * n
    start = threading.Barrier(n)

    def load(i):
        start.wait()
        began = time.monotonic()
        try:
            conn = connection(timeout=limit + 50)
            conn.request("GET", f"/plans/{PLAN}/supervision", headers={"Cookie": cookie})
            resp = conn.getresponse()
            resp.read()
            results[i] = (resp.status, time.monotonic() - began)
        except OSError as e:
            results[i] = (repr(e), time.monotonic() - began)

    threads = [threading.Thread(target=load, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = sorted({str(s) for s, _ in results})
    slowest = max(t for _, t in results)
    ok = all(s == 200 and t <= limit for s, t in results)
    report(
        ok,
        f"(a) {n} simultaneous first loads of /plans/{PLAN}/supervision answer 200 within {limit:.0f} s",
        f"statuses {','.join(statuses)}; slowest {slowest:.2f} s; "
        f"fastest {min(t for _, t in results):.2f} s",
    )


def check_failed_logins_memory(per_burst=60, sources=("127.0.0.2", "127.0.0.3", "127.0.0.4"), limit_mib=150):
    """(b) failed logins for accounts that do not exist, in bursts from several addresses."""
    before = rss_kib()
    peak = [before]
    sampling = threading.Event()

    def sample():
        while not sampling.is_set():
            peak[0] = max(peak[0], rss_kib())
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    statuses = {}
    lock = threading.Lock()
    began = time.monotonic()
    for burst, source in enumerate(sources):
        def attempt(i, source=source, burst=burst):
            try:
                status, _ = login(f"nobody-{burst}-{i}", "Wrong-Password-1", source)
            except OSError as e:
                status = type(e).__name__
            with lock:
                statuses[status] = statuses.get(status, 0) + 1

        threads = [threading.Thread(target=attempt, args=(i,)) for i in range(per_burst)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    took = time.monotonic() - began
    sampling.set()
    sampler.join()
    after = rss_kib()
    peak_kib = max(peak[0], after)
    grown_mib = (peak_kib - before) / 1024
    total = per_burst * len(sources)
    answered = sum(v for k, v in statuses.items() if isinstance(k, int))
    counts = ", ".join(f"{k}×{v}" for k, v in sorted(statuses.items(), key=str))
    report(
        grown_mib <= limit_mib and answered == total,
        f"(b) {total} failed logins ({len(sources)} bursts of {per_burst} from {', '.join(sources)}) "
        f"grow RSS by at most {limit_mib} MiB",
        f"RSS {before / 1024:.1f} MiB before, peak {peak_kib / 1024:.1f} MiB (+{grown_mib:.1f} MiB), "
        f"{after / 1024:.1f} MiB after; VmHWM {rss_kib('VmHWM') / 1024:.1f} MiB; "
        f"answers {counts}; {took:.1f} s",
    )


def check_half_open(n=300, healthz_limit=2.0, drop_limit=40.0):
    """(c) n connections that send part of a request line and wait."""
    sel = selectors.DefaultSelector()
    opened = time.monotonic()
    socks = []
    for _ in range(n):
        s = socket.create_connection((HOST, PORT), timeout=5)
        s.sendall(b"GET /healthz HT")
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
        socks.append(s)
    took = healthz_seconds(timeout=healthz_limit + 3)
    report(
        took is not None and took <= healthz_limit,
        f"(c) /healthz answers within {healthz_limit:.0f} s with {n} half-open requests open",
        "no answer" if took is None else f"{took:.3f} s",
    )
    open_ = n
    last_drop = None
    while open_ and time.monotonic() - opened < drop_limit + 5:
        for key, _ in sel.select(timeout=1):
            try:
                data = key.fileobj.recv(4096)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b""
            if not data:
                sel.unregister(key.fileobj)
                key.fileobj.close()
                open_ -= 1
                last_drop = time.monotonic() - opened
    for key in list(sel.get_map().values()):
        key.fileobj.close()
    report(
        open_ == 0 and last_drop is not None and last_drop <= drop_limit,
        f"(c) the server drops all {n} half-open requests within {drop_limit:.0f} s",
        f"{n - open_}/{n} dropped; the last after "
        + ("-" if last_drop is None else f"{last_drop:.1f} s"),
    )


check_ledger_first_loads()
check_failed_logins_memory()
check_half_open()
sys.exit(1 if failed else 0)
