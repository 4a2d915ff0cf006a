# Shared by the benchmark scripts (sourced, not run): messages, tools, the server's address,
# signing in.

say() { printf '\n== %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

# need_tools: wrk (installed with apt-get when missing), curl and cargo.
need_tools() {
    if ! command -v wrk >/dev/null; then
        say "installing wrk"
        local sudo=
        [ "$(id -u)" -eq 0 ] || sudo=sudo
        $sudo apt-get update -qq && $sudo apt-get install -y -qq wrk >/dev/null
    fi
    local t
    for t in curl cargo; do command -v "$t" >/dev/null || die "$t is needed"; done
}

# wait_for_server LOG PID [TENTHS]: sets BASE to the address the server logged, waiting up
# to TENTHS tenths of a second (600).
wait_for_server() {
    local log=$1 pid=$2 tries=${3:-600}
    BASE=
    for _ in $(seq 1 "$tries"); do
        BASE=$(sed -n 's#.*listening on \(http://[0-9.:]*\).*#\1#p' "$log" | sed -n 1p)
        [ -n "$BASE" ] && return 0
        kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; die "the server stopped"; }
        sleep 0.1
    done
    die "the server did not start; see $log"
}

# login USER JAR: signs in through the form with $PASSWORD; prints the session cookie.
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
