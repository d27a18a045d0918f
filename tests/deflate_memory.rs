//! permessage-deflate memory between messages: with zlib-rs a connection
//! holds only the data its next messages may refer to, and a server limits
//! how much of the client's it must hold, whatever the client offered.
#![cfg(feature = "deflate-zlib-rs")]

use wsmachine::extension::deflate::{Backend, DeflateConfig, PerMessageDeflate};
use wsmachine::extension::{format_extensions, parse_extensions, MessageCodec, Negotiate};
use wsmachine::Config;
use wsmachine_testkit::{Ev, Pair};

/// The offers browsers and libraries send: Chromium and Python websockets
/// (`client_max_window_bits`), Firefox and Node ws (plain).
const CHROMIUM: &str = "permessage-deflate; client_max_window_bits";
const FIREFOX: &str = "permessage-deflate";

fn dcfg(f: impl FnOnce(&mut DeflateConfig)) -> DeflateConfig {
    let mut c = DeflateConfig::default();
    f(&mut c);
    c
}

/// The server's answer to `offer` and the codecs of both ends.
fn agree(server: &DeflateConfig, offer: &str) -> (String, PerMessageDeflate, PerMessageDeflate) {
    let offers = parse_extensions(offer.as_bytes()).unwrap();
    let (answer, server_codec) = server.accept_offers(&offers).expect("accepted");
    let text = format_extensions(std::slice::from_ref(&answer)).unwrap();
    let client_codec = DeflateConfig::default()
        .check_answers(&[answer])
        .expect("a valid answer")
        .expect("agreed");
    (text, client_codec, server_codec)
}

fn answer(server: &DeflateConfig, offer: &str) -> String {
    agree(server, offer).0
}

#[test]
fn a_server_limits_what_it_holds_of_the_client() {
    let d = DeflateConfig::default();
    assert_eq!(d.backend, Backend::ZlibRs, "the default with the feature");
    // RFC 7692 §7.1.2.2: limited only when the offer has the parameter...
    assert_eq!(
        answer(&d, CHROMIUM),
        "permessage-deflate; client_max_window_bits=12"
    );
    assert_eq!(
        answer(&d, "permessage-deflate; client_max_window_bits=10"),
        "permessage-deflate; client_max_window_bits=10"
    );
    assert_eq!(
        answer(
            &d,
            "permessage-deflate; server_max_window_bits=10; client_max_window_bits"
        ),
        "permessage-deflate; server_max_window_bits=10; client_max_window_bits=12"
    );
    // ... otherwise §7.1.1.2: each message on its own.
    assert_eq!(
        answer(&d, FIREFOX),
        "permessage-deflate; client_no_context_takeover"
    );
    // The smaller of what it holds and what it asks for.
    let asks = dcfg(|c| c.request_peer_max_window_bits = Some(9));
    assert_eq!(
        answer(&asks, CHROMIUM),
        "permessage-deflate; client_max_window_bits=9"
    );
    // Holding whole windows, or keeping miniz_oxide's whole state, it asks
    // for nothing.
    for c in [
        dcfg(|c| c.held_window_bits = 15),
        dcfg(|c| c.backend = Backend::MinizOxide),
    ] {
        assert_eq!(answer(&c, CHROMIUM), "permessage-deflate");
        assert_eq!(answer(&c, FIREFOX), "permessage-deflate");
    }
}

/// JSON-like messages of 125 bytes to 16 KiB, each different.
fn messages() -> Vec<Vec<u8>> {
    let record = |i: usize| {
        format!(
            r#"{{"id":{i},"user":"user{}","status":"active","amount":{}.{:02}}},"#,
            i % 37,
            i * 7 % 5000,
            i % 100
        )
    };
    [125usize, 900, 125, 16 << 10, 300, 125, 4096, 125]
        .iter()
        .enumerate()
        .map(|(n, &size)| {
            let mut m = String::from("[");
            let mut i = n * 1000;
            while m.len() < size {
                m.push_str(&record(i));
                i += 1;
            }
            m.truncate(size);
            m.into_bytes()
        })
        .collect()
}

/// Sends `m` from one codec to the other; returns the compressed length.
fn send(from: &mut PerMessageDeflate, to: &mut PerMessageDeflate, m: &[u8]) -> usize {
    let mut wire = Vec::new();
    assert!(from.encode_begin(wsmachine::MessageKind::Text, Some(m.len())));
    from.encode(m, true, &mut wire);
    let mut got = Vec::new();
    to.decode(&wire, true, &mut got, 1 << 20).unwrap();
    assert!(got == m, "round trip of {} bytes", m.len());
    wire.len()
}

/// Sends every message both ways through the codecs, checking each.
fn exchange(client: &mut PerMessageDeflate, server: &mut PerMessageDeflate) {
    for m in messages() {
        send(client, server, &m);
        send(server, client, &m);
    }
}

#[test]
fn an_idle_connection_holds_only_the_history() {
    let d = DeflateConfig::default();
    // (offer, most the server may hold): 4 KiB of what it sent, and 4 KiB of
    // the client's data only when it could limit the client's window.
    for (offer, most) in [(CHROMIUM, 8 << 10), (FIREFOX, 4 << 10)] {
        let (_, mut client, mut server) = agree(&d, offer);
        exchange(&mut client, &mut server);
        let held = server.heap_bytes();
        assert!(held <= most, "{offer}: {held} bytes held, at most {most}");
        assert!(
            held >= 4 << 10,
            "{offer}: the sent history is kept ({held})"
        );
    }
    // miniz_oxide keeps its compressor and inflater: hundreds of KiB.
    let (_, mut client, mut server) = agree(&dcfg(|c| c.backend = Backend::MinizOxide), CHROMIUM);
    exchange(&mut client, &mut server);
    assert!(server.heap_bytes() > 256 << 10, "{}", server.heap_bytes());
}

/// The compressed size of `m` sent twice in a row by a server made with `d`.
fn twice(d: &DeflateConfig, m: &[u8]) -> (usize, usize) {
    let (_, mut client, mut server) = agree(d, CHROMIUM);
    let first = send(&mut server, &mut client, m);
    (first, send(&mut server, &mut client, m))
}

#[test]
fn the_held_history_carries_context_to_the_next_message() {
    let m = &messages()[1]; // 900 bytes
                            // With 4 KiB held, the repeat is a few back-references.
    let (first, second) = twice(&DeflateConfig::default(), m);
    assert!(second * 5 < first, "{first} then {second}");
    // Holding 256 bytes, most of it must be compressed again.
    let (first, second) = twice(&dcfg(|c| c.held_window_bits = 8), m);
    assert!(second * 2 > first, "{first} then {second}");
    // Without context takeover nothing is held, and the repeat costs as much.
    let d = dcfg(|c| c.no_context_takeover = true);
    let (first, second) = twice(&d, m);
    assert_eq!(first, second);
}

#[test]
fn a_short_message_leaves_short_buffers() {
    // The whole connection, buffers included: one short message each way
    // must not leave a buffer sized for a large one behind (an inflate step
    // of 32 KiB once did, in the message buffer, for every connection).
    let d = DeflateConfig::default();
    let mut pair = Pair::negotiated(&d, &d, Config::default());
    let message = r#"[{"id":1000,"user":{"name":"Ada Lovelace","email":"ada.lovelace1@example.com"},"status":"active","amount":12.34,"note":"order"}]"#;
    for _ in 0..3 {
        pair.client.send_text(message).unwrap();
        assert_eq!(pair.client_to_server(), [Ev::Text(message.into())]);
        pair.server.send_text(message).unwrap();
        assert_eq!(pair.server_to_client(), [Ev::Text(message.into())]);
    }
    for (end, conn) in [("server", &pair.server), ("client", &pair.client)] {
        let held = conn.heap_bytes();
        assert!(held < 4 << 10, "{end}: {held} bytes held");
    }
}
