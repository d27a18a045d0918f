//! A client and a server joined in memory, driven by arbitrary API calls:
//! whole and fragmented sends, pings, pongs, closes, partial writes fed in
//! arbitrary reads, end of file and the clock.
//!
//! Checks:
//! - no protocol error, except a message over the receiver's limits, which
//!   fails with a Close frame carrying the error's code;
//! - every message accepted for sending arrives intact and in order (all of
//!   them when the transport was not cut; a prefix when it was);
//! - after a close handshake where one side closed first, both sides report
//!   the initiator's close code;
//! - no event once a machine is closed or after the peer's Close;
//! - heap bounded by the configured limits and the size of the sends.
#![no_main]

use std::time::Duration;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use wsmachine::{
    CloseCause, CloseCode, Config, Connection, Delivery, Keepalive, MessageKind, ProtocolError,
    State, Violation,
};
use wsmachine_fuzz::{connection_bound, handed_over_bound, peak_heap, FIXED_SLACK};
use wsmachine_testkit::{last_frame, violation_outcome, Ev, TestRng};

#[derive(Arbitrary, Debug)]
struct Input {
    client_chunks: bool,
    server_chunks: bool,
    read_with_buffer: bool,
    keepalive: bool,
    small_limits: bool,
    ops: Vec<Op>,
}

#[derive(Arbitrary, Debug)]
enum Op {
    /// A whole message: `data` repeated `repeat % 32 + 1` times (text is
    /// `data` made valid UTF-8).
    Send {
        client: bool,
        text: bool,
        data: Vec<u8>,
        repeat: u8,
    },
    Begin {
        client: bool,
        text: bool,
    },
    /// A fragment; text fragments need not be valid UTF-8 on their own.
    Fragment {
        client: bool,
        data: Vec<u8>,
        repeat: u8,
        fin: bool,
    },
    Ping {
        client: bool,
        payload: Vec<u8>,
    },
    Pong {
        client: bool,
        payload: Vec<u8>,
    },
    Close {
        client: bool,
        code: u16,
        reason: String,
    },
    /// The transport takes up to `max` bytes of one side's output and the
    /// peer reads them in `reads % 4 + 1` pieces.
    Write {
        client: bool,
        max: u16,
        reads: u8,
    },
    Tick {
        ms: u16,
    },
    /// The transport ends (both sides see end of file).
    Eof,
}

type Message = (MessageKind, Vec<u8>);

/// One side with what it sent and what it received.
struct End {
    conn: Connection,
    buffer: Vec<u8>,
    /// Messages accepted for sending, whole, in order.
    sent: Vec<Message>,
    /// Largest frame of each sent message (to tell a legitimate 1009).
    sent_frame_max: Vec<usize>,
    /// A fragmented message being sent, with its largest frame.
    building: Option<(Message, usize)>,
    /// The fragmented message our close() cut short.
    abandoned: Option<(Message, usize)>,
    with_buffer: bool,
    received: Vec<Message>,
    streamed: Option<Message>,
    /// The peer's Close arrived (with its code).
    got_close: Option<Option<u16>>,
    /// Our close() was accepted with this code.
    closed_with: Option<u16>,
    /// This side failed the connection for an oversize message.
    failed: bool,
    /// The final event came.
    reported: bool,
}

impl End {
    fn new(conn: Connection, with_buffer: bool) -> End {
        End {
            conn,
            buffer: Vec::new(),
            sent: Vec::new(),
            sent_frame_max: Vec::new(),
            building: None,
            abandoned: None,
            with_buffer,
            received: Vec::new(),
            streamed: None,
            got_close: None,
            closed_with: None,
            failed: false,
            reported: false,
        }
    }
}

fn config(chunks: bool, input: &Input) -> Config {
    let mut config = Config::default();
    (config.max_frame_size, config.max_message_size) = if input.small_limits {
        (1 << 10, 4 << 10)
    } else {
        (16 << 10, 64 << 10)
    };
    config.max_output_buffer = 64 << 10;
    config.buffer_retain = 4 << 10;
    config.close_timeout = Duration::from_secs(1);
    config.close_linger = Duration::from_secs(1);
    if chunks {
        config.delivery = Delivery::Chunks;
    }
    if input.keepalive {
        config.keepalive = Some(Keepalive {
            idle: Duration::from_secs(2),
            timeout: Duration::from_secs(2),
        });
    }
    config
}

fn repeated(data: &[u8], repeat: u8) -> Vec<u8> {
    data.repeat(usize::from(repeat % 32) + 1)
}

fuzz_target!(|input: Input| {
    // What the harness itself keeps: every sent byte in `sent` and in
    // `received` (each grown by doubling), and the bytes in flight.
    let send_bytes: usize = input
        .ops
        .iter()
        .map(|op| match op {
            Op::Send { data, repeat, .. } | Op::Fragment { data, repeat, .. } => {
                3 * data.len() * (usize::from(repeat % 32) + 1)
            }
            _ => 0,
        })
        .sum();
    let client_config = config(input.client_chunks, &input);
    let server_config = config(input.server_chunks, &input);
    let handed_over = if input.read_with_buffer {
        handed_over_bound(&client_config) + handed_over_bound(&server_config)
    } else {
        0
    };
    let bound = connection_bound(&client_config)
        + connection_bound(&server_config)
        + handed_over
        + 2 * (2 * (64 << 10) + 2 * send_bytes)
        + 8 * send_bytes
        + 4 * FIXED_SLACK;
    let send_max = input
        .ops
        .iter()
        .map(|op| match op {
            Op::Send { data, repeat, .. } | Op::Fragment { data, repeat, .. } => {
                data.len() * (usize::from(repeat % 32) + 1)
            }
            _ => 0,
        })
        .max()
        .unwrap_or(0);
    let ((), peak) = peak_heap(|| run(&input, client_config, server_config, send_max));
    assert!(peak <= bound, "heap peak {peak} over {bound}");
});

fn run(input: &Input, client_config: Config, server_config: Config, send_max: usize) {
    let mut client = End::new(
        Connection::client(client_config, TestRng(0x1234_5678_9ABC_DEF1)),
        input.read_with_buffer,
    );
    let mut server = End::new(Connection::server(server_config), input.read_with_buffer);
    let mut now = Duration::ZERO;
    // The transport ended (EOF or a side gave up on a timeout): bytes still
    // queued are lost.
    let mut cut = false;
    for op in &input.ops {
        match op {
            Op::Send {
                client: c,
                text,
                data,
                repeat,
            } => {
                let end = if *c { &mut client } else { &mut server };
                let data = repeated(data, *repeat);
                let (kind, data, result) = if *text {
                    let t = String::from_utf8_lossy(&data).into_owned();
                    let r = end.conn.send_text(&t);
                    (MessageKind::Text, t.into_bytes(), r)
                } else {
                    let r = end.conn.send_binary(&data);
                    (MessageKind::Binary, data, r)
                };
                if result.is_ok() {
                    end.sent_frame_max.push(data.len());
                    end.sent.push((kind, data));
                }
            }
            Op::Begin { client: c, text } => {
                let end = if *c { &mut client } else { &mut server };
                let kind = if *text {
                    MessageKind::Text
                } else {
                    MessageKind::Binary
                };
                if end.conn.begin_message(kind).is_ok() {
                    assert!(end.building.is_none());
                    end.building = Some(((kind, Vec::new()), 0));
                }
            }
            Op::Fragment {
                client: c,
                data,
                repeat,
                fin,
            } => {
                let end = if *c { &mut client } else { &mut server };
                let data = repeated(data, *repeat);
                let result = if *fin {
                    end.conn.finish_message(&data)
                } else {
                    end.conn.send_fragment(&data)
                };
                if result.is_ok() {
                    let ((kind, mut all), biggest) =
                        end.building.take().expect("a message was begun");
                    all.extend_from_slice(&data);
                    let biggest = biggest.max(data.len());
                    if *fin {
                        end.sent.push((kind, all));
                        end.sent_frame_max.push(biggest);
                    } else {
                        end.building = Some(((kind, all), biggest));
                    }
                }
            }
            Op::Ping { client: c, payload } => {
                let end = if *c { &mut client } else { &mut server };
                let r = end.conn.send_ping(payload);
                assert_eq!(
                    r.is_err(),
                    payload.len() > 125 || end.conn.state() != State::Open
                );
            }
            Op::Pong { client: c, payload } => {
                let end = if *c { &mut client } else { &mut server };
                let r = end.conn.send_pong(payload);
                assert_eq!(
                    r.is_err(),
                    payload.len() > 125 || end.conn.state() != State::Open
                );
            }
            Op::Close {
                client: c,
                code,
                reason,
            } => {
                let end = if *c { &mut client } else { &mut server };
                if end.conn.close(CloseCode(*code), reason).is_ok() {
                    end.closed_with = Some(*code);
                    // A message being sent is abandoned with the close.
                    end.abandoned = end.building.take();
                    assert!(!end.conn.is_sending_fragments());
                }
            }
            Op::Write {
                client: c,
                max,
                reads,
            } => {
                let (from, to) = if *c {
                    (&mut client, &mut server)
                } else {
                    (&mut server, &mut client)
                };
                transfer(from, to, usize::from(*max), usize::from(reads % 4) + 1, cut);
            }
            Op::Tick { ms } => {
                now += Duration::from_millis(u64::from(*ms));
                client.conn.handle_timeout(now);
                server.conn.handle_timeout(now);
                for end in [&client, &server] {
                    if let Some(outcome) = end.conn.close_outcome() {
                        if !outcome.clean {
                            // A side that gives up drops the transport.
                            cut = true;
                        }
                    }
                }
            }
            Op::Eof => {
                client.conn.handle_eof();
                server.conn.handle_eof();
                assert!(client.conn.is_closed() && server.conn.is_closed());
                cut = true;
            }
        }
        for end in [&client, &server] {
            // The receive side's bound, and the output: sends are refused
            // above the high-water mark, so it holds at most that plus one
            // send and a few control frames, in a buffer grown by doubling.
            let config = end.conn.config();
            let bound =
                connection_bound(&config) + 2 * (config.max_output_buffer + send_max + 1024);
            let held = end.conn.heap_bytes();
            assert!(held <= bound, "{held} heap bytes held, over {bound}");
            assert!(end.buffer.capacity() <= handed_over_bound(&config));
            if end.conn.is_closed() {
                assert!(end.conn.poll_timeout().is_none());
            }
        }
    }
    // The transport delivers everything still queued, both ways.
    for _ in 0..8 {
        transfer(&mut client, &mut server, usize::MAX, 1, cut);
        transfer(&mut server, &mut client, usize::MAX, 1, cut);
    }
    if !cut {
        assert!(client.conn.poll_output().is_empty() && server.conn.poll_output().is_empty());
    }
    // The server closes TCP first; the client then sees end of file.
    if server.conn.is_closed() {
        client.conn.handle_eof();
    }
    check_delivery(&client, &server, cut);
    check_delivery(&server, &client, cut);
    check_close_codes(&client, &server, cut);
}

/// Moves up to `max` bytes of `from`'s output to `to`, read in `reads` pieces.
fn transfer(from: &mut End, to: &mut End, max: usize, reads: usize, cut: bool) {
    let n = from.conn.poll_output().len().min(max);
    let mut bytes = from.conn.poll_output()[..n].to_vec();
    from.conn.advance_output(n);
    if cut {
        return;
    }
    let step = n.div_ceil(reads).max(1);
    let mut start = 0;
    while start < n {
        let end = (start + step).min(n);
        read_all(to, from, &mut bytes[start..end]);
        start = end;
    }
}

/// Feeds `bytes` to `to`, checking each event; `from` is the sender.
fn read_all(to: &mut End, from: &End, bytes: &mut [u8]) {
    let mut pos = 0;
    loop {
        let was_closed = to.conn.is_closed();
        // Output may start inside a frame (partial writes); what this read
        // queues starts after what waits now.
        let queued = to.conn.pending_output_len();
        let (used, event) = if to.with_buffer {
            let (used, event) = to.conn.handle_input_into(&mut bytes[pos..], &mut to.buffer);
            (used, event.map(Ev::from))
        } else {
            let (used, event) = to.conn.handle_input(&mut bytes[pos..]);
            (used, event.map(Ev::from))
        };
        pos += used;
        let Some(event) = event else {
            assert_eq!(pos, bytes.len());
            return;
        };
        assert!(!to.reported, "an event after the final one: {event:?}");
        // The final event; `Ev::from` checked a violation's outcome and
        // reason.
        let outcome = match event {
            Ev::Error(e) => Some(violation_outcome(e)),
            Ev::Closed(outcome, _) => Some(outcome),
            _ => None,
        };
        if let Some(outcome) = outcome {
            to.reported = true;
            assert!(to.conn.is_closed());
            assert_eq!(to.conn.close_outcome(), Some(outcome));
            if let CloseCause::Violation(e) = outcome.cause {
                check_failure(to, from, e, queued);
            }
            continue;
        }
        assert!(!was_closed, "an event from a closed connection: {event:?}");
        assert!(
            to.got_close.is_none(),
            "an event after the peer's Close: {event:?}"
        );
        match event {
            Ev::Text(t) => to.received.push((MessageKind::Text, t.into_bytes())),
            Ev::Binary(b) => to.received.push((MessageKind::Binary, b)),
            Ev::Chunk(kind, data, fin) => {
                let m = to.streamed.get_or_insert_with(|| (kind, Vec::new()));
                assert_eq!(m.0, kind);
                m.1.extend_from_slice(&data);
                if fin {
                    let m = to.streamed.take().expect("a streamed message");
                    if kind == MessageKind::Text {
                        assert!(std::str::from_utf8(&m.1).is_ok());
                    }
                    to.received.push(m);
                }
            }
            Ev::Close(code, _) => to.got_close = Some(code),
            Ev::Ping(_) | Ev::Pong(_) | Ev::Error(_) | Ev::Closed(..) => {}
        }
    }
}

/// The receiver failed the connection: before the peer's Close, with its
/// Close frame last unless ours had gone out, and only for a limit a correct
/// peer may exceed.
fn check_failure(to: &mut End, from: &End, e: ProtocolError, queued: usize) {
    assert!(to.got_close.is_none());
    let new_output = &to.conn.poll_output()[queued..];
    if to.closed_with.is_none() {
        assert_eq!(
            last_frame(new_output).and_then(|f| f.close_code()),
            Some(e.close_code().0),
            "the failure's Close frame is not last"
        );
    } else {
        // Our Close went out already: nothing may follow it.
        assert!(new_output.is_empty());
    }
    // Only the limits may be exceeded by a correct peer: the first message
    // not yet received must be over them.
    let config = to.conn.config();
    let next = from
        .sent
        .get(to.received.len())
        .map(|m| (m.1.len(), from.sent_frame_max[to.received.len()]))
        .or(from.building.as_ref().map(|b| (b.0 .1.len(), b.1)))
        .or(from.abandoned.as_ref().map(|b| (b.0 .1.len(), b.1)));
    let (size, frame) = next.expect("an error with nothing in flight");
    match e.violation() {
        Violation::MessageTooLarge => assert!(size as u64 > config.max_message_size),
        Violation::FrameTooLarge => assert!(frame as u64 > config.max_frame_size),
        other => panic!("a correct peer caused {other:?}"),
    }
    to.failed = true;
}

fn check_delivery(from: &End, to: &End, cut: bool) {
    let n = to.received.len();
    assert!(n <= from.sent.len(), "more messages received than sent");
    assert!(
        to.received[..] == from.sent[..n],
        "a message changed on the way"
    );
    if !cut && !to.failed && !from.failed {
        assert_eq!(n, from.sent.len(), "a message was lost");
    }
}

fn check_close_codes(client: &End, server: &End, cut: bool) {
    let (Some(a), Some(b)) = (client.conn.close_outcome(), server.conn.close_outcome()) else {
        return;
    };
    if cut || client.failed || server.failed || !a.clean || !b.clean {
        return;
    }
    let (
        CloseCause::Handshake {
            initiated_locally: ia,
        },
        CloseCause::Handshake {
            initiated_locally: ib,
        },
    ) = (a.cause, b.cause)
    else {
        panic!("a clean close that was not a handshake: {a:?} {b:?}");
    };
    if ia != ib {
        assert_eq!(a.code, b.code, "the sides disagree on the close code");
        let initiator = if ia { client } else { server };
        let expected = initiator.closed_with.expect("the initiator called close");
        assert_eq!(a.code.0, expected);
    }
}
