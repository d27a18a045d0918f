#!/usr/bin/env bash
# Reproduces the tables of docs/performance.md: the in-memory benchmarks
# (W1-W4, memory), permessage-deflate, then the loopback end-to-end runs,
# once per build profile. Markdown on stdout, per-contender details on
# stderr. Arguments go to the in-memory runner (for example --rounds 5
# --only W1).
#
# Profiles (BENCH_PROFILES, default both): `release`, the default release
# profile, and `bench-lto`, release with fat LTO and one codegen unit (the
# root Cargo.toml). A profile applies to the whole workspace, so wsmachine
# and every peer are built the same way in each. BENCH_PARTS picks what runs
# (default "micro deflate e2e"; "tokio" adds the tokio servers: the
# wsmachine-tokio driver's echo, the hand-written tokio_echo_server and
# tokio-tungstenite, 5-byte text messages over 64, 512 and 4,096
# connections with 1 and 16 in flight, TOKIO_ROUNDS rounds each, default 5).
# The 10,000-connection benchmark is separate and longer: bash
# benches/scale.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
profiles=${BENCH_PROFILES:-release bench-lto}
parts=${BENCH_PARTS:-micro deflate e2e}

echo "# wsmachine benchmarks"
echo
echo "- date: $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "- $(rustc --version)"
echo "- CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
for profile in $profiles; do
    cargo build --quiet --profile "$profile" -p wsmachine-bench --bins
    cargo build --quiet --profile "$profile" --example echo_server --example event_loop
    if [[ " $parts " == *" tokio "* ]]; then
        cargo build --quiet --profile "$profile" --example tokio_echo_server
        cargo build --quiet --profile "$profile" -p wsmachine-tokio --example echo
    fi
    case $profile in
        release) what="default release profile" ;;
        bench-lto) what="fat LTO, one codegen unit" ;;
        *) what="custom profile" ;;
    esac
    echo "# Profile \`$profile\` ($what); load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo
    for part in $parts; do
        if [ "$part" = micro ]; then
            "${CARGO_TARGET_DIR:-target}/$profile/$part" "$@"
        elif [ "$part" = tokio ]; then
            for conns in 64 512 4096; do
                for depth in 1 16; do
                    "${CARGO_TARGET_DIR:-target}/$profile/e2e" --set tokio --threads 1 --size 5 --text \
                        --conns "$conns" --depth "$depth" --secs 2 --rounds "${TOKIO_ROUNDS:-5}"
                done
            done
        else
            "${CARGO_TARGET_DIR:-target}/$profile/$part"
        fi
    done
done
