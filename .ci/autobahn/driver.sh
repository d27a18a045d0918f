#!/usr/bin/env bash
# The Autobahn|Testsuite through the tokio driver (drivers/tokio): its `echo`
# example in the server role, `driver_autobahn_client` in the client role.
#
#   .ci/autobahn/driver.sh server|client|all
#
# By default it runs the CI selection: cases 1.* to 10.* and the first case
# of each 12.x and 13.x group (permessage-deflate), compared with
# .ci/autobahn/driver/expected-ROLE.txt. With WSMACHINE_AUTOBAHN_DRIVER_FULL=1
# it runs every case, compared with the core's expected results
# (.ci/autobahn/expected-ROLE.txt): the driver must not change any result.
# Other variables are run.sh's.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if [ "${WSMACHINE_AUTOBAHN_DRIVER_FULL:-0}" = 1 ]; then
    expected_dir="$here"
    cases='["1.*", "2.*", "3.*", "4.*", "5.*", "6.*", "7.*", "9.*", "10.*", "12.*", "13.*"]'
else
    expected_dir="$here/driver"
    cases='["1.*", "2.*", "3.*", "4.*", "5.*", "6.*", "7.*", "9.*", "10.*",
            "12.1.1", "12.2.1", "12.3.1", "12.4.1", "12.5.1",
            "13.1.1", "13.2.1", "13.3.1", "13.4.1", "13.5.1", "13.6.1", "13.7.1"]'
fi

export AUTOBAHN_CASES="${AUTOBAHN_CASES:-$cases}"
export AUTOBAHN_EXPECTED_DIR="${AUTOBAHN_EXPECTED_DIR:-$expected_dir}"
export AUTOBAHN_OUT="${AUTOBAHN_OUT:-target/autobahn-driver}"
export AUTOBAHN_SERVER_CMD="${AUTOBAHN_SERVER_CMD:-cargo run --quiet --release -p wsmachine-tokio --example echo -- 127.0.0.1:{port}}"
export AUTOBAHN_CLIENT_CMD="${AUTOBAHN_CLIENT_CMD:-cargo run --quiet --release -p wsmachine-tokio --example driver_autobahn_client -- {url}}"
# Built here: run.sh builds only its own examples, and a cold release build
# of the driver (rustls, ring) would outlast its wait for a listening port.
if [ "${AUTOBAHN_BUILT:-0}" != 1 ]; then
    (cd "$here/../.." && timeout 1800 cargo build --release -p wsmachine-tokio \
        --example echo --example driver_autobahn_client)
    export AUTOBAHN_BUILT=1
fi
exec bash "$here/run.sh" "$@"
