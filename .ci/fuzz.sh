#!/usr/bin/env bash
# Builds the cargo-fuzz targets (fuzz/) and runs each one from its committed
# corpus; fails if any input crashes, hangs (10 s) or breaks a target's
# memory bound. Builds with debug assertions and overflow checks (the
# cargo-fuzz default). Needs a nightly toolchain; installs cargo-fuzz if missing.
#
#   WSMACHINE_FUZZ_SECONDS=N   seconds per target (default 30); set it high
#                              for a long run, e.g. 600 before a release.
#
# New inputs go to a scratch directory, so the committed corpus is only read.
# To keep what a long run found: cargo +nightly fuzz cmin <target>.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds="${WSMACHINE_FUZZ_SECONDS:-30}"

rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked

cargo fmt --check
cargo +nightly fuzz build
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
for target in $(cargo +nightly fuzz list); do
  printf '\n-- %s (%s s)\n' "$target" "$seconds"
  mkdir -p "$scratch/$target"
  if ! cargo +nightly fuzz run "$target" "$scratch/$target" "corpus/$target" -- \
    -max_total_time="$seconds" -timeout=10 -print_final_stats=1 >"$scratch/$target.log" 2>&1; then
    tail -n 60 "$scratch/$target.log"
    echo "fuzz target $target failed; the input is in fuzz/artifacts/$target/" >&2
    exit 1
  fi
  grep -E '^#[0-9]+[[:space:]]+DONE|^stat::peak_rss_mb' "$scratch/$target.log" || true
done
