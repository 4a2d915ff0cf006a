#!/usr/bin/env bash
# Benchmark of plan-portal at national scale; see bench/README.md.
#
#   bench/run.sh                      # private PostgreSQL in $TMPDIR/plan-portal-bench
#   DATABASE_URL=postgres://… bench/run.sh
#
# Settings (environment): BENCH_DURATION (20s), BENCH_CONNECTIONS (64), BENCH_THREADS (2),
# BENCH_DATA_DIR, BENCH_SYNTH_ARGS (extra `plan-portal synth` flags, e.g. "--plans 20"),
# BENCH_PASSWORD (Bench-Portal-2024).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export BENCH_DIR="$ROOT/bench"
DURATION=${BENCH_DURATION:-20s}
CONNECTIONS=${BENCH_CONNECTIONS:-64}
THREADS=${BENCH_THREADS:-2}
PASSWORD=${BENCH_PASSWORD:-Bench-Portal-2024}
PLAN=jincheng-2023-33
WORK=${BENCH_WORK:-${TMPDIR:-/tmp}/plan-portal-bench}
DATA_DIR=${BENCH_DATA_DIR:-$WORK/pg}
RUN="$WORK/run-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$RUN"

say() { printf '\n== %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- tools
if ! command -v wrk >/dev/null; then
    say "installing wrk"
    SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get update -qq && $SUDO apt-get install -y -qq wrk >/dev/null
fi
for t in curl cargo; do command -v "$t" >/dev/null || die "$t is needed"; done

say "building (release)"
(cd "$ROOT" && cargo build --release --quiet)
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/plan-portal"
[ -x "$BIN" ] || die "no binary at $BIN"

# Without DATABASE_URL the binary runs its own PostgreSQL in DATA_DIR (kept between runs, so
# the synthetic data is made once).
if [ -n "${DATABASE_URL:-}" ]; then
    echo "database: DATABASE_URL" >&2
else
    export PLAN_PORTAL_DATA_DIR="$DATA_DIR"
    echo "database: private PostgreSQL in $DATA_DIR" >&2
fi

# ---------------------------------------------------------------- data
# synth is idempotent: plans that exist are skipped, so a second run only checks.
say "synthetic data (plan-portal synth ${BENCH_SYNTH_ARGS:-})"
started=$SECONDS
# shellcheck disable=SC2086
"$BIN" synth --password "$PASSWORD" ${BENCH_SYNTH_ARGS:-} | tee "$RUN/synth.out"
echo "synth took $((SECONDS - started)) s" | tee -a "$RUN/synth.out" >&2

# ---------------------------------------------------------------- server
say "starting plan-portal serve"
RUST_LOG=${RUST_LOG:-info,sqlx=warn,tower_http=warn} "$BIN" serve --bind 127.0.0.1:0 \
    >"$RUN/serve.log" 2>&1 &
SERVER=$!
cleanup() {
    if kill -0 "$SERVER" 2>/dev/null; then
        kill -TERM "$SERVER" 2>/dev/null || true
        wait "$SERVER" 2>/dev/null || true
    fi
}
trap cleanup EXIT
BASE=
for _ in $(seq 1 600); do
    BASE=$(sed -n 's#.*listening on \(http://[0-9.:]*\).*#\1#p' "$RUN/serve.log" | sed -n 1p)
    [ -n "$BASE" ] && break
    kill -0 "$SERVER" 2>/dev/null || { cat "$RUN/serve.log" >&2; die "the server stopped"; }
    sleep 0.1
done
[ -n "$BASE" ] || die "the server did not start; see $RUN/serve.log"
echo "serving at $BASE (log: $RUN/serve.log)" >&2

# ---------------------------------------------------------------- sessions
# login USER JAR: signs in through the form; prints the session cookie header value.
login() {
    local user=$1 jar=$2 token code
    token=$(curl -sS -c "$jar" -b "$jar" "$BASE/login" |
        sed -n 's/.*name="token" value="\([^"]*\)".*/\1/p' | sed -n 1p)
    code=$(curl -sS -o /dev/null -w '%{http_code}' -c "$jar" -b "$jar" \
        --data-urlencode "username=$user" --data-urlencode "password=$PASSWORD" \
        --data-urlencode "token=$token" --data-urlencode "next=/" "$BASE/login")
    [ "$code" = 303 ] || die "login of $user answered $code (is the password $PASSWORD?)"
    awk '$6 == "pp_session" { print "pp_session=" $7 }' "$jar" | tail -1
}
# csrf JAR: the form token, from the logout form every page carries.
csrf() {
    curl -sS -b "$2" "$BASE$1" |
        sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | sed -n 1p
}
say "signing in"
LEADER=$(login bench-leader "$RUN/leader.jar")
REPORTER=$(login bench-reporter "$RUN/reporter.jar")
REPORTER_CSRF=$(csrf /account "$RUN/reporter.jar")
[ -n "$LEADER" ] && [ -n "$REPORTER" ] && [ -n "$REPORTER_CSRF" ] || die "no session or form token"

# The reporter's editable reports (未填报, 草稿, 已退回), newest round first: from the to-do
# page's report links and the boards of its rounds.
say "finding the reporter's editable reports"
# links PATTERN: the paths of the matching links on standard input.
links() { { grep -o "$1" || true; } | cut -d'"' -f2; }
todo=$(curl -sS -b "$RUN/reporter.jar" "$BASE/todo")
{
    links 'href="/rounds/[0-9]*/reports/[a-z0-9-]*/[0-9]*"' <<<"$todo"
    for board in $(links 'href="/rounds/[0-9]*/board?unit=[0-9]*"' <<<"$todo"); do
        curl -sS -b "$RUN/reporter.jar" "$BASE$board" |
            links 'href="/rounds/[0-9]*/reports/[a-z0-9-]*/[0-9]*" class="state state-\(missing\|draft\|returned\)"'
    done
} | awk -v max=$((CONNECTIONS * 2)) '!seen[$0]++ && n++ < max' >"$RUN/reports.txt"
found=$(wc -l <"$RUN/reports.txt")
[ "$found" -gt "$CONNECTIONS" ] ||
    die "only $found editable reports for bench-reporter; the save benchmark needs more than $CONNECTIONS"
echo "$found reports to save (more than the $CONNECTIONS connections)" >&2

# ---------------------------------------------------------------- runs
DASHBOARD="/plans/$PLAN/dashboard"
DASHBOARD_LABEL="dashboard (leader)"
code=$(curl -sS -o /dev/null -w '%{http_code}' -H "Cookie: $LEADER" "$BASE$DASHBOARD")
if [ "$code" != 200 ]; then
    echo "WARNING: $DASHBOARD answered $code; benching /plans/$PLAN as a stand-in" >&2
    DASHBOARD="/plans/$PLAN"
    DASHBOARD_LABEL="plan page (stand-in: dashboard answered $code)"
fi

declare -A RESULT
# bench NAME PATH [wrk options…] [-- script arguments…]
bench() {
    local name=$1 path=$2 opts=() args=()
    shift 2
    while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
    [ $# -gt 0 ] && shift && args=(-- "$@")
    say "$name: wrk -t$THREADS -c$CONNECTIONS -d$DURATION $path"
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "${opts[@]}" "$BASE$path" "${args[@]}" \
        >"$RUN/$name.txt" 2>&1 || { cat "$RUN/$name.txt" >&2; die "wrk failed"; }
    cat "$RUN/$name.txt" >&2
    RESULT[$name]=$(grep '^BENCH ' "$RUN/$name.txt") || die "no result line from wrk"
}
bench healthz /healthz -s "$BENCH_DIR/stats.lua"
bench dashboard "$DASHBOARD" -s "$BENCH_DIR/stats.lua" -H "Cookie: $LEADER"
bench item "/plans/$PLAN/items/task-1" -s "$BENCH_DIR/stats.lua" -H "Cookie: $LEADER"
first=$(head -1 "$RUN/reports.txt")
bench save "$first" -s "$BENCH_DIR/save.lua" -- "$RUN/reports.txt" "$REPORTER" "$REPORTER_CSRF" "$THREADS"
SAVES=$(grep '^BENCH_SAVES ' "$RUN/save.txt" || true)

# ---------------------------------------------------------------- table
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<" ${RESULT[$1]}"; }
ms() { awk -v us="$1" 'BEGIN { printf "%.2f", us / 1000 }'; }
errors_total=0
{
    echo
    echo "plan-portal benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, wrk -t$THREADS -c$CONNECTIONS -d$DURATION"
    grep -h 'database now holds' "$RUN/synth.out" | sed 's/^ */data: /' || true
    echo
    printf '| %-48s | %10s | %9s | %9s | %9s | %8s |\n' scenario "req/s" "p50 ms" "p99 ms" requests errors
    printf '|%s|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..50})" ------------ ----------- ----------- ----------- ----------
    for name in healthz dashboard item save; do
        case $name in
            healthz) label="GET /healthz" ;;
            dashboard) label="GET $DASHBOARD_LABEL" ;;
            item) label="GET item page task-1 (leader)" ;;
            save) label="report save: GET page + POST draft (reporter)" ;;
        esac
        errs=$(($(field "$name" non2xx3xx) + $(field "$name" socket_errors)))
        # A save run also fails on refused saves (409/422) and on answers it could not follow.
        if [ "$name" = save ]; then
            for k in refused starved unrecognised; do
                errs=$((errs + $(sed -n "s/.* $k=\([0-9]*\).*/\1/p" <<<" $SAVES")))
            done
        fi
        errors_total=$((errors_total + errs))
        printf '| %-48s | %10s | %9s | %9s | %9s | %8s |\n' "$label" "$(field "$name" rps)" \
            "$(ms "$(field "$name" p50_us)")" "$(ms "$(field "$name" p99_us)")" \
            "$(field "$name" requests)" "$errs"
    done
    echo
    [ -n "$SAVES" ] && echo "saves: ${SAVES#BENCH_SAVES }"
    awk -v d="$(field dashboard p50_us)" -v h="$(field healthz p50_us)" \
        'BEGIN { if (h > 0) printf "dashboard p50 = %.1f x /healthz p50\n", d / h }'
    echo "errors = responses not 2xx/3xx + socket errors; full wrk output in $RUN"
} | tee "$RUN/table.txt"
[ "$errors_total" -eq 0 ] || die "$errors_total error(s) during the runs"
