#!/usr/bin/env bash
# A real browser against the example servers: headless Chromium loads the
# page a server serves on /, which opens a WebSocket back to it, sends a
# message and shows the echo and the negotiated extensions.
#
# 1. echo_server (the byte-level handshake), over plain HTTP/1.1.
# 2. hyper_server --tls (the `http` feature's entry, hyper): Chromium takes
#    HTTP/2 by ALPN and opens the WebSocket with an extended CONNECT
#    (RFC 8441); the server must report `websocket over HTTP/2`.
#
# 3. hyper_server in plain mode: HTTP/1.1 (browsers do not speak h2c), so
#    the server must report `websocket over HTTP/1.1`.
#
# Each passes when the page shows the echo and permessage-deflate. .ci/run
# installs Chromium (Debian's package) first; run alone without it, this
# skips, unless CI=true, where a missing browser fails.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

browser="$(command -v chromium || command -v chromium-browser || true)"
if [ -z "$browser" ] && [ "${WSMACHINE_BROWSER:-0}" = 1 ]; then
    timeout 300 apt-get update -qq && timeout 900 apt-get install -y -qq chromium >/dev/null
    browser="$(command -v chromium || true)"
fi
if [ -z "$browser" ]; then
    if [ "${CI:-}" = true ]; then
        echo "browser check: FAILED (no Chromium; .ci/run installs it)" >&2
        exit 1
    fi
    echo "browser check: skipped (no Chromium; WSMACHINE_BROWSER=1 installs it)"
    exit 0
fi

cargo build --quiet --release --features deflate-zlib-rs --example echo_server
cargo build --quiet --release --features http,deflate-zlib-rs --example hyper_server
tmp="$(mktemp -d)"
servers=()
cleanup() {
    for pid in "${servers[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${servers[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf -- "$tmp"
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start NAME EXAMPLE PORT ARGS...: runs an example server for at most 60 s,
# logging to $tmp/NAME.log, and waits until it listens.
start() {
    local name="$1" example="$2" port="$3"
    shift 3
    timeout 60 "target/release/examples/$example" "127.0.0.1:$port" "$@" >"$tmp/$name.log" 2>&1 &
    servers+=("$!")
    for _ in $(seq 50); do
        [ -n "$(ss -ltnH "sport = :$port" 2>/dev/null)" ] && return 0
        sleep 0.1
    done
}

# load NAME URL: the page's DOM after Chromium ran its script.
load() {
    timeout 60 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --ignore-certificate-errors \
        --user-data-dir="$tmp/profile-$1" --virtual-time-budget=5000 \
        --dump-dom "$2" >"$tmp/$1.html" 2>/dev/null || true
}

# check NAME WHAT: the page shows the echo and permessage-deflate.
check() {
    if grep -q 'connected (extensions: "permessage-deflate[;"]' "$tmp/$1.html" &&
        grep -q 'echo: Hello from' "$tmp/$1.html"; then
        echo "browser check ($2): $("$browser" --version 2>/dev/null) negotiated permessage-deflate and got its echo"
    else
        echo "browser check ($2): FAILED; page:" >&2
        cat "$tmp/$1.html" >&2
        echo "server log:" >&2
        cat "$tmp/$1.log" >&2
        exit 1
    fi
}

port="$(free_port)"
start echo_server echo_server "$port"
load echo_server "http://127.0.0.1:$port/"
check echo_server "echo_server, HTTP/1.1"

# over NAME PROTOCOL: the server reported a WebSocket over PROTOCOL.
over() {
    if ! grep -qx "websocket over $2" "$tmp/$1.log"; then
        echo "browser check ($1): FAILED, no WebSocket over $2; server log:" >&2
        cat "$tmp/$1.log" >&2
        exit 1
    fi
    echo "browser check ($1): the WebSocket came over $2"
}

port="$(free_port)"
start hyper_server hyper_server "$port" --tls
load hyper_server "https://127.0.0.1:$port/"
check hyper_server "hyper_server --tls"
over hyper_server HTTP/2

port="$(free_port)"
start hyper_server_plain hyper_server "$port"
load hyper_server_plain "http://127.0.0.1:$port/"
check hyper_server_plain "hyper_server, plain"
over hyper_server_plain HTTP/1.1
