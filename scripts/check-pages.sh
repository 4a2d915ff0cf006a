#!/usr/bin/env bash
# Checks every page kind of the portal, anonymous and as each demo role:
#   - the Nu HTML Checker (npm vnu-jar, system java) over every page fetched: zero errors;
#   - axe-core in Debian's Chromium on each distinct page kind at 1280 and 390 px: zero violations;
#   - with --lighthouse, also Lighthouse 12 on the main pages (scores printed, not enforced).
# It builds the debug binary, starts `plan-portal serve --demo` on a private PostgreSQL in a
# temporary directory and a free port, runs scripts/pages/check.js and stops the server.
#
# usage: scripts/check-pages.sh [--lighthouse | --lighthouse-only] [--lighthouse-runs N]
#                               [--no-build] [--out DIR]
#   --lighthouse-only   the crawl and Lighthouse, without vnu and axe
#   --lighthouse-runs N Lighthouse N times per page and report the median run (default 1)
#   --no-build   use target/debug/plan-portal as it is (or $PLAN_PORTAL_BIN)
#   --out DIR    where the pages, summary.txt and pages.json go (default target/page-check)
# Needs: node and npm, java, /usr/bin/chromium (or $CHROMIUM), PostgreSQL's server programs.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

LIGHTHOUSE=""
RUNS=()
BUILD=1
OUT="$ROOT/target/page-check"
while [ $# -gt 0 ]; do
  case "$1" in
    --lighthouse) LIGHTHOUSE="--lighthouse" ;;
    --lighthouse-only) LIGHTHOUSE="--lighthouse-only" ;;
    --lighthouse-runs) RUNS=(--lighthouse-runs "$2"); shift ;;
    --no-build) BUILD=0 ;;
    --out) OUT="$(realpath -m "$2")"; shift ;;
    -h|--help) sed -n '2,/^set /{/^#/p}' "$0"; exit 0 ;;
    *) echo "check-pages: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

die() { echo "check-pages: $*" >&2; exit 2; }
started=$SECONDS

# Prerequisites, with what to install when one is missing.
command -v node >/dev/null || die "node is missing (Debian: apt-get install nodejs npm)"
command -v npm >/dev/null || die "npm is missing (Debian: apt-get install npm)"
command -v java >/dev/null || die "java is missing (Debian: apt-get install default-jre-headless)"
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
[ -x "$CHROMIUM" ] || die "$CHROMIUM is missing (Debian: apt-get install chromium)"

# npm packages, pinned by scripts/pages/package-lock.json; install scripts are not run (vnu-jar's
# would fetch a Java runtime; the system java is used).
install_npm() {
  local dir="$1"
  if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    echo "check-pages: npm ci in ${dir#"$ROOT"/}"
    (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) || die "npm ci failed in $dir"
  fi
}
install_npm "$ROOT/scripts/pages"
[ -z "$LIGHTHOUSE" ] || install_npm "$ROOT/scripts/pages/lighthouse"

BIN="${PLAN_PORTAL_BIN:-$ROOT/target/debug/plan-portal}"
if [ "$BUILD" = 1 ] && [ -z "${PLAN_PORTAL_BIN:-}" ]; then
  echo "check-pages: cargo build"
  cargo build --quiet --bin plan-portal || die "cargo build failed"
fi
[ -x "$BIN" ] || die "$BIN is missing (run cargo build)"

# A private PostgreSQL in a fresh temporary directory. As root the portal runs PostgreSQL as the
# `postgres` user, which must be able to enter the directory.
WORK="$(mktemp -d "${TMPDIR:-/tmp}/page-check.XXXXXX")"
chmod 755 "$WORK"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    # SIGTERM: the portal stops its PostgreSQL, then exits; SIGKILL if it has not within 30 s.
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    local until=$((SECONDS + 30))
    while kill -0 "$SERVER_PID" 2>/dev/null && [ $SECONDS -lt $until ]; do sleep 0.2; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [ -d "$OUT" ]; then cp "$WORK/server.log" "$OUT/server.log" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

env -u DATABASE_URL RUST_LOG=info "$BIN" --data-dir "$WORK/pg" serve --demo --bind 127.0.0.1:0 \
  >"$WORK/server.log" 2>&1 </dev/null &
SERVER_PID=$!

# Wait for the announced address, then for /healthz, with a deadline.
BASE=""
deadline=$((SECONDS + 180))
while [ -z "$BASE" ]; do
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "check-pages: the portal exited before serving; its log:" >&2
    cat "$WORK/server.log" >&2
    exit 2
  fi
  [ $SECONDS -lt $deadline ] || { cat "$WORK/server.log" >&2; die "no 'listening on' line within 180 s"; }
  BASE="$(grep -o 'listening on http://[0-9.:]*' "$WORK/server.log" | head -1 | sed 's/listening on //' || true)"
  [ -n "$BASE" ] || sleep 0.2
done
node -e '
  const [base, until] = [process.argv[1], Date.now() + 60000];
  (async () => {
    for (;;) {
      try { if ((await fetch(base + "/healthz")).ok) return; } catch {}
      if (Date.now() > until) { console.error("check-pages: " + base + "/healthz not ready within 60 s"); process.exit(2); }
      await new Promise((r) => setTimeout(r, 200));
    }
  })();' "$BASE"
echo "check-pages: demo portal at $BASE (ready after $((SECONDS - started)) s)"

status=0
node "$ROOT/scripts/pages/check.js" --base "$BASE" --out "$OUT" --seed "$ROOT/seeds/jincheng-2023-33.toml" $LIGHTHOUSE "${RUNS[@]}" || status=$?
# Whatever the pages look like, the portal must not have logged an error on the way.
if grep -Eq ' ERROR |"level": ?"ERROR"' "$WORK/server.log"; then
  echo "check-pages: the portal logged errors during the check:" >&2
  grep -E ' ERROR |"level": ?"ERROR"' "$WORK/server.log" | head -20 >&2
  [ "$status" -ne 0 ] || status=1
fi
echo "check-pages: done in $((SECONDS - started)) s"
exit "$status"
