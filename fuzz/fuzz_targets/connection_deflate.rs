//! A Connection with permessage-deflate negotiated, in either role (the first
//! input byte picks it), fed arbitrary bytes in arbitrary splits: inflating
//! must never panic, and the inflated size stays within the limits and the
//! heap bound (`run_deflate_connection`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&role, rest)) = data.split_first() else {
        return;
    };
    let role = if role & 1 == 0 {
        wsmachine::Role::Server
    } else {
        wsmachine::Role::Client
    };
    wsmachine_fuzz::run_deflate_connection(role, rest);
});
