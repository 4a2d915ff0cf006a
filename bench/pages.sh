#!/usr/bin/env bash
# Every page kind against /healthz: p50 latency with wrk, as a multiple of /healthz's p50.
# See bench/README.md ("Every page kind").
#
#   bench/pages.sh                    # the demo (serve --demo) on a private PostgreSQL
#   BENCH_SCALE=national bench/pages.sh   # the synth data of bench/run.sh (run that first)
#
# Settings (environment): BENCH_DURATION (10s), BENCH_CONNECTIONS (16), BENCH_THREADS (2),
# BENCH_SCALE (demo | national), BENCH_DATA_DIR, DATABASE_URL, BENCH_BIN, BENCH_ONLY (page names,
# e.g. "todo|report"), BENCH_STRICT (1: exit 1 when a page is over its limit).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DURATION=${BENCH_DURATION:-10s}
CONNECTIONS=${BENCH_CONNECTIONS:-16}
THREADS=${BENCH_THREADS:-2}
SCALE=${BENCH_SCALE:-demo}
PLAN=jincheng-2023-33
WORK=${BENCH_WORK:-${TMPDIR:-/tmp}/plan-portal-bench}
RUN="$WORK/pages-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$RUN"

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
need_tools

# BENCH_BIN: a binary built elsewhere (say, of an older commit, to compare).
BIN=${BENCH_BIN:-}
if [ -z "$BIN" ]; then
    say "building (release)"
    (cd "$ROOT" && cargo build --release --quiet)
    BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/plan-portal"
fi

case "$SCALE" in
demo)
    DATA_DIR=${BENCH_DATA_DIR:-$WORK/demo-pg}
    SERVE_ARGS=(--demo)
    PASSWORD=Demo-Portal-2024
    LEADER_USER=demo-lingdao REPORTER_USER=demo-gaoping SUPERVISOR_USER=demo-duban
    ;;
national)
    DATA_DIR=${BENCH_DATA_DIR:-$WORK/pg}
    SERVE_ARGS=()
    PASSWORD=${BENCH_PASSWORD:-Bench-Portal-2024}
    LEADER_USER=bench-leader REPORTER_USER=bench-reporter SUPERVISOR_USER=bench-supervisor
    ;;
*) die "BENCH_SCALE is demo or national" ;;
esac
[ -n "${DATABASE_URL:-}" ] || export PLAN_PORTAL_DATA_DIR="$DATA_DIR"

say "starting plan-portal serve ${SERVE_ARGS[*]:-}"
RUST_LOG=${RUST_LOG:-warn,plan_portal=info} "$BIN" serve --bind 127.0.0.1:0 "${SERVE_ARGS[@]}" \
    >"$RUN/serve.log" 2>&1 &
SERVER=$!
trap 'kill -TERM "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null || true' EXIT
wait_for_server "$RUN/serve.log" "$SERVER" 1200

LEADER=$(login "$LEADER_USER" "$RUN/leader.jar")
REPORTER=$(login "$REPORTER_USER" "$RUN/reporter.jar")
SUPERVISOR=$(login "$SUPERVISOR_USER" "$RUN/supervisor.jar")

first_link() { { grep -o "$1" || true; } | cut -d'"' -f2 | sed -n 1p; }
todo=$(curl -sS -H "Cookie: $REPORTER" "$BASE/todo")
REPORT=$(first_link 'href="/rounds/[0-9]*/reports/[a-z0-9-]*/[0-9]*"' <<<"$todo")
BOARD=$(first_link 'href="/rounds/[0-9]*/board?unit=[0-9]*"' <<<"$todo")
[ -n "$BOARD" ] || BOARD=$(curl -sS -H "Cookie: $SUPERVISOR" "$BASE/rounds" |
    first_link 'href="/rounds/[0-9]*/board[^"]*"')
# Past the plan's last round nothing is due now: take a report from the unit's board instead.
[ -n "$REPORT" ] || REPORT=$(curl -sS -H "Cookie: $REPORTER" "$BASE$BOARD" |
    first_link 'href="/rounds/[0-9]*/reports/[a-z0-9-]*/[0-9]*"')
[ -n "$REPORT" ] && [ -n "$BOARD" ] || die "no report or board link found on /todo and /rounds"
UNIT=$(curl -sS "$BASE/units" | first_link 'href="/units/[0-9]*"')

# name | path | cookie | limit (multiple of /healthz's p50)
PAGES=(
    "healthz|/healthz||1"
    "home|/||3"
    "overview|/plans/$PLAN||3"
    "item|/plans/$PLAN/items/task-1||3"
    "units|/units||3"
    "unit|$UNIT||3"
    "search|/search?q=%E5%AE%89%E5%85%A8||3"
    "dashboard|/plans/$PLAN/dashboard|LEADER|3"
    "todo|/todo|REPORTER|5"
    "report|$REPORT|REPORTER|5"
    "board|$BOARD|SUPERVISOR|5"
    "ledger|/plans/$PLAN/supervision|SUPERVISOR|5"
)

printf '%-10s %-48s %8s %9s %7s %6s %s\n' page path req/s p50_ms ratio limit verdict >"$RUN/table"
over=0 HEALTHZ_US=
for spec in "${PAGES[@]}"; do
    IFS='|' read -r name path who limit <<<"$spec"
    [ "$name" = healthz ] || [[ "$name" =~ ^(${BENCH_ONLY:-.*})$ ]] || continue
    cookie=${who:+${!who}}
    headers=()
    [ -n "$cookie" ] && headers=(-H "Cookie: $cookie")
    code=$(curl -sS -o "$RUN/$name.html" -w '%{http_code}' "${headers[@]}" "$BASE$path")
    [ "$code" = 200 ] || die "$path answered $code"
    say "$name: $path"
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "${headers[@]}" \
        -s "$ROOT/bench/stats.lua" "$BASE$path" >"$RUN/$name.wrk"
    line=$(grep '^BENCH ' "$RUN/$name.wrk")
    field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<"$line"; }
    p50=$(field p50_us) rps=$(field rps)
    [ "$(field non2xx3xx)" = 0 ] && [ "$(field socket_errors)" = 0 ] ||
        die "$name had errors: $line"
    [ -n "$HEALTHZ_US" ] || HEALTHZ_US=$p50
    ratio=$(awk -v a="$p50" -v b="$HEALTHZ_US" 'BEGIN { printf "%.1f", a / b }')
    verdict=ok
    if awk -v r="$ratio" -v l="$limit" 'BEGIN { exit !(r > l) }'; then verdict=OVER over=1; fi
    printf '%-10s %-48s %8s %9s %7s %6s %s\n' "$name" "$path" "$rps" \
        "$(awk -v u="$p50" 'BEGIN { printf "%.2f", u / 1000 }')" "${ratio}x" "${limit}x" \
        "$verdict" >>"$RUN/table"
done

say "p50 as a multiple of /healthz's (wrk -t$THREADS -c$CONNECTIONS -d$DURATION, $SCALE)"
cat "$RUN/table"
echo "(kept in $RUN)"
[ "${BENCH_STRICT:-0}" = 1 ] && [ "$over" = 1 ] && exit 1
exit 0
