#!/usr/bin/env bash
# The 10,000-connection benchmark of docs/performance.md: server memory per
# idle connection and the time to open them all, for wsmachine's example
# servers, tokio-tungstenite, Node ws and Python websockets. Markdown on
# stdout, progress on stderr. Arguments go to the benchmark (for example
# --conns 500 --big 50 --deflate-conns 100 for a quick run, --runs 3,
# --only event_loop). About 5 minutes with the defaults.
#
# Node ws and Python websockets are installed at pinned versions into
# ${XDG_CACHE_HOME:-~/.cache}/wsmachine (npm, pip); without node or python3
# their rows are left out.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
WS_VERSION=8.23.0
WEBSOCKETS_VERSION=17.4
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/wsmachine"

# 10,000 client sockets here and 10,000 in each server (which inherit it).
ulimit -n "$(ulimit -Hn)"

examples=(--example event_loop --example tokio_echo_server --example echo_server)
cargo build --quiet --release -p wsmachine-bench --bin scale --bin tokio_tungstenite_echo
for variant in plain deflate; do
    features=()
    [ "$variant" = deflate ] && features=(--features deflate-zlib-rs)
    cargo build --quiet --release "${examples[@]}" "${features[@]}"
    mkdir -p "target/scale/$variant"
    for e in event_loop tokio_echo_server echo_server; do
        cp "target/release/examples/$e" "target/scale/$variant/"
    done
    # The tokio driver's echo, on the same permessage-deflate backend.
    driver_features=()
    [ "$variant" = deflate ] && driver_features=(--features wsmachine/deflate-zlib-rs)
    cargo build --quiet --release -p wsmachine-tokio --example echo "${driver_features[@]}"
    cp target/release/examples/echo "target/scale/$variant/driver_echo"
done

# The peers' rows are left out (with a warning) when they cannot be installed.
install_node_ws() {
    [ -d "$node_dir/node_modules/ws" ] && return 0
    mkdir -p "$node_dir"
    npm install --silent --no-audit --no-fund --prefix "$node_dir" "ws@$WS_VERSION" >&2
}
install_websockets() {
    "$venv/bin/python" -c 'import websockets' 2>/dev/null && return 0
    python3 -m venv "$venv" && "$venv/bin/pip" install --quiet "websockets==$WEBSOCKETS_VERSION" >&2
}
peers=()
node_dir="$CACHE/node-ws-$WS_VERSION"
venv="$CACHE/python-websockets-$WEBSOCKETS_VERSION"
if command -v node >/dev/null && command -v npm >/dev/null && install_node_ws; then
    peers+=(--node-modules "$node_dir/node_modules")
else
    echo "warning: no Node ws $WS_VERSION: its rows are left out" >&2
fi
if command -v python3 >/dev/null && install_websockets; then
    peers+=(--python "$venv/bin/python")
else
    echo "warning: no Python websockets $WEBSOCKETS_VERSION: its rows are left out" >&2
fi

echo "# wsmachine at 10,000 connections"
echo
echo "- date: $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'), release profile"
echo "- $(rustc --version); node $(node --version 2>/dev/null || echo '–') with ws $WS_VERSION; $(python3 --version 2>&1) with websockets $WEBSOCKETS_VERSION"
echo "- CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
target/release/scale --examples target/scale/plain --deflate-examples target/scale/deflate "${peers[@]}" "$@"
