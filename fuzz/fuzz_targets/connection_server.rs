//! A server-side Connection fed arbitrary bytes in arbitrary splits, with
//! every delivery mode and limit profile (see `run_connection`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    wsmachine_fuzz::run_connection(wsmachine::Role::Server, data);
});
