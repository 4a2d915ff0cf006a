#!/usr/bin/env bash
# Hardening checks against `plan-portal serve --demo` on its private PostgreSQL, on this
# machine, loopback only. One PASS/FAIL line per check, with its numbers:
#   (a) 16 simultaneous first loads of the 督办 ledger (demo supervisor) answer 200 within 10 s
#   (b) 180 failed logins (no such accounts), three bursts of 60 from 127.0.0.2, .3 and .4,
#       grow the portal's RSS by at most 150 MiB
#   (c) with 300 half-open requests open, /healthz answers within 2 s, and the server drops
#       them all within 40 s
#   (d) SIGTERM stops the portal (and its PostgreSQL) within 10 s
#
#   bench/hardening.sh
#
# Settings (environment): HARDENING_BIN (a built binary; else `cargo build --release`),
# HARDENING_DATA_DIR (default: a new temporary folder, removed afterwards). Needs python3.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
say() { printf '== %s\n' "$*" >&2; }
die() { printf 'hardening: %s\n' "$*" >&2; exit 2; }
command -v python3 >/dev/null || die "python3 is needed"

if [ -n "${HARDENING_BIN:-}" ]; then
    BIN=$HARDENING_BIN
else
    say "building (release)"
    (cd "$ROOT" && cargo build --release --quiet)
    BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/plan-portal"
fi
[ -x "$BIN" ] || die "no binary at $BIN"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/plan-portal-hardening.XXXXXX")
# PostgreSQL may run as `postgres` when this runs as root: it must enter the folder.
chmod 755 "$WORK"
DATA_DIR=${HARDENING_DATA_DIR:-$WORK/pg}
LOG="$WORK/serve.log"

say "starting plan-portal serve --demo (private PostgreSQL in $DATA_DIR, log $LOG)"
env -u DATABASE_URL RUST_LOG=${RUST_LOG:-info,sqlx=warn,tower_http=warn} \
    "$BIN" serve --demo --bind 127.0.0.1:0 --data-dir "$DATA_DIR" >"$LOG" 2>&1 &
SERVER=$!
cleanup() {
    if kill -0 "$SERVER" 2>/dev/null; then
        kill -KILL "$SERVER" 2>/dev/null || true
        wait "$SERVER" 2>/dev/null || true
    fi
    [ -n "${HARDENING_DATA_DIR:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT
BASE=
for _ in $(seq 1 1800); do
    BASE=$(sed -n 's#.*listening on \(http://[0-9.:]*\).*#\1#p' "$LOG" | sed -n 1p)
    [ -n "$BASE" ] && break
    kill -0 "$SERVER" 2>/dev/null || { cat "$LOG" >&2; die "the server stopped"; }
    sleep 0.1
done
[ -n "$BASE" ] || die "the server did not start within 3 minutes; see $LOG"
say "serving at $BASE (pid $SERVER)"

status=0
python3 "$ROOT/bench/hardening.py" "$BASE" "$SERVER" || status=1

# (d) SIGTERM: nothing is in flight now, so the grace period should not even start.
PG_PID=$(sed -n 1p "$DATA_DIR/postmaster.pid" 2>/dev/null || true)
started=$EPOCHREALTIME
kill -TERM "$SERVER"
stopped=
for _ in $(seq 1 200); do
    if ! kill -0 "$SERVER" 2>/dev/null; then stopped=yes; break; fi
    sleep 0.05
done
took=$(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
if [ -n "$stopped" ]; then
    wait "$SERVER" && code=0 || code=$?
    pg=stopped
    if [ -n "$PG_PID" ] && kill -0 "$PG_PID" 2>/dev/null; then pg="still running (pid $PG_PID)"; fi
    if [ "$code" = 0 ] && [ "$pg" = stopped ]; then verdict=PASS; else verdict=FAIL; status=1; fi
    printf '%s  (d) SIGTERM stops the portal within 10 s: exited %s after %s s; PostgreSQL %s\n' \
        "$verdict" "$code" "$took" "$pg"
else
    printf 'FAIL  (d) SIGTERM stops the portal within 10 s: still running after %s s\n' "$took"
    status=1
fi
exit $status
