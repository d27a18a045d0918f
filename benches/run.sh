#!/usr/bin/env bash
# Reproduces the tables of docs/performance.md: the in-memory benchmarks
# (W1-W4, memory), permessage-deflate, then the loopback end-to-end runs. Markdown on stdout,
# per-contender details on stderr. Arguments go to the in-memory runner
# (for example --rounds 5 --only W1). The 10,000-connection benchmark is
# separate and longer: bash benches/scale.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

cargo build --quiet --release -p wsmachine-bench --bins
cargo build --quiet --release --example echo_server --example event_loop

echo "# wsmachine benchmarks"
echo
echo "- date: $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "- $(rustc --version)"
echo "- CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
cargo run --quiet --release -p wsmachine-bench --bin micro -- "$@"
cargo run --quiet --release -p wsmachine-bench --bin deflate
cargo run --quiet --release -p wsmachine-bench --bin e2e
