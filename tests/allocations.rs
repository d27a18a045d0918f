//! What the hot paths allocate: a server handshake (the request's header
//! block, its field table and the 101, nothing for an extension offer the
//! server declines), and small messages sent and written one by one.
//!
//! One test in this binary: the counting allocator is global to it.

use std::alloc::System;

use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};
use wsmachine::handshake::{Accept, HandshakeConfig};
use wsmachine::{Config, Connection, ServerHandshake, Status};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// A request as Chromium sends it, with its permessage-deflate offer.
const CHROMIUM: &[u8] = b"GET /chat?room=1 HTTP/1.1\r\n\
    Host: server.example.com:8080\r\n\
    Connection: Upgrade\r\n\
    Pragma: no-cache\r\n\
    Cache-Control: no-cache\r\n\
    User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36\r\n\
    Upgrade: websocket\r\n\
    Origin: http://server.example.com:8080\r\n\
    Sec-WebSocket-Version: 13\r\n\
    Accept-Encoding: gzip, deflate, br, zstd\r\n\
    Accept-Language: en-US,en;q=0.9\r\n\
    Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
    Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n";

fn allocations_of<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let region = Region::new(GLOBAL);
    let value = f();
    let change = region.change();
    (value, change.allocations + change.reallocations)
}

#[test]
fn allocations_of_the_hot_paths() {
    a_declined_extension_offer_costs_no_allocation();
    small_sends_written_one_by_one_allocate_once();
}

fn small_sends_written_one_by_one_allocate_once() {
    let mut conn = Connection::server(Config::default());
    let ((), count) = allocations_of(|| {
        for i in 0..1000u32 {
            conn.send_binary(&i.to_be_bytes()).unwrap();
            let n = conn.poll_output().len();
            conn.advance_output(n);
        }
    });
    // The output buffer, kept while the connection sends (it was freed
    // after each write, a thousand allocations).
    assert!(count <= 2, "{count} allocations");
    // Waiting for input, it goes.
    let _ = conn.recv_buffer(1);
    conn.handle_received(0);
    assert_eq!(conn.heap_bytes(), 0);
}

fn a_declined_extension_offer_costs_no_allocation() {
    let (accepted, count) = allocations_of(|| {
        let mut hs = ServerHandshake::new(HandshakeConfig::default());
        let Ok(Status::Complete(request)) = hs.handle_input(CHROMIUM) else {
            panic!("the request is valid");
        };
        request.accept(Accept::new()).expect("accepted")
    });
    let response = String::from_utf8_lossy(&accepted.response_bytes);
    assert!(response.starts_with("HTTP/1.1 101 Switching Protocols\r\n"));
    assert!(response.contains("\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"));
    assert!(!response.contains("Sec-WebSocket-Extensions"));
    assert!(accepted.extensions.is_empty());
    // The header block, its field table and the 101 (eleven before the
    // offer was parsed only when asked for and the 101 written from
    // borrowed fields).
    assert!(count <= 3, "{count} allocations");

    // The offer is still there for a server that asks.
    let mut hs = ServerHandshake::new(HandshakeConfig::default());
    let Ok(Status::Complete(request)) = hs.handle_input(CHROMIUM) else {
        panic!("the request is valid");
    };
    let offered = request.extensions();
    assert_eq!(offered.len(), 1);
    assert_eq!(offered[0].name(), "permessage-deflate");
    assert_eq!(offered[0].param_value("client_max_window_bits"), Some(None));
}
