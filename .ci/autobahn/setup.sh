#!/usr/bin/env bash
# Creates (or reuses) the Python 2.7 virtualenv holding Autobahn|Testsuite and
# prints the path of its `wstest` on stdout (all other output goes to stderr).
#
# The virtualenv lives in
#   ${WSMACHINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/wsmachine}/autobahn-venv
# and is reused as long as it is healthy and was built from the current
# requirements.txt; otherwise it is deleted and rebuilt.
#
# Python 2.7 comes from `pyenv prefix 2.7.18`, or from $AUTOBAHN_PYTHON2 (path
# of a python2.7 executable) when set. If there is no Python 2.7 (and
# AUTOBAHN_PYTHON2 is not set), this prints a loud warning, prints nothing on
# stdout and exits 0: callers treat an empty output as "skip Autobahn".
# Every other failure exits non-zero.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
req="$here/requirements.txt"
cache="${WSMACHINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/wsmachine}"
venv="$cache/autobahn-venv"
stamp="$venv/.wsmachine-autobahn-stamp"
pyenv_version="2.7.18"
install_timeout="${AUTOBAHN_INSTALL_TIMEOUT:-1800}"

log() { printf 'autobahn setup: %s\n' "$*" >&2; }

# shellcheck source=warn.sh
. "$here/warn.sh"

# --- find Python 2.7 ---------------------------------------------------------
if [ -n "${AUTOBAHN_PYTHON2:-}" ]; then
    py2="$AUTOBAHN_PYTHON2"
    if ! "$py2" -c 'import sys; sys.exit(sys.version_info[:2] != (2, 7))' 2>/dev/null; then
        log "AUTOBAHN_PYTHON2=$py2 is not a working Python 2.7"
        exit 1
    fi
else
    prefix=""
    if command -v pyenv >/dev/null 2>&1; then
        prefix="$(pyenv prefix "$pyenv_version" 2>/dev/null)" || prefix=""
    fi
    py2="$prefix/bin/python"
    if [ -z "$prefix" ] || ! "$py2" -c 'import sys; sys.exit(sys.version_info[:2] != (2, 7))' 2>/dev/null; then
        loud_warning "Python $pyenv_version not found (no pyenv, or 'pyenv prefix $pyenv_version' failed):" \
            "SKIPPING the Autobahn|Testsuite conformance run."
        exit 0
    fi
fi

# --- reuse the cached virtualenv when healthy -------------------------------
want_stamp="$( {
    cat "$req"
    "$py2" -c 'import sys; print(sys.executable); print(sys.version)'
} | sha256sum | cut -d' ' -f1)"

healthy() {
    [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want_stamp" ] || return 1
    [ -x "$venv/bin/python" ] && [ -x "$venv/bin/wstest" ] || return 1
    timeout 120 "$venv/bin/python" -c \
        'import autobahntestsuite.wstest, autobahn.websocket.protocol, twisted, wsaccel.utf8validator, wsaccel.xormask' \
        >/dev/null 2>&1 || return 1
    timeout 120 "$venv/bin/wstest" --help >/dev/null 2>&1 || return 1
}

mkdir -p "$cache"
# Serialize concurrent setups sharing the same cache.
if command -v flock >/dev/null 2>&1; then
    exec 9>"$cache/autobahn-venv.lock"
    if ! flock -w "$install_timeout" 9; then
        log "timed out waiting for the lock on $cache/autobahn-venv.lock"
        exit 1
    fi
fi

if healthy; then
    log "reusing $venv"
    echo "$venv/bin/wstest"
    exit 0
fi

# --- (re)build ------------------------------------------------------------------
if [ -e "$venv" ]; then
    log "virtualenv at $venv is missing, outdated or broken: rebuilding it"
    rm -rf -- "$venv"
fi

export PIP_DISABLE_PIP_VERSION_CHECK=1
if ! timeout 120 "$py2" -m virtualenv --version >/dev/null 2>&1; then
    log "installing virtualenv<20.22 into $py2"
    timeout "$install_timeout" "$py2" -m pip install --quiet 'virtualenv<20.22' >&2
fi

log "creating $venv"
timeout "$install_timeout" "$py2" -m virtualenv --quiet --no-periodic-update "$venv" >&2

log "installing Autobahn|Testsuite (requirements.txt) into $venv"
timeout "$install_timeout" "$venv/bin/python" -m pip install --quiet -r "$req" >&2

if ! timeout 120 "$venv/bin/python" -c 'import wsaccel.utf8validator, wsaccel.xormask' >&2; then
    loud_warning "wsaccel does not import in $venv: the suite would run much slower."
    exit 1
fi

if ! healthy_without_stamp="$(timeout 120 "$venv/bin/wstest" --help 2>&1)"; then
    printf '%s\n' "$healthy_without_stamp" >&2
    log "wstest does not run"
    exit 1
fi

echo "$want_stamp" >"$stamp"
log "ready: $venv"
echo "$venv/bin/wstest"
