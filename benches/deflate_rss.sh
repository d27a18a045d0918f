#!/usr/bin/env bash
# Server memory per idle permessage-deflate connection (VmRSS growth per
# connection that exchanged one 125-byte JSON message and then sits idle):
# wsmachine's event_loop example on miniz_oxide (`deflate`) and on zlib-rs
# (`deflate-zlib-rs`), Node ws and Python websockets, each with offers as
# Chromium sends them (`client_max_window_bits`) and as Firefox does (plain).
#
#   benches/deflate_rss.sh [CONNS] [RUNS]     # defaults: 500 connections, 3 runs
#
# PEERS_DIR: a directory with node_modules/ws and a venv/ with websockets;
# they are installed there (npm, pip) when missing. Default: a new temporary
# directory. Prints a Markdown table: KiB per connection, min–max over runs.
set -euo pipefail

conns="${1:-500}"
runs="${2:-3}"
port=9310
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
ulimit -n 8192 2>/dev/null || ulimit -n "$(ulimit -Hn)"

peers="${PEERS_DIR:-$(mktemp -d)}"
if [ ! -d "$peers/node_modules/ws" ]; then
    npm install --silent --prefix "$peers" ws@8 >/dev/null
fi
if [ ! -x "$peers/venv/bin/python" ] || ! "$peers/venv/bin/python" -c "import websockets" 2>/dev/null; then
    python3 -m venv "$peers/venv"
    "$peers/venv/bin/pip" install --quiet "websockets>=14"
fi

bins="$(mktemp -d)"
cargo build --quiet --release -p wsmachine-bench --bin deflate_rss
for feature in deflate deflate-zlib-rs; do
    cargo build --quiet --release --example event_loop --features "$feature"
    cp target/release/examples/event_loop "$bins/event_loop-$feature"
done

server_pid=""
stop_server() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        server_pid=""
    fi
}
trap stop_server EXIT

start_server() { # name
    port=$((port + 1))
    case "$1" in
        wsmachine-miniz) "$bins/event_loop-deflate" "127.0.0.1:$port" >/dev/null 2>&1 & ;;
        wsmachine-zlib-rs) "$bins/event_loop-deflate-zlib-rs" "127.0.0.1:$port" >/dev/null 2>&1 & ;;
        node-ws) NODE_PATH="$peers/node_modules" node benches/peers/ws_echo.js "127.0.0.1:$port" >/dev/null 2>&1 & ;;
        python-websockets) "$peers/venv/bin/python" benches/peers/websockets_echo.py "127.0.0.1:$port" >/dev/null 2>&1 & ;;
    esac
    server_pid=$!
    for _ in $(seq 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    echo "server $1 did not listen" >&2
    return 1
}

echo "| server | offer | KiB per idle deflate connection ($conns connections, $runs runs) |"
echo "|---|---|---|"
for server in wsmachine-miniz wsmachine-zlib-rs node-ws python-websockets; do
    for offer in chromium firefox; do
        values=()
        for _ in $(seq "$runs"); do
            start_server "$server"
            values+=("$(target/release/deflate_rss --port "$port" --pid "$server_pid" --conns "$conns" --offer "$offer" 2>/dev/null)")
            stop_server
        done
        range="$(printf '%s\n' "${values[@]}" | sort -n | awk 'NR==1{min=$1} {max=$1} END{printf "%s–%s", min, max}')"
        echo "| $server | $offer | $range |"
    done
done
