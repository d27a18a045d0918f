#!/usr/bin/env bash
# Runs the Autobahn|Testsuite against wsmachine and compares the results with
# .ci/autobahn/expected-ROLE.txt. Usage:
#
#   .ci/autobahn/run.sh server   # wstest -m fuzzingclient  vs  example echo_server
#   .ci/autobahn/run.sh client   # wstest -m fuzzingserver  vs  example autobahn_client
#   .ci/autobahn/run.sh all      # both
#
# Environment (all optional):
#   AUTOBAHN_CASES          JSON list of case patterns to run (default below)
#   AUTOBAHN_EXCLUDE_CASES  JSON list of case patterns to skip (default below)
#   AUTOBAHN_SERVER_CMD     server under test; {port} is replaced by the port
#   AUTOBAHN_CLIENT_CMD     client under test; {url} is replaced by ws://127.0.0.1:PORT
#   AUTOBAHN_OUT            reports directory (default target/autobahn; ROLE/ below it)
#   AUTOBAHN_EXPECTED_DIR   where expected-ROLE.txt live (default .ci/autobahn)
#   AUTOBAHN_TIMEOUT        seconds allowed for one role's suite run (default 3600)
#   AUTOBAHN_LISTEN_TIMEOUT seconds to wait for a listening socket (default 60)
#   AUTOBAHN_VERBOSE=1      also stream the suite's log to stdout
#   AUTOBAHN_SEQUENTIAL=1   with `all`, run the roles one after the other
#                           (default: both at once, each in its own process)
#   UPDATE_EXPECTED=1       rewrite expected-ROLE.txt from this run's results
#
# Exits 0 without running anything (after a loud warning) when Python 2.7 is
# not available; see setup.sh.
set -euo pipefail

# ---- The cases to run: change them here (or via the environment). ----------
# There is no 8.* or 11.*; 12.* and 13.* are permessage-deflate (feature `deflate`).
default_cases='["1.*", "2.*", "3.*", "4.*", "5.*", "6.*", "7.*", "9.*", "10.*", "12.*", "13.*"]'
default_exclude_cases='[]'
# -----------------------------------------------------------------------------

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

cases="${AUTOBAHN_CASES:-$default_cases}"
exclude_cases="${AUTOBAHN_EXCLUDE_CASES:-$default_exclude_cases}"
default_server_cmd='cargo run --quiet --release --features deflate-zlib-rs --example echo_server -- 127.0.0.1:{port}'
default_client_cmd='cargo run --quiet --release --features deflate-zlib-rs --example autobahn_client -- {url}'
server_cmd="${AUTOBAHN_SERVER_CMD:-$default_server_cmd}"
client_cmd="${AUTOBAHN_CLIENT_CMD:-$default_client_cmd}"
out_base="${AUTOBAHN_OUT:-target/autobahn}"
expected_dir="${AUTOBAHN_EXPECTED_DIR:-$here}"
suite_timeout="${AUTOBAHN_TIMEOUT:-3600}"
listen_timeout="${AUTOBAHN_LISTEN_TIMEOUT:-60}"
agent="wsmachine"
export PYTHONUNBUFFERED=1 # wstest's log must be complete even while it runs

usage() { echo "usage: $0 server|client|all" >&2; exit 2; }
[ $# -eq 1 ] || usage
case "$1" in
    server) roles=(server) ;;
    client) roles=(client) ;;
    all) roles=(server client) ;;
    *) usage ;;
esac

log() { printf '== autobahn: %s\n' "$*"; }
err() { printf '== autobahn: ERROR: %s\n' "$*" >&2; }

# shellcheck source=warn.sh
. "$here/warn.sh"

# ---- processes started by this script, stopped on exit ----------------------
# Each background process is started under `timeout`, which puts itself and
# the command in a new process group and forwards a TERM to that group, so
# signalling its PID also stops the command's children (e.g. cargo run's).
bg_pids=()
tmp="$(mktemp -d)"

stop_pid() {
    local pid="$1" i
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

stop_all() {
    local pid
    for pid in ${bg_pids[@]+"${bg_pids[@]}"}; do
        stop_pid "$pid"
    done
    bg_pids=()
}

cleanup() {
    stop_all
    rm -rf -- "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start_bg DIR LOGFILE TIMEOUT COMMAND...: runs COMMAND in DIR in the background;
# sets bg_pid (the PID of its `timeout`).
start_bg() {
    local dir="$1" logfile="$2" limit="$3"
    shift 3
    (cd "$dir" && exec timeout --kill-after=10 "$limit" "$@") >"$logfile" 2>&1 </dev/null &
    bg_pid=$!
    bg_pids+=("$bg_pid")
}

free_port() {
    python3 -c 'import socket
s = socket.socket()
s.bind(("", 0))  # free on every address: the fuzzing server listens on all
print(s.getsockname()[1])
s.close()'
}

port_listening() {
    local port="$1"
    if command -v ss >/dev/null 2>&1; then
        [ -n "$(ss -ltnH "sport = :$port" 2>/dev/null)" ]
    else
        # /proc/net/tcp{,6}: local address is column 2 (hex ADDR:PORT), state 0A = LISTEN
        awk -v p="$(printf ':%04X' "$port")" \
            'FNR > 1 && $4 == "0A" && substr($2, length($2) - 4) == p { found = 1 } END { exit !found }' \
            /proc/net/tcp /proc/net/tcp6 2>/dev/null
    fi
}

# wait_listening PORT PID WHAT: waits until something listens on PORT while PID lives.
wait_listening() {
    local port="$1" pid="$2" what="$3" deadline=$((SECONDS + listen_timeout))
    while ! port_listening "$port"; do
        if ! kill -0 "$pid" 2>/dev/null; then
            err "$what exited before listening on port $port"
            return 1
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            err "$what did not listen on port $port within ${listen_timeout}s"
            return 1
        fi
        sleep 0.2
    done
}

# write_spec FILE ROLE PORT OUTDIR: the wstest spec, via python3 so the case
# lists are validated JSON.
write_spec() {
    SPEC_ROLE="$2" SPEC_PORT="$3" SPEC_OUTDIR="$4" SPEC_AGENT="$agent" \
        SPEC_CASES="$cases" SPEC_EXCLUDE="$exclude_cases" python3 - "$1" <<'PY'
import json, os, sys
env = os.environ
def patterns(name):
    try:
        value = json.loads(env[name])
    except ValueError as e:
        sys.exit(f"invalid JSON in the case list {env[name]!r}: {e}")
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        sys.exit(f"the case list must be a JSON list of strings: {env[name]!r}")
    return value
url = f"ws://127.0.0.1:{env['SPEC_PORT']}"
spec = {"outdir": env["SPEC_OUTDIR"], "cases": patterns("SPEC_CASES"),
        "exclude-cases": patterns("SPEC_EXCLUDE"), "exclude-agent-cases": {}}
if env["SPEC_ROLE"] == "server":
    spec["servers"] = [{"agent": env["SPEC_AGENT"], "url": url}]
else:
    spec["url"] = url
with open(sys.argv[1], "w") as f:
    json.dump(spec, f, indent=2)
PY
}

# check_wsaccel LOG: the suite prints the UTF-8 validator and masker classes it uses.
check_wsaccel() {
    local logfile="$1" lines
    lines="$(grep -E '^Using (UTF8 Validator|XOR Masker)' "$logfile" || true)"
    [ -n "$lines" ] && printf '%s\n' "$lines"
    if ! grep -q '^Using UTF8 Validator class .*wsaccel' "$logfile" ||
        ! grep -q '^Using XOR Masker classes .*wsaccel' "$logfile"; then
        loud_warning "the suite is NOT using wsaccel (UTF-8 validator / XOR masker): it runs far slower. See $logfile"
    fi
}

show_log_tail() {
    echo "---- last lines of $1 ----"
    tail -n 40 "$1" || true
    echo "----"
}

# run_fg DIR LOGFILE TIMEOUT COMMAND...: like start_bg, then waits for it (an
# interruptible wait, so INT/TERM still reach the cleanup); returns its status.
# With AUTOBAHN_VERBOSE=1 the log is also streamed to stdout.
run_fg() {
    local pid rc=0 tail_pid=""
    start_bg "$@"
    pid=$bg_pid
    if [ "${AUTOBAHN_VERBOSE:-0}" = "1" ]; then
        tail -n +1 -f --pid="$pid" "$2" &
        tail_pid=$!
    fi
    wait "$pid" || rc=$?
    [ -z "$tail_pid" ] || wait "$tail_pid" || true
    return "$rc"
}

# validate_spec SPECFILE: every literal case id must exist and every pattern
# must match (wstest hangs instead of failing on an unknown case id); prints
# the number of cases to run.
validate_spec() {
    "$(dirname "$wstest")/python" - "$1" <<'PY'
import json, re, sys
from autobahntestsuite.caseset import CaseSet
from autobahntestsuite.fuzzing import Cases, CaseSetname, CaseBasename, CaseCategories, CaseSubCategories
cs = CaseSet(CaseSetname, CaseBasename, Cases, CaseCategories, CaseSubCategories)
spec = json.load(open(sys.argv[1]))
bad = []
for p in spec["cases"] + spec.get("exclude-cases", []):
    if "*" in p:
        rx = re.compile(p.replace(".", "\\.").replace("*", ".*"))
        if not any(rx.match(c) for c in cs.CasesIndices):
            bad.append(p)
    elif p not in cs.CasesIndices:
        bad.append(p)
if bad:
    sys.exit("unknown case ids or patterns matching nothing: %s" % ", ".join(bad))
n = len(cs.parseSpecCases(spec))
if n == 0:
    sys.exit("the case list selects no case")
print(n)
PY
}

compare() {
    local role="$1" outdir="$2" count="$3" args=()
    [ -n "$count" ] && args+=(--expect-count "$count")
    python3 "$here/compare.py" --role "$role" --agent "$agent" \
        --index "$outdir/index.json" --results "$outdir/results.txt" \
        --expected "$expected_dir/expected-$role.txt" ${args[@]+"${args[@]}"}
}

run_server_role() {
    local outdir="$out_base/server" port cmd pid count rc=0 start=$SECONDS
    rm -rf -- "$outdir" && mkdir -p "$outdir" || return 1
    outdir="$(cd "$outdir" && pwd)" && port="$(free_port)" || return 1
    write_spec "$tmp/fuzzingclient.json" server "$port" "$outdir" || return 1
    cp "$tmp/fuzzingclient.json" "$outdir/spec.json" || return 1
    count="$(validate_spec "$tmp/fuzzingclient.json")" || return 1
    cmd="${server_cmd//"{port}"/$port}"
    log "server role: starting the server under test on 127.0.0.1:$port: $cmd"
    start_bg "$root" "$outdir/peer.log" "$((suite_timeout + listen_timeout + 60))" bash -c "$cmd"
    pid=$bg_pid
    if ! wait_listening "$port" "$pid" "the server under test"; then
        show_log_tail "$outdir/peer.log"
        return 1
    fi
    log "server role: running wstest -m fuzzingclient, $count cases (log: $outdir/wstest.log)"
    run_fg "$tmp" "$outdir/wstest.log" "$suite_timeout" \
        "$wstest" -m fuzzingclient -s "$tmp/fuzzingclient.json" || rc=$?
    check_wsaccel "$outdir/wstest.log"
    if [ "$rc" -ne 0 ]; then
        err "wstest -m fuzzingclient failed (exit $rc; 124 = timed out after ${suite_timeout}s)"
        show_log_tail "$outdir/wstest.log"
        return 1
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
        err "the server under test exited during the run"
        show_log_tail "$outdir/peer.log"
        rc=1
    fi
    stop_pid "$pid"
    log "server role: suite finished in $((SECONDS - start))s; reports in $outdir (index.html)"
    compare server "$outdir" "$count" || rc=1
    return "$rc"
}

run_client_role() {
    local outdir="$out_base/client" port url cmd pid count rc=0 start=$SECONDS
    rm -rf -- "$outdir" && mkdir -p "$outdir" || return 1
    outdir="$(cd "$outdir" && pwd)" && port="$(free_port)" || return 1
    url="ws://127.0.0.1:$port"
    write_spec "$tmp/fuzzingserver.json" client "$port" "$outdir" || return 1
    cp "$tmp/fuzzingserver.json" "$outdir/spec.json" || return 1
    count="$(validate_spec "$tmp/fuzzingserver.json")" || return 1
    log "client role: starting wstest -m fuzzingserver on $url, $count cases (log: $outdir/wstest.log)"
    start_bg "$tmp" "$outdir/wstest.log" "$((suite_timeout + listen_timeout + 60))" \
        "$wstest" -m fuzzingserver -u 0 -s "$tmp/fuzzingserver.json"
    pid=$bg_pid
    if ! wait_listening "$port" "$pid" "wstest -m fuzzingserver"; then
        show_log_tail "$outdir/wstest.log"
        return 1
    fi
    cmd="${client_cmd//"{url}"/$url}"
    log "client role: running the client under test: $cmd (log: $outdir/peer.log)"
    run_fg "$root" "$outdir/peer.log" "$suite_timeout" bash -c "$cmd" || rc=$?
    check_wsaccel "$outdir/wstest.log"
    if [ "$rc" -ne 0 ]; then
        err "the client under test failed (exit $rc; 124 = timed out after ${suite_timeout}s)"
        show_log_tail "$outdir/peer.log"
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
        err "wstest -m fuzzingserver exited during the run"
        show_log_tail "$outdir/wstest.log"
        rc=1
    fi
    stop_pid "$pid"
    if [ ! -f "$outdir/index.json" ]; then
        err "no $outdir/index.json: the client did not call /updateReports?agent=$agent"
        return 1
    fi
    log "client role: suite finished in $((SECONDS - start))s; reports in $outdir (index.html)"
    compare client "$outdir" "$count" || rc=1
    [ "$rc" -eq 0 ]
}

# ---- main -------------------------------------------------------------------
wstest="$("$here/setup.sh")"
if [ -z "$wstest" ]; then
    exit 0 # no Python 2.7: setup.sh already warned loudly
fi

# One run at a time per reports directory and role.
mkdir -p "$out_base"
if command -v flock >/dev/null 2>&1; then
    exec 8>"$out_base/.run-$1.lock"
    if ! flock -n 8; then
        err "another run is using $out_base (set AUTOBAHN_OUT to use another directory)"
        exit 1
    fi
fi

need_build=0
for role in "${roles[@]}"; do
    if { [ "$role" = server ] && [ -z "${AUTOBAHN_SERVER_CMD:-}" ]; } ||
        { [ "$role" = client ] && [ -z "${AUTOBAHN_CLIENT_CMD:-}" ]; }; then
        need_build=1
    fi
done
if [ "$need_build" = 1 ] && [ "${AUTOBAHN_BUILT:-0}" != 1 ]; then
    log "building the examples"
    timeout 1800 cargo build --release --features deflate-zlib-rs --example echo_server --example autobahn_client
fi

# Both roles at once: each suite is one Python process waiting on round trips,
# so two of them share two cores well and the run takes half as long.
if [ "${#roles[@]}" -gt 1 ] && [ "${AUTOBAHN_SEQUENTIAL:-0}" != 1 ]; then
    export AUTOBAHN_BUILT=1
    declare -A role_pid
    for role in "${roles[@]}"; do
        bash "${BASH_SOURCE[0]}" "$role" >"$tmp/$role.out" 2>&1 &
        role_pid[$role]=$!
        bg_pids+=("$!")
    done
    status=0
    for role in "${roles[@]}"; do
        role_status=0
        wait "${role_pid[$role]}" || role_status=$?
        sed "s/^/[$role] /" "$tmp/$role.out"
        [ "$role_status" -eq 0 ] || status=1
    done
    bg_pids=()
    exit "$status"
fi

status=0
for role in "${roles[@]}"; do
    role_status=0
    "run_${role}_role" || role_status=$?
    stop_all
    if [ "$role_status" -eq 0 ]; then
        log "$role role: PASSED"
    else
        err "$role role: FAILED"
        status=1
    fi
done
exit "$status"
