//! permessage-deflate (RFC 7692): the examples of §7.2.3 byte for byte,
//! negotiation (§5, §7.1), round trips under every agreement, limits on the
//! inflated size, and the RSV rules.
#![cfg(feature = "deflate")]

use wsmachine::extension::deflate::{Backend, DeflateConfig};
use wsmachine::extension::{parse_extensions, AnswerError, Extension, Negotiate};
use wsmachine::{CloseCode, Config, Connection, Delivery, MessageKind, Violation};
use wsmachine_testkit::*;

/// A [`DeflateConfig`] changed from the default by `f`.
fn dcfg(f: impl FnOnce(&mut DeflateConfig)) -> DeflateConfig {
    let mut c = DeflateConfig::default();
    f(&mut c);
    c
}

/// Every backend built in.
fn backends() -> Vec<Backend> {
    let mut all = vec![Backend::MinizOxide];
    #[cfg(feature = "deflate-zlib-rs")]
    all.push(Backend::ZlibRs);
    all
}

fn offers(value: &str) -> Vec<Extension> {
    parse_extensions(value.as_bytes()).unwrap()
}

fn client_with_deflate() -> Connection {
    let cfg = DeflateConfig::default();
    let (codec, _) = agreed_codecs(&cfg, &cfg);
    client().with_codec(Box::new(codec))
}

fn server_with_deflate() -> Connection {
    let (_, codec) = DeflateConfig::default()
        .accept_offers(&offers("permessage-deflate"))
        .unwrap();
    server().with_codec(Box::new(codec))
}

// ----- RFC 7692 §7.2.3: the examples, as the peer sends them -----

#[test]
fn rfc_7_2_3_1_hello_compressed() {
    let wire = [0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];
    assert_eq!(
        feed(&mut client_with_deflate(), &wire),
        [Ev::Text("Hello".into())]
    );
    // The same message from a client, masked.
    let masked = client_frame(0xc1, &wire[2..]);
    assert_eq!(
        feed(&mut server_with_deflate(), &masked),
        [Ev::Text("Hello".into())]
    );
}

#[test]
fn rfc_7_2_3_1_fragmented_compressed_message() {
    // "the first frame ... RSV1 set; the second ... RSV1 not set".
    let wire = [
        0x41, 0x03, 0xf2, 0x48, 0xcd, 0x80, 0x04, 0xc9, 0xc9, 0x07, 0x00,
    ];
    assert_eq!(
        feed(&mut client_with_deflate(), &wire),
        [Ev::Text("Hello".into())]
    );
}

#[test]
fn rfc_7_2_3_2_shared_window_between_messages() {
    let mut conn = client_with_deflate();
    let first = [0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];
    let second = [0xc1, 0x05, 0xf2, 0x00, 0x11, 0x00, 0x00];
    assert_eq!(feed(&mut conn, &first), [Ev::Text("Hello".into())]);
    assert_eq!(feed(&mut conn, &second), [Ev::Text("Hello".into())]);
}

#[test]
fn rfc_7_2_3_3_stored_block() {
    let wire = [
        0xc1, 0x0b, 0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00,
    ];
    assert_eq!(
        feed(&mut client_with_deflate(), &wire),
        [Ev::Text("Hello".into())]
    );
}

#[test]
fn rfc_7_2_3_4_final_block_then_next_message() {
    let mut conn = client_with_deflate();
    let wire = [0xc1, 0x08, 0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00];
    assert_eq!(feed(&mut conn, &wire), [Ev::Text("Hello".into())]);
    // A new DEFLATE stream starts with the next message.
    let next = [0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];
    assert_eq!(feed(&mut conn, &next), [Ev::Text("Hello".into())]);
}

#[test]
fn rfc_7_2_3_5_two_blocks_in_one_message() {
    let wire = [
        0xc1, 0x0d, 0xf2, 0x48, 0x05, 0x00, 0x00, 0x00, 0xff, 0xff, 0xca, 0xc9, 0xc9, 0x07, 0x00,
    ];
    assert_eq!(
        feed(&mut client_with_deflate(), &wire),
        [Ev::Text("Hello".into())]
    );
}

#[test]
fn rfc_7_2_3_6_empty_message() {
    let wire = [0xc1, 0x01, 0x00];
    assert_eq!(
        feed(&mut client_with_deflate(), &wire),
        [Ev::Text(String::new())]
    );
    // And we send an empty compressed message the same way.
    let mut pair = Pair::negotiated(
        &dcfg(|c| c.threshold = 0),
        &dcfg(|c| c.threshold = 0),
        Config::default(),
    );
    pair.server.send_text("").unwrap();
    let out = drain(&mut pair.server);
    assert_eq!(frames(&out), [(0xc1, vec![0x00])]);
    assert_eq!(feed(&mut pair.client, &out), [Ev::Text(String::new())]);
}

// ----- what we send -----

#[test]
fn sends_compressed_with_rsv1_on_the_first_frame_only() {
    let mut pair = Pair::negotiated(
        &DeflateConfig::default(),
        &DeflateConfig::default(),
        Config::default(),
    );
    let text = "a JSON-ish line {\"id\": 1, \"name\": \"wsmachine\"} ".repeat(40);
    pair.client.send_text(&text).unwrap();
    let wire = drain(&mut pair.client);
    let sent = frames(&wire);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].0, 0xc1, "FIN + RSV1 + text");
    assert!(
        sent[0].1.len() < text.len() / 10,
        "compressed to {}",
        sent[0].1.len()
    );
    assert_eq!(feed(&mut pair.server, &wire), [Ev::Text(text.clone())]);

    // Fragments: RSV1 on the first, continuations without; a ping between.
    pair.server.begin_message(MessageKind::Binary).unwrap();
    pair.server.send_fragment(&text.as_bytes()[..500]).unwrap();
    pair.server.send_ping(b"between").unwrap();
    pair.server
        .send_fragment(&text.as_bytes()[500..1000])
        .unwrap();
    pair.server
        .finish_message(&text.as_bytes()[1000..])
        .unwrap();
    let wire = drain(&mut pair.server);
    let firsts: Vec<u8> = frames(&wire).iter().map(|f| f.0).collect();
    assert_eq!(firsts, [0x42, 0x89, 0x00, 0x80]);
    assert_eq!(
        feed(&mut pair.client, &wire),
        [Ev::Ping(b"between".to_vec()), Ev::Binary(text.into_bytes())]
    );
}

#[test]
fn short_messages_go_uncompressed() {
    let mut pair = Pair::negotiated(
        &DeflateConfig::default(),
        &DeflateConfig::default(),
        Config::default(),
    );
    pair.server.send_text("hi").unwrap();
    let wire = drain(&mut pair.server);
    assert_eq!(frames(&wire), [(0x81, b"hi".to_vec())]);
    assert_eq!(feed(&mut pair.client, &wire), [Ev::Text("hi".into())]);
}

/// Messages of every size through every agreement, both ways, whole and
/// streamed, fed in awkward splits.
#[test]
fn round_trips_under_every_agreement() {
    let corpus: Vec<u8> = (0..200_000u32)
        .map(|i| b"{\"k\":[1,2,3],\"v\":\"abc\"}\n"[(i % 24) as usize] ^ ((i / 997) as u8 & 1))
        .collect();
    let sizes = [0usize, 1, 63, 64, 200, 4096, 70_000];
    // Each backend against itself and against the other (client, server),
    // with the history held between messages under and over the window.
    let mut ends: Vec<(Backend, Backend, u8)> = Vec::new();
    for a in backends() {
        for b in backends() {
            ends.extend([(a, b, 9), (a, b, 15)]);
        }
    }
    for (client_backend, server_backend, held) in ends {
        for bits in [8u8, 9, 12, 15] {
            for no_ctx in [false, true] {
                for delivery in [Delivery::Whole, Delivery::Chunks] {
                    let cfg = |backend| {
                        dcfg(|c| {
                            c.backend = backend;
                            c.held_window_bits = held;
                            c.max_window_bits = bits;
                            c.no_context_takeover = no_ctx;
                            c.request_peer_no_context_takeover = no_ctx;
                            c.request_peer_max_window_bits = Some(bits);
                            c.threshold = 1;
                        })
                    };
                    let mut config = Config::default();
                    config.delivery = delivery;
                    let mut pair =
                        Pair::negotiated(&cfg(client_backend), &cfg(server_backend), config);
                    for (i, &n) in sizes.iter().enumerate() {
                        let msg = &corpus[i * 7..i * 7 + n];
                        pair.client.send_binary(msg).unwrap();
                        pair.server.send_binary(msg).unwrap();
                        let to_server = drain(&mut pair.client);
                        let to_client = drain(&mut pair.server);
                        for (conn, wire) in
                            [(&mut pair.server, to_server), (&mut pair.client, to_client)]
                        {
                            let cuts: Vec<usize> =
                                (1..wire.len()).step_by(1 + wire.len() / 5).collect();
                            let got: Vec<u8> = feed_split(conn, &wire, &cuts)
                                .into_iter()
                                .flat_map(|ev| match ev {
                                    Ev::Binary(b) => b,
                                    Ev::Chunk(MessageKind::Binary, b, _) => b,
                                    other => panic!("bits {bits} no_ctx {no_ctx}: {other:?}"),
                                })
                                .collect();
                            assert!(
                            got == msg,
                            "{client_backend:?}/{server_backend:?} held {held} bits {bits} no_ctx {no_ctx} {delivery:?} size {n}"
                        );
                        }
                    }
                }
            }
        }
    }
}

// ----- limits -----

/// A decompression bomb: a few KiB that inflate to 16 MiB stop at the
/// message limit with 1009, holding no more than the limit.
#[test]
fn inflated_size_is_limited_while_inflating() {
    let limit = 64 * 1024;
    let mut config = Config::default();
    config.max_message_size = limit;
    let cfg = DeflateConfig::default();
    let mut pair = Pair::negotiated(&cfg, &cfg, config);
    let mut sender = Pair::with(Config::default(), Config::default());
    // Level 6 packs the bomb tighter than the default's fast path (level 1
    // makes 16 MiB of zeros about 75 KiB).
    let mut strong = cfg.clone();
    strong.level = 6;
    let (_, codec) = agreed_codecs(&cfg, &strong);
    sender.server.set_codec(Box::new(codec));
    let bomb = vec![0u8; 16 << 20];
    sender.server.send_binary(&bomb).unwrap();
    let wire = drain(&mut sender.server);
    assert!(wire.len() < 40 * 1024, "bomb is {} bytes", wire.len());

    let before = assert_fails(
        &mut pair.client,
        &wire,
        Violation::MessageTooLarge,
        CloseCode::MESSAGE_TOO_BIG,
    );
    assert_eq!(before, []);
    // The buffer never held more than the limit (plus the inflater's state).
    assert!(
        pair.client.heap_bytes() < limit as usize + 64 * 1024,
        "{}",
        pair.client.heap_bytes()
    );
}

#[test]
fn a_message_at_the_limit_passes() {
    let limit = 100_000u64;
    let mut config = Config::default();
    config.max_message_size = limit;
    let cfg = DeflateConfig::default();
    let mut pair = Pair::negotiated(&cfg, &cfg, config);
    let msg = vec![7u8; limit as usize];
    pair.server.send_binary(&msg).unwrap();
    assert_eq!(pair.server_to_client(), [Ev::Binary(msg.clone())]);
    pair.server
        .send_binary(&[msg.as_slice(), b"x"].concat())
        .unwrap();
    let events = pair.server_to_client();
    let before = assert_failed(
        &mut pair.client,
        &events,
        Violation::MessageTooLarge,
        CloseCode::MESSAGE_TOO_BIG,
    );
    assert_eq!(before, []);
}

// ----- the RSV rules (RFC 7692 §6.1) -----

#[test]
fn rsv1_on_a_continuation_fails() {
    let wire = [
        0x41, 0x03, 0xf2, 0x48, 0xcd, 0xc0, 0x04, 0xc9, 0xc9, 0x07, 0x00,
    ];
    assert_fails(
        &mut client_with_deflate(),
        &wire,
        Violation::ReservedBits(4),
        CloseCode::PROTOCOL_ERROR,
    );
}

#[test]
fn rsv1_on_a_control_frame_fails() {
    assert_fails(
        &mut client_with_deflate(),
        &[0xc9, 0x00],
        Violation::ReservedBits(4),
        CloseCode::PROTOCOL_ERROR,
    );
}

#[test]
fn other_rsv_bits_still_fail() {
    assert_fails(
        &mut client_with_deflate(),
        &[0xa1, 0x01, b'a'],
        Violation::ReservedBits(2),
        CloseCode::PROTOCOL_ERROR,
    );
    assert_fails(
        &mut client_with_deflate(),
        &[0x91, 0x01, b'a'],
        Violation::ReservedBits(1),
        CloseCode::PROTOCOL_ERROR,
    );
}

#[test]
fn rsv1_without_the_extension_fails() {
    assert_fails(
        &mut client(),
        &[0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00],
        Violation::ReservedBits(4),
        CloseCode::PROTOCOL_ERROR,
    );
}

#[test]
fn data_that_is_not_deflate_fails_with_1007() {
    // BTYPE 11 is reserved: invalid DEFLATE.
    assert_fails(
        &mut client_with_deflate(),
        &[0xc2, 0x02, 0xff, 0xff],
        Violation::InvalidExtensionData,
        CloseCode::INVALID_PAYLOAD,
    );
}

#[test]
fn compressed_text_is_validated_after_inflating() {
    // Stored block holding 0xC0 0xAF (an overlong '/'): invalid UTF-8.
    let wire = [0xc1, 0x08, 0x00, 0x02, 0x00, 0xfd, 0xff, 0xc0, 0xaf, 0x00];
    assert_fails(
        &mut client_with_deflate(),
        &wire,
        Violation::InvalidUtf8,
        CloseCode::INVALID_PAYLOAD,
    );
}

// ----- negotiation (RFC 7692 §5, §7.1) -----

fn answer_to(config: &DeflateConfig, offer: &str) -> Option<String> {
    config
        .accept_offers(&offers(offer))
        .map(|(answer, _)| wsmachine::extension::format_extensions(&[answer]).unwrap())
}

#[test]
fn server_answers() {
    // miniz_oxide holds whole windows: the answers depend on the offer alone
    // (zlib-rs' answers: tests/deflate_memory.rs).
    let d = dcfg(|c| c.backend = Backend::MinizOxide);
    let cases: &[(&str, Option<&str>)] = &[
        ("permessage-deflate", Some("permessage-deflate")),
        ("permessage-deflate; client_max_window_bits", Some("permessage-deflate")),
        (
            "permessage-deflate; server_no_context_takeover",
            Some("permessage-deflate; server_no_context_takeover"),
        ),
        (
            "permessage-deflate; client_no_context_takeover; server_max_window_bits=9",
            Some("permessage-deflate; server_max_window_bits=9"),
        ),
        ("permessage-deflate; server_max_window_bits=\"10\"", Some("permessage-deflate; server_max_window_bits=10")),
        // Declined (§5): unknown, invalid and repeated parameters.
        ("permessage-deflate; foo", None),
        ("permessage-deflate; server_max_window_bits", None),
        ("permessage-deflate; server_max_window_bits=16", None),
        ("permessage-deflate; server_max_window_bits=7", None),
        ("permessage-deflate; server_max_window_bits=08", None),
        ("permessage-deflate; client_max_window_bits=abc", None),
        ("permessage-deflate; server_no_context_takeover=1", None),
        ("permessage-deflate; client_no_context_takeover; client_no_context_takeover", None),
        ("x-other", None),
        // The first acceptable offer wins.
        (
            "permessage-deflate; bogus, permessage-deflate; server_no_context_takeover, permessage-deflate",
            Some("permessage-deflate; server_no_context_takeover"),
        ),
    ];
    for (offer, want) in cases {
        assert_eq!(answer_to(&d, offer).as_deref(), *want, "offer: {offer}");
    }
}

#[test]
fn a_client_that_breaks_its_no_context_takeover_hint_still_decodes_on_miniz() {
    // RFC 7692 §7.1.1.2: client_no_context_takeover in an offer is a hint
    // the server need not answer. miniz_oxide keeps its inflater's window,
    // so a client that keeps its context after all is still understood.
    let miniz = dcfg(|c| c.backend = Backend::MinizOxide);
    let (answer, server_codec) = miniz
        .accept_offers(&offers("permessage-deflate; client_no_context_takeover"))
        .unwrap();
    assert_eq!(
        wsmachine::extension::format_extensions(std::slice::from_ref(&answer)).unwrap(),
        "permessage-deflate"
    );
    let client_codec = DeflateConfig::default()
        .check_answers(&[answer])
        .unwrap()
        .unwrap();
    let mut client = client().with_codec(Box::new(client_codec));
    let mut server = server().with_codec(Box::new(server_codec));
    let text = "the same words again and again, ".repeat(8);
    let mut sizes = Vec::new();
    for _ in 0..2 {
        client.send_text(&text).unwrap();
        let wire = drain(&mut client);
        sizes.push(wire.len());
        assert_eq!(feed(&mut server, &wire), [Ev::Text(text.clone())]);
    }
    assert!(
        sizes[1] * 2 < sizes[0],
        "the second refers to the first: {sizes:?}"
    );
}

#[test]
fn server_answers_with_its_own_limits() {
    let d = dcfg(|c| {
        c.no_context_takeover = true;
        c.max_window_bits = 10;
        c.request_peer_no_context_takeover = true;
        c.request_peer_max_window_bits = Some(11);
    });
    assert_eq!(
        answer_to(&d, "permessage-deflate; client_max_window_bits").as_deref(),
        Some("permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=11")
    );
    // The client's window can be limited only if it offered that (§7.1.2.2),
    // and never above what it offered.
    assert_eq!(
        answer_to(&d, "permessage-deflate; client_max_window_bits=9; server_max_window_bits=12").as_deref(),
        Some("permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=9")
    );
    assert_eq!(
        answer_to(&d, "permessage-deflate").as_deref(),
        Some("permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10")
    );
}

#[test]
fn client_offer() {
    let fmt = |c: &DeflateConfig| wsmachine::extension::format_extensions(&[c.offer()]).unwrap();
    assert_eq!(
        fmt(&DeflateConfig::default()),
        "permessage-deflate; client_max_window_bits"
    );
    let c = dcfg(|c| {
        c.no_context_takeover = true;
        c.max_window_bits = 12;
        c.request_peer_no_context_takeover = true;
        c.request_peer_max_window_bits = Some(10);
    });
    assert_eq!(
        fmt(&c),
        "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=12"
    );
}

#[test]
fn client_checks_the_answer() {
    let check = |c: &DeflateConfig, answer: &str| {
        c.check_answers(&offers(answer))
            .map(|c| c.map(|c| *c.agreement()))
    };
    let d = DeflateConfig::default();
    assert!(check(&d, "").unwrap().is_none(), "declined");
    let a = check(
        &d,
        "permessage-deflate; server_no_context_takeover; client_max_window_bits=9",
    )
    .unwrap()
    .unwrap();
    assert!(a.peer_no_context_takeover && !a.local_no_context_takeover);
    assert_eq!(a.local_max_window_bits, 9);
    let a = check(&d, "permessage-deflate; client_no_context_takeover")
        .unwrap()
        .unwrap();
    assert!(a.local_no_context_takeover, "the server may impose it");

    use AnswerError::*;
    let bad: &[(&DeflateConfig, &str, AnswerError)] = &[
        (&d, "permessage-deflate; foo", UnknownParameter),
        (
            &d,
            "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
            DuplicateParameter,
        ),
        (
            &d,
            "permessage-deflate; client_max_window_bits",
            InvalidValue,
        ),
        (
            &d,
            "permessage-deflate; server_max_window_bits=20",
            InvalidValue,
        ),
        (
            &d,
            "permessage-deflate, permessage-deflate",
            DuplicateExtension,
        ),
    ];
    for (c, answer, want) in bad {
        assert_eq!(check(c, answer), Err(*want), "answer: {answer}");
    }
    let asks = dcfg(|c| {
        c.request_peer_no_context_takeover = true;
        c.request_peer_max_window_bits = Some(10);
        c.max_window_bits = 12;
    });
    for answer in [
        "permessage-deflate; server_max_window_bits=10",
        "permessage-deflate; server_no_context_takeover",
        "permessage-deflate; server_no_context_takeover; server_max_window_bits=11",
        "permessage-deflate; server_no_context_takeover; server_max_window_bits=10; client_max_window_bits=13",
    ] {
        assert_eq!(check(&asks, answer), Err(NotAsOffered), "answer: {answer}");
    }
    assert!(check(
        &asks,
        "permessage-deflate; server_no_context_takeover; server_max_window_bits=8"
    )
    .is_ok());
}

// ----- through the handshake machines -----

mod handshake {
    use super::*;
    use wsmachine::handshake::{
        Accept, ClientError, ClientHandshake, ClientRequest, HandshakeConfig, ResponseErrorKind,
    };

    /// Runs both handshake machines against each other, the client
    /// offering permessage-deflate with the default parameters.
    fn handshake(accept: Accept) -> Handshake {
        let request = ClientRequest::from_url("ws://localhost/chat")
            .unwrap()
            .negotiate(DeflateConfig::default());
        Handshake::run(request, accept)
    }

    #[test]
    fn negotiated_end_to_end_and_used() {
        let hs = handshake(Accept::new().negotiate(DeflateConfig::default()));
        let (request, response) = (&hs.request_text, &hs.response_text);
        // A server that holds only part of the client's window limits it.
        let answer = match DeflateConfig::default().backend {
            Backend::MinizOxide => "permessage-deflate",
            _ => "permessage-deflate; client_max_window_bits=12",
        };
        assert!(
            request.contains(
                "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
            ),
            "{request}"
        );
        assert!(
            response.contains(&format!("Sec-WebSocket-Extensions: {answer}\r\n")),
            "{response}"
        );
        let mut pair = hs.into_pair();
        assert!(pair.client.has_codec() && pair.server.has_codec());
        let text = "compress me ".repeat(100);
        pair.client.send_text(&text).unwrap();
        let wire = drain(&mut pair.client);
        assert_eq!(wire[0], 0xc1);
        assert_eq!(feed(&mut pair.server, &wire), [Ev::Text(text.clone())]);
        pair.server.send_text(&text).unwrap();
        let wire = drain(&mut pair.server);
        assert_eq!(wire[0], 0xc1);
        assert_eq!(feed(&mut pair.client, &wire), [Ev::Text(text)]);
    }

    #[test]
    fn a_server_without_deflate_declines() {
        let hs = handshake(Accept::new());
        assert!(
            !hs.response_text.contains("Extensions"),
            "{}",
            hs.response_text
        );
        let pair = hs.into_pair();
        assert!(!pair.client.has_codec() && !pair.server.has_codec());
    }

    #[test]
    fn the_client_fails_on_an_answer_that_breaks_its_offer() {
        let request = ClientRequest::from_url("ws://localhost/chat")
            .unwrap()
            .negotiate(dcfg(|c| c.request_peer_no_context_takeover = true));
        let mut client =
            ClientHandshake::new(request, HandshakeConfig::default(), TestRng(7)).unwrap();
        let key = client.key().to_owned();
        let response = format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: {}\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n",
            wsmachine::handshake::accept_key(&key)
        );
        match client.handle_input(response.as_bytes()) {
            Err(ClientError::Response(e)) => assert_eq!(
                e.kind(),
                ResponseErrorKind::InvalidExtensionAnswer(AnswerError::NotAsOffered)
            ),
            other => panic!("{other:?}"),
        }
    }
}
