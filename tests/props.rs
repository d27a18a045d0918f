//! Property tests: any sequence of messages round-trips in both roles, and any
//! split of the wire bytes into reads gives the same events.

use proptest::prelude::*;
use wsmachine::{Config, Connection, Delivery, MessageKind};
use wsmachine_testkit::*;

#[derive(Debug, Clone)]
enum Op {
    Text(String),
    Binary(Vec<u8>),
    Fragmented(MessageKind, Vec<Vec<u8>>),
    /// A fragmented binary message with a ping after each non-final fragment.
    FragmentedWithPings(Vec<Vec<u8>>, Vec<u8>),
    Ping(Vec<u8>),
    Pong(Vec<u8>),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        any::<String>().prop_map(Op::Text),
        proptest::collection::vec(any::<u8>(), 0..300).prop_map(Op::Binary),
        // Large enough to take the 16-bit and 64-bit length forms.
        (0usize..70_000).prop_map(|n| Op::Binary(vec![0xA5; n])),
        (
            any::<bool>(),
            proptest::collection::vec(any::<String>(), 1..5)
        )
            .prop_map(|(text, parts)| {
                if text {
                    Op::Fragmented(
                        MessageKind::Text,
                        parts.into_iter().map(String::into_bytes).collect(),
                    )
                } else {
                    Op::Fragmented(
                        MessageKind::Binary,
                        parts.into_iter().map(String::into_bytes).collect(),
                    )
                }
            }),
        (
            proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..200), 1..5),
            proptest::collection::vec(any::<u8>(), 0..=125)
        )
            .prop_map(|(parts, ping)| Op::FragmentedWithPings(parts, ping)),
        proptest::collection::vec(any::<u8>(), 0..=125).prop_map(Op::Ping),
        proptest::collection::vec(any::<u8>(), 0..=125).prop_map(Op::Pong),
    ]
}

/// Sends `ops` from `from`, returning the wire bytes and the events the peer
/// must see.
fn send_all(from: &mut Connection, ops: &[Op]) -> (Vec<u8>, Vec<Ev>) {
    let mut expected = Vec::new();
    for op in ops {
        match op {
            Op::Text(t) => {
                from.send_text(t).unwrap();
                expected.push(Ev::Text(t.clone()));
            }
            Op::Binary(b) => {
                from.send_binary(b).unwrap();
                expected.push(Ev::Binary(b.clone()));
            }
            Op::Fragmented(kind, parts) => {
                from.begin_message(*kind).unwrap();
                let (last, init) = parts.split_last().unwrap();
                for p in init {
                    from.send_fragment(p).unwrap();
                }
                from.finish_message(last).unwrap();
                let all: Vec<u8> = parts.concat();
                expected.push(whole_message(*kind, all));
            }
            Op::FragmentedWithPings(parts, ping) => {
                from.begin_message(MessageKind::Binary).unwrap();
                let (last, init) = parts.split_last().unwrap();
                for p in init {
                    from.send_fragment(p).unwrap();
                    from.send_ping(ping).unwrap();
                    expected.push(Ev::Ping(ping.clone()));
                }
                from.finish_message(last).unwrap();
                expected.push(Ev::Binary(parts.concat()));
            }
            Op::Ping(p) => {
                from.send_ping(p).unwrap();
                expected.push(Ev::Ping(p.clone()));
            }
            Op::Pong(p) => {
                from.send_pong(p).unwrap();
                expected.push(Ev::Pong(p.clone()));
            }
        }
    }
    (drain(from), expected)
}

fn cuts(len: usize, raw: &[usize]) -> Vec<usize> {
    let mut c: Vec<usize> = raw
        .iter()
        .map(|r| if len == 0 { 0 } else { r % (len + 1) })
        .collect();
    c.sort_unstable();
    c
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn client_to_server_round_trips_at_any_split(ops in proptest::collection::vec(op(), 0..12),
                                                 raw_cuts in proptest::collection::vec(any::<usize>(), 0..8)) {
        let mut c = client();
        let (wire, expected) = send_all(&mut c, &ops);
        let mut s = server();
        let got = feed_split(&mut s, &wire, &cuts(wire.len(), &raw_cuts));
        prop_assert_eq!(&got, &expected);
        // The caller-owned buffer gives the same events.
        let mut s = server();
        let got = feed_split_buffered(&mut s, &wire, &cuts(wire.len(), &raw_cuts));
        prop_assert_eq!(got, expected);
    }

    #[test]
    fn server_to_client_round_trips_at_any_split(ops in proptest::collection::vec(op(), 0..12),
                                                 raw_cuts in proptest::collection::vec(any::<usize>(), 0..8)) {
        let mut s = server();
        let (wire, expected) = send_all(&mut s, &ops);
        let mut c = client();
        let got = feed_split(&mut c, &wire, &cuts(wire.len(), &raw_cuts));
        prop_assert_eq!(got, expected);
    }

    #[test]
    fn streamed_delivery_gives_the_same_messages(ops in proptest::collection::vec(op(), 0..12),
                                                 raw_cuts in proptest::collection::vec(any::<usize>(), 0..8)) {
        let mut c = client();
        let (wire, expected) = send_all(&mut c, &ops);
        let mut config = Config::default();
        config.delivery = Delivery::Chunks;
        let mut s = Connection::server(config);
        let got = join_chunks(feed_split(&mut s, &wire, &cuts(wire.len(), &raw_cuts)));
        prop_assert_eq!(got, expected);
    }

    #[test]
    fn every_role_delivery_and_read_call_give_the_same_messages(ops in proptest::collection::vec(op(), 0..12),
                                                                raw_cuts in proptest::collection::vec(any::<usize>(), 0..8),
                                                                client_sends in any::<bool>(),
                                                                chunks in any::<bool>(),
                                                                buffered in any::<bool>()) {
        let mut config = Config::default();
        if chunks {
            config.delivery = Delivery::Chunks;
        }
        let (mut from, mut to) = if client_sends {
            (client(), Connection::server(config))
        } else {
            (server(), Connection::client(config, TestRng(5)))
        };
        let (wire, expected) = send_all(&mut from, &ops);
        let cuts = cuts(wire.len(), &raw_cuts);
        let got = if buffered {
            feed_split_buffered(&mut to, &wire, &cuts)
        } else {
            feed_split(&mut to, &wire, &cuts)
        };
        let got = if chunks { join_chunks(got) } else { got };
        prop_assert_eq!(got, expected);
    }

    #[test]
    fn reading_into_the_connections_buffers_gives_the_same_messages(ops in proptest::collection::vec(op(), 0..12),
                                                                   hints in proptest::collection::vec(1usize..80_000, 1..6),
                                                                   client_sends in any::<bool>(),
                                                                   chunks in any::<bool>(),
                                                                   retain in any::<bool>()) {
        let mut config = Config::default();
        if chunks {
            config.delivery = Delivery::Chunks;
        }
        if retain {
            config.buffer_retain = 64 << 10;
        }
        let (mut from, mut to) = if client_sends {
            (client(), Connection::server(config))
        } else {
            (server(), Connection::client(config, TestRng(5)))
        };
        let (wire, expected) = send_all(&mut from, &ops);
        let got = feed_received(&mut to, &wire, &hints);
        let got = if chunks { join_chunks(got) } else { got };
        prop_assert_eq!(got, expected);
        // Idle: every message delivered and the output (pongs) written,
        // nothing is held but what the setting keeps.
        while to.pending_output_len() > 0 {
            drain(&mut to);
        }
        // It waits for input again, as a driver has it after writing.
        let _ = to.recv_buffer(1);
        to.handle_received(0);
        let kept = if retain { 3 * (64 << 10) } else { 0 };
        prop_assert!(to.heap_bytes() <= kept + 256, "{} bytes held, hints {:?}", to.heap_bytes(), hints);
    }

    #[test]
    fn arbitrary_bytes_read_into_the_connection_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400),
                                                            hints in proptest::collection::vec(1usize..64, 1..4),
                                                            as_server in any::<bool>()) {
        let mut conn = if as_server { server() } else { client() };
        let events = feed_received(&mut conn, &bytes, &hints);
        let mut again = if as_server { server() } else { client() };
        // The same events as from the caller's buffer.
        prop_assert_eq!(events, feed(&mut again, &bytes));
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_errors_carry_a_close(bytes in proptest::collection::vec(any::<u8>(), 0..400),
                                                             raw_cuts in proptest::collection::vec(any::<usize>(), 0..4),
                                                             as_server in any::<bool>()) {
        let mut conn = if as_server { server() } else { client() };
        let events = feed_split(&mut conn, &bytes, &cuts(bytes.len(), &raw_cuts));
        if let Some(&Ev::Error(e)) = events.last() {
            prop_assert!(conn.is_closed());
            assert_failed(&mut conn, &events, e.violation(), e.close_code());
        }
    }
}
