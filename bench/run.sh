#!/usr/bin/env bash
# Benchmark of plan-portal at national scale; see bench/README.md.
#
#   bench/run.sh                      # private PostgreSQL in $TMPDIR/plan-portal-bench
#   DATABASE_URL=postgres://… bench/run.sh
#
# Settings (environment): BENCH_DURATION (20s), BENCH_CONNECTIONS (64), BENCH_THREADS (2),
# BENCH_MIXED_DURATION (60s), BENCH_MIXED_CONNECTIONS (200), BENCH_ONLY (e.g. "mixed"),
# BENCH_DATA_DIR, BENCH_SYNTH_ARGS (extra `plan-portal synth` flags, e.g. "--plans 20"),
# BENCH_PASSWORD (Bench-Portal-2024).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export BENCH_DIR="$ROOT/bench"
DURATION=${BENCH_DURATION:-20s}
CONNECTIONS=${BENCH_CONNECTIONS:-64}
THREADS=${BENCH_THREADS:-2}
MIXED_DURATION=${BENCH_MIXED_DURATION:-60s}
MIXED_CONNECTIONS=${BENCH_MIXED_CONNECTIONS:-200}
ONLY=${BENCH_ONLY:-}
PASSWORD=${BENCH_PASSWORD:-Bench-Portal-2024}
PLAN=jincheng-2023-33
WORK=${BENCH_WORK:-${TMPDIR:-/tmp}/plan-portal-bench}
DATA_DIR=${BENCH_DATA_DIR:-$WORK/pg}
RUN="$WORK/run-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$RUN"

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
need_tools

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
wait_for_server "$RUN/serve.log" "$SERVER"
echo "serving at $BASE (log: $RUN/serve.log)" >&2

# ---------------------------------------------------------------- sessions
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
} | awk -v max=400 '!seen[$0]++ && n++ < max' >"$RUN/reports.txt"
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
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<" ${RESULT[$1]}"; }
ms() { awk -v us="$1" 'BEGIN { printf "%.2f", us / 1000 }'; }
errors_total=0
if [ "$ONLY" != mixed ]; then
bench healthz /healthz -s "$BENCH_DIR/stats.lua"
bench dashboard "$DASHBOARD" -s "$BENCH_DIR/stats.lua" -H "Cookie: $LEADER"
bench item "/plans/$PLAN/items/task-1" -s "$BENCH_DIR/stats.lua" -H "Cookie: $LEADER"
first=$(head -1 "$RUN/reports.txt")
bench save "$first" -s "$BENCH_DIR/save.lua" -- "$RUN/reports.txt" "$REPORTER" "$REPORTER_CSRF" "$THREADS"
SAVES=$(grep '^BENCH_SAVES ' "$RUN/save.txt" || true)

# ---------------------------------------------------------------- table
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
fi
# ---------------------------------------------------------------- mixed workload
# peak_memory PID_FILE OUT: samples, every half second until killed, the proportional set size
# (shared pages split between their users, so shared buffers count once) of the portal and of
# every PostgreSQL process, and keeps the peaks in OUT.
pss_kb() { awk '/^Pss:/ { s += $2 } END { print s + 0 }' "$@" 2>/dev/null || echo 0; }
postgres_pids() {
    local pm
    if pm=$(head -1 "$DATA_DIR/postmaster.pid" 2>/dev/null); then
        echo "$pm"; pgrep -P "$pm" || true
    else
        # A server of your own (DATABASE_URL) without BENCH_DATA_DIR naming its data directory:
        # every postgres process on this machine.
        pgrep -x postgres || true
    fi
}
sample_memory() {
    local peak_server=0 peak_pg=0 now files
    while true; do
        now=$(pss_kb "/proc/$SERVER/smaps_rollup")
        [ "$now" -gt "$peak_server" ] && peak_server=$now
        files=$(postgres_pids | sed 's#.*#/proc/&/smaps_rollup#')
        # shellcheck disable=SC2086
        [ -n "$files" ] && now=$(pss_kb $files) && [ "$now" -gt "$peak_pg" ] && peak_pg=$now
        echo "server_pss_kb=$peak_server postgres_pss_kb=$peak_pg" >"$1"
        sleep 0.5
    done
}
if [ "$ONLY" != classic ]; then
    SUPERVISOR_JAR="$RUN/supervisor.jar"
    login bench-supervisor "$SUPERVISOR_JAR" >/dev/null
    say "mixed: wrk -t$THREADS -c$MIXED_CONNECTIONS -d$MIXED_DURATION, 80% views / 20% writes"
    sample_memory "$RUN/memory.txt" &
    SAMPLER=$!
    wrk -t"$THREADS" -c"$MIXED_CONNECTIONS" -d"$MIXED_DURATION" --timeout 10s --latency \
        -s "$BENCH_DIR/mixed.lua" "$BASE/healthz" -- "$RUN/reports.txt" "$LEADER" "$REPORTER" \
        "$REPORTER_CSRF" "$THREADS" "$PLAN" "$RUN/submitted" >"$RUN/mixed.txt" 2>&1 ||
        { kill "$SAMPLER"; cat "$RUN/mixed.txt" >&2; die "wrk failed"; }
    kill "$SAMPLER" 2>/dev/null || true
    wait "$SAMPLER" 2>/dev/null || true
    cat "$RUN/mixed.txt" >&2
    server_hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$SERVER/status")
    line=$(grep '^BENCH ' "$RUN/mixed.txt") || die "no result line from wrk"
    mixed=$(grep '^BENCH_MIXED ' "$RUN/mixed.txt") || die "no mixed line from wrk"
    get() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<" $1"; }
    errs=$(($(get "$line" non2xx3xx) + $(get "$line" socket_errors) + $(get "$mixed" refused) + $(get "$mixed" unrecognised)))
    errors_total=$((errors_total + errs))
    # shellcheck disable=SC1090
    . <(sed 's/ /\n/g' "$RUN/memory.txt")
    {
        echo
        echo "mixed workload, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores: wrk -t$THREADS -c$MIXED_CONNECTIONS -d$MIXED_DURATION -s bench/mixed.lua"
        echo
        echo "| req/s | p50 ms | p90 ms | p99 ms | max ms | requests | errors |"
        echo "|---|---|---|---|---|---|---|"
        echo "| $(get "$line" rps) | $(ms "$(get "$line" p50_us)") | $(ms "$(get "$line" p90_us)") | $(ms "$(get "$line" p99_us)") | $(ms "$(get "$line" max_us)") | $(get "$line" requests) | $errs |"
        echo
        echo "mix: ${mixed#BENCH_MIXED }"
        echo "peak memory: portal ${server_hwm} kB resident (VmHWM), $server_pss_kb kB PSS sampled; PostgreSQL $postgres_pss_kb kB PSS, all its processes together"
    } | tee "$RUN/mixed-table.txt"

    # Return what was submitted, so the next run finds those reports editable again.
    cat "$RUN"/submitted-*.txt 2>/dev/null | sort -u >"$RUN/submitted.txt" || true
    returned=0
    while read -r path; do
        [ -n "$path" ] || continue
        page=$(curl -sS -b "$SUPERVISOR_JAR" "$BASE$path")
        token=$(sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' <<<"$page" | sed -n 1p)
        version=$(sed -n 's/.*name="version" value="\([0-9]*\)".*/\1/p' <<<"$page" | sed -n 1p)
        code=$(curl -sS -o /dev/null -w '%{http_code}' -b "$SUPERVISOR_JAR" \
            --data-urlencode "csrf=$token" --data-urlencode "version=$version" \
            --data-urlencode "action=return" --data-urlencode "comment=压测结束，退回以便下次压测。" \
            "$BASE$path/review")
        [ "$code" = 303 ] && returned=$((returned + 1))
    done <"$RUN/submitted.txt"
    echo "returned $returned of $(wc -l <"$RUN/submitted.txt") submitted report(s) for the next run" >&2
fi
[ "$errors_total" -eq 0 ] || die "$errors_total error(s) during the runs"
