#!/usr/bin/env bash
# A real browser against the example echo server: headless Chromium loads the
# page the server serves on /, which opens a WebSocket back to the server,
# sends a message and shows the echo and the negotiated extensions. Passes
# when the page shows the echo and permessage-deflate.
#
# Runs when Chromium is installed; WSMACHINE_BROWSER=1 installs it (Debian's
# chromium package) first, otherwise a missing browser only skips the check.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

browser="$(command -v chromium || command -v chromium-browser || true)"
if [ -z "$browser" ] && [ "${WSMACHINE_BROWSER:-0}" = 1 ]; then
    apt-get update -qq && apt-get install -y -qq chromium >/dev/null
    browser="$(command -v chromium || true)"
fi
if [ -z "$browser" ]; then
    echo "browser check: skipped (no Chromium; WSMACHINE_BROWSER=1 installs it)"
    exit 0
fi

cargo build --quiet --release --features deflate-zlib-rs --example echo_server
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
tmp="$(mktemp -d)"
timeout 60 target/release/examples/echo_server "127.0.0.1:$port" >"$tmp/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf -- "$tmp"' EXIT
for _ in $(seq 50); do
    [ -n "$(ss -ltnH "sport = :$port" 2>/dev/null)" ] && break
    sleep 0.1
done

timeout 60 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$tmp/profile" --virtual-time-budget=5000 \
    --dump-dom "http://127.0.0.1:$port/" >"$tmp/page.html" 2>/dev/null || true

if grep -q 'connected (extensions: "permessage-deflate[;"]' "$tmp/page.html" &&
    grep -q 'echo: Hello from' "$tmp/page.html"; then
    echo "browser check: $("$browser" --version 2>/dev/null) negotiated permessage-deflate and got its echo"
else
    echo "browser check: FAILED; page:" >&2
    cat "$tmp/page.html" >&2
    echo "server log:" >&2
    cat "$tmp/server.log" >&2
    exit 1
fi
