//! A Connection with permessage-deflate negotiated, in either role and on
//! either backend (the first input byte picks them), fed arbitrary bytes in
//! arbitrary splits: inflating must never panic, and the inflated size stays within the limits and the
//! heap bound (`run_deflate_connection`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let role = if first & 1 == 0 {
        wsmachine::Role::Server
    } else {
        wsmachine::Role::Client
    };
    let backend = if first & 2 == 0 {
        wsmachine::extension::deflate::Backend::MinizOxide
    } else {
        wsmachine::extension::deflate::Backend::ZlibRs
    };
    wsmachine_fuzz::run_deflate_connection(role, backend, rest);
});
