#!/usr/bin/env bash
# Noise-free cross-check of the small-message rows: instructions executed per
# pass, counted by valgrind's callgrind inside each contender's pass function
# only (setup and the runner are not counted), and their ratios. Slow: run it
# on its own. Needs valgrind.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
cargo build --quiet --release -p wsmachine-bench --bin micro
micro="${CARGO_TARGET_DIR:-target}/release/micro"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# instructions ARGS... : instructions in the pass function of --just's contender.
instructions() {
  local fn=$1; shift
  valgrind --tool=callgrind --callgrind-out-file="$out/cg" --toggle-collect="*::$fn" \
    "$micro" --rounds 1 --mib 1 "$@" >/dev/null 2>&1
  sed -n 's/^totals: //p' "$out/cg"
}

# row LABEL OURS "NAME FN"... -- ARGS... : one table row of ratios peer/ours.
row() {
  local label=$1 ours=$2; shift 2
  local peers=()
  while [ "$1" != "--" ]; do peers+=("$1"); shift; done
  shift
  local ws
  ws=$(instructions "$ours" --just wsmachine "$@")
  local cells=""
  for p in "${peers[@]}"; do
    local name=${p%% *} fn=${p##* }
    if [ "$fn" = none ]; then
      cells+=" – |"
      continue
    fi
    local n
    n=$(instructions "$fn" --just "$name" "$@")
    cells+=" $(awk -v a="$n" -v b="$ws" 'BEGIN { printf "%.2f", a / b }') |"
  done
  echo "| $label | $ws |$cells"
}

peers_w1=("tungstenite w1_tungstenite" "fastwebsockets w1_fastwebsockets" "shiguredo w1_shiguredo" "per-message limit_per_message")
peers_send=("tungstenite send_tungstenite" "fastwebsockets send_fastwebsockets")
# The pass functions are #[inline(never)] in micro.rs so that they can be named here.

echo "## Instructions per pass (callgrind), peer / wsmachine"
echo
echo "| row | wsmachine instructions | tungstenite | fastwebsockets | shiguredo | limit (per-message) |"
echo "|---|---|---|---|---|---|"
for size in 16 125; do
  for kind in binary ascii; do
    row "W1 $size B $kind" w1_wsmachine "${peers_w1[@]}" -- --only W1 --size $size --kind $kind
  done
done
row "W2 16 B" send_wsmachine "${peers_send[@]}" "shiguredo send_shiguredo_client" "per-message limit_send_per_message" -- --only W2 --size 16
row "W3 16 B" send_wsmachine "${peers_send[@]}" "shiguredo send_shiguredo_server" "per-message limit_send_per_message" -- --only W3
row "W4" hs_wsmachine "tungstenite hs_tungstenite" "fastwebsockets none" "shiguredo hs_shiguredo" "limit hs_limit" -- --only W4
