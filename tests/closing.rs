//! Every closing sequence, driven through an in-memory client/server pair.

use std::time::Duration;

use wsmachine::{
    CloseCause, CloseCode, CloseOutcome, Config, Connection, Keepalive, State, Violation,
};
use wsmachine_testkit::*;

#[test]
fn client_closes_first() {
    let mut p = Pair::new();
    p.client.close(CloseCode::NORMAL, "done").unwrap();
    assert_eq!(p.client.state(), State::Closing);
    // The server echoed the code and, having both Closes, closes TCP first;
    // the final event says so.
    assert_eq!(
        p.client_to_server(),
        [
            Ev::Close(Some(1000), "done".into()),
            handshake_closed(1000, false, "done")
        ]
    );
    let outcome = p.server.close_outcome().expect("server closed");
    assert_eq!((outcome.code, outcome.clean), (CloseCode::NORMAL, true));
    assert_eq!(
        outcome.cause,
        CloseCause::Handshake {
            initiated_locally: false
        }
    );
    assert_eq!(p.server_to_client(), [Ev::Close(Some(1000), String::new())]);
    // The client waits for the server to close the transport.
    assert_eq!(p.client.state(), State::ClosedAwaitingEof);
    assert_eq!(poll_final(&mut p.client), None);
    p.client.handle_eof();
    let outcome = p.client.close_outcome().expect("client closed");
    assert_eq!((outcome.code, outcome.clean), (CloseCode::NORMAL, true));
    assert_eq!(
        outcome.cause,
        CloseCause::Handshake {
            initiated_locally: true
        }
    );
    assert_eq!(
        poll_final(&mut p.client),
        Some(handshake_closed(1000, true, ""))
    );
}

#[test]
fn server_closes_first_and_client_gives_up_waiting_for_tcp_close() {
    let mut p = Pair::new();
    p.tick(Duration::from_secs(1));
    p.server.close(CloseCode::GOING_AWAY, "restart").unwrap();
    assert_eq!(
        p.server_to_client(),
        [Ev::Close(Some(1001), "restart".into())]
    );
    assert_eq!(
        p.client_to_server(),
        [
            Ev::Close(Some(1001), String::new()),
            handshake_closed(1001, true, "")
        ]
    );
    assert!(p.server.is_closed());
    assert_eq!(
        p.server.close_outcome().unwrap().cause,
        CloseCause::Handshake {
            initiated_locally: true
        }
    );
    // The server never closes TCP: the client stops waiting after close_linger.
    assert_eq!(p.client.state(), State::ClosedAwaitingEof);
    assert_eq!(
        p.client.poll_timeout(),
        Some(Duration::from_secs(1)),
        "asks for the clock to start the wait"
    );
    p.tick(Duration::ZERO);
    assert_eq!(p.client.poll_timeout(), Some(Duration::from_secs(3)));
    p.tick(Duration::from_millis(1999));
    assert!(!p.client.is_closed());
    p.tick(Duration::from_millis(1));
    let outcome = p.client.close_outcome().expect("closed after linger");
    assert_eq!((outcome.code, outcome.clean), (CloseCode::GOING_AWAY, true));
    assert_eq!(p.client.poll_timeout(), None);
    assert_eq!(
        poll_final(&mut p.client),
        Some(handshake_closed(1001, false, "restart"))
    );
}

#[test]
fn both_close_at_once() {
    let mut p = Pair::new();
    p.client.close(CloseCode::NORMAL, "c").unwrap();
    p.server.close(CloseCode::GOING_AWAY, "s").unwrap();
    let at_server = p.client_to_server();
    let at_client = p.server_to_client();
    assert_eq!(
        at_server,
        [
            Ev::Close(Some(1000), "c".into()),
            handshake_closed(1000, true, "c")
        ]
    );
    assert_eq!(at_client, [Ev::Close(Some(1001), "s".into())]);
    // Neither sent a second Close.
    assert_eq!(
        p.client.pending_output_len() + p.server.pending_output_len(),
        0
    );
    let s = p.server.close_outcome().unwrap();
    assert_eq!(
        (s.code, s.clean, s.cause),
        (
            CloseCode::NORMAL,
            true,
            CloseCause::Handshake {
                initiated_locally: true
            }
        )
    );
    p.client.handle_eof();
    let c = p.client.close_outcome().unwrap();
    assert_eq!((c.code, c.clean), (CloseCode::GOING_AWAY, true));
}

#[test]
fn close_handshake_times_out_when_the_peer_never_answers() {
    let mut p = Pair::new();
    p.tick(Duration::from_secs(10));
    p.client.close(CloseCode::NORMAL, "").unwrap();
    let _ = drain(&mut p.client); // lost on the way
    p.tick(Duration::ZERO); // starts the deadline
    assert_eq!(p.client.poll_timeout(), Some(Duration::from_secs(15)));
    p.tick(Duration::from_secs(4));
    assert_eq!(p.client.state(), State::Closing);
    p.tick(Duration::from_secs(1));
    let outcome = p.client.close_outcome().expect("gave up");
    assert_eq!(
        (outcome.code, outcome.clean, outcome.cause),
        (CloseCode::ABNORMAL, false, CloseCause::CloseTimeout)
    );
}

#[test]
fn messages_still_arrive_while_closing() {
    let mut p = Pair::new();
    p.server.send_text("in flight").unwrap();
    p.client.close(CloseCode::NORMAL, "").unwrap();
    assert_eq!(p.server_to_client(), [Ev::Text("in flight".into())]);
    assert_eq!(
        p.client_to_server(),
        [
            Ev::Close(Some(1000), String::new()),
            handshake_closed(1000, false, "")
        ]
    );
    assert_eq!(p.server_to_client(), [Ev::Close(Some(1000), String::new())]);
}

#[test]
fn eof_before_close_is_abnormal() {
    for closing in [false, true] {
        let mut p = Pair::new();
        if closing {
            p.client.close(CloseCode::NORMAL, "").unwrap();
        }
        p.client.handle_eof();
        let outcome = p.client.close_outcome().unwrap();
        assert_eq!(
            (outcome.code, outcome.clean, outcome.cause),
            (CloseCode::ABNORMAL, false, CloseCause::Eof)
        );
        // Nothing more happens.
        assert_eq!(p.client.send_text("x"), Err(wsmachine::SendError::Closed));
        assert_eq!(p.client.poll_timeout(), None);
    }
}

#[test]
fn eof_in_the_middle_of_a_message_is_abnormal() {
    let mut s = server();
    let wire = client_frame(0x81, b"cut short");
    assert_eq!(feed(&mut s, &wire[..9]), []);
    s.handle_eof();
    assert_eq!(s.close_outcome().unwrap().code, CloseCode::ABNORMAL);
}

#[test]
fn keepalive_pings_after_idle_and_fails_on_silence() {
    let ka = Keepalive {
        idle: Duration::from_secs(30),
        timeout: Duration::from_secs(10),
    };
    let mut config = Config::default();
    config.keepalive = Some(ka);
    let mut p = Pair::with(Config::default(), config);
    assert_eq!(
        p.server.poll_timeout(),
        Some(Duration::ZERO),
        "wants the clock to start"
    );
    p.tick(Duration::ZERO);
    assert_eq!(p.server.poll_timeout(), Some(Duration::from_secs(30)));
    // Traffic from the client resets the idle timer.
    p.tick(Duration::from_secs(20));
    p.client.send_text("hi").unwrap();
    assert_eq!(p.client_to_server(), [Ev::Text("hi".into())]);
    p.tick(Duration::from_secs(1));
    assert_eq!(p.server.poll_timeout(), Some(Duration::from_secs(51)));
    p.tick(Duration::from_secs(30));
    // Idle: the server pinged; the client's auto-pong keeps it alive.
    assert_eq!(p.server_to_client(), [Ev::Ping(vec![])]);
    assert_eq!(p.client_to_server(), [Ev::Pong(vec![])]);
    p.tick(Duration::from_secs(10));
    assert_eq!(p.server.state(), State::Open);
    // Now the client goes silent: a ping, then failure after the timeout.
    p.tick(Duration::from_secs(30));
    assert_eq!(frames(&drain(&mut p.server)), [(0x89, vec![])]);
    p.tick(Duration::from_secs(9));
    assert_eq!(p.server.state(), State::Open);
    p.tick(Duration::from_secs(1));
    let outcome = p.server.close_outcome().expect("keepalive failed");
    assert_eq!(
        (outcome.code, outcome.cause),
        (CloseCode::ABNORMAL, CloseCause::KeepaliveTimeout)
    );
}

#[test]
fn no_timer_runs_on_an_open_connection_without_keepalive() {
    let p = Pair::new();
    assert_eq!(p.client.poll_timeout(), None);
    assert_eq!(p.server.poll_timeout(), None);
}

#[test]
fn only_bytes_read_count_as_hearing_from_the_peer() {
    let mut config = Config::default();
    config.keepalive = Some(Keepalive {
        idle: Duration::from_secs(10),
        timeout: Duration::from_secs(10),
    });
    let mut s = Connection::server(config);
    s.handle_timeout(Duration::ZERO);
    // A whole message in one read call (no empty read after it) at 5 s.
    let mut wire = client_frame(0x81, b"hi");
    assert!(matches!(s.handle_input(&mut wire), (_, Some(_))));
    s.handle_timeout(Duration::from_secs(5));
    // Idle is measured from 5 s: no ping at 12 s, one at 15 s.
    s.handle_timeout(Duration::from_secs(12));
    assert_eq!(s.poll_output(), b"");
    s.handle_timeout(Duration::from_secs(15));
    assert_eq!(frames(&drain(&mut s)), [(0x89, vec![])]);
    // An empty read is not the peer speaking: the timeout still fails it.
    assert!(matches!(s.handle_input(&mut []), (0, None)));
    s.handle_timeout(Duration::from_secs(20));
    assert_eq!(poll_final(&mut s), None);
    s.handle_timeout(Duration::from_secs(25));
    let outcome = s.close_outcome().expect("keepalive failed");
    assert_eq!(outcome.cause, CloseCause::KeepaliveTimeout);
    // The final event reports it, once.
    assert_eq!(poll_final(&mut s), Some(Ev::Closed(outcome, String::new())));
}

#[test]
fn end_of_file_inside_a_control_frame_releases_its_bytes() {
    let ping = client_frame(0x89, &[7; 100]);
    for delivery_buffered in [false, true] {
        let mut s = server();
        let mut buffer = Vec::new();
        let mut read = |s: &mut Connection, bytes: &[u8]| {
            if delivery_buffered {
                feed_buffered(s, &mut buffer, bytes)
            } else {
                feed(s, bytes)
            }
        };
        assert_eq!(read(&mut s, &ping[..50]), []);
        s.handle_eof();
        assert!(s.is_closed());
        // Later bytes are ignored and the cut payload is dropped; the final
        // event comes with the first call after the end of file.
        let eof = CloseOutcome {
            code: CloseCode::ABNORMAL,
            clean: false,
            cause: CloseCause::Eof,
        };
        assert_eq!(read(&mut s, &ping[50..]), [Ev::Closed(eof, String::new())]);
        assert_eq!(read(&mut s, &ping[50..]), []);
        assert_eq!(s.heap_bytes(), 0, "{} bytes held", s.heap_bytes());
    }
}

/// A message being assembled when the transport ends is dropped with its
/// buffer at once: it stayed until the next input call, and a driver that
/// stops reading after the final event (from `poll_event`) held it as long
/// as it kept the connection.
#[test]
fn end_of_file_releases_a_partly_assembled_message() {
    let mut s = server();
    assert_eq!(feed(&mut s, &client_frame(0x02, &[1; 100_000])), []);
    assert!(s.heap_bytes() >= 100_000, "the message is assembled");
    s.handle_eof();
    let eof = CloseOutcome {
        code: CloseCode::ABNORMAL,
        clean: false,
        cause: CloseCause::Eof,
    };
    assert_eq!(poll_final(&mut s), Some(Ev::Closed(eof, String::new())));
    assert_eq!(s.heap_bytes(), 0, "{} bytes held", s.heap_bytes());
}

/// The same when the close handshake times out: the message buffer goes
/// with the `handle_timeout` call that closes.
#[test]
fn a_close_timeout_releases_a_partly_assembled_message() {
    let mut s = server();
    s.close(CloseCode::NORMAL, "").unwrap();
    drain(&mut s);
    s.handle_timeout(Duration::ZERO); // starts the deadline
    let idle = s.heap_bytes();
    assert_eq!(feed(&mut s, &client_frame(0x02, &[1; 100_000])), []);
    assert!(s.heap_bytes() >= idle + 100_000, "the message is assembled");
    s.handle_timeout(Duration::from_secs(5));
    let timeout = CloseOutcome {
        code: CloseCode::ABNORMAL,
        clean: false,
        cause: CloseCause::CloseTimeout,
    };
    assert_eq!(poll_final(&mut s), Some(Ev::Closed(timeout, String::new())));
    assert_eq!(s.heap_bytes(), idle, "{} bytes held", s.heap_bytes());
}

/// The peer's Close cut by the end of a read, behind a message being
/// assembled: its reason is copied out of the message buffer, and the
/// final event after the end of file still carries it. Nothing follows.
#[test]
fn a_close_reason_cut_behind_a_partial_message_reaches_the_final_event() {
    let mut wire = server_frame(0x01, b"abc"); // a text message begins
    wire.extend(server_frame(0x88, b"\x03\xe8bye now"));
    let cut = wire.len() - 3;
    for buffered in [false, true] {
        let mut c = client();
        let mut buffer = Vec::new();
        let mut read = |c: &mut Connection, bytes: &[u8]| {
            if buffered {
                feed_buffered(c, &mut buffer, bytes)
            } else {
                feed(c, bytes)
            }
        };
        let mut events = read(&mut c, &wire[..cut]);
        events.extend(read(&mut c, &wire[cut..]));
        assert_eq!(events, [Ev::Close(Some(1000), "bye now".into())]);
        c.handle_eof();
        let closed = handshake_closed(1000, false, "bye now");
        assert_eq!(poll_final(&mut c), Some(closed), "buffered: {buffered}");
        let mut after = 0;
        c.handle_all(&mut [], &mut Vec::new(), |_, _| after += 1);
        assert_eq!(after, 0, "an event after the final one");
    }
}

/// Every way a connection ends reaches the caller the same way: one
/// `Event::Closed`, from whichever input call comes first, never twice.
#[test]
fn every_ending_is_reported_once_as_the_final_event() {
    let abnormal = |cause| CloseOutcome {
        code: CloseCode::ABNORMAL,
        clean: false,
        cause,
    };
    // The end of the transport.
    let mut s = server();
    s.handle_eof();
    assert_eq!(
        poll_final(&mut s),
        Some(Ev::Closed(abnormal(CloseCause::Eof), String::new()))
    );
    assert_eq!(feed(&mut s, &client_frame(0x81, b"late")), []);
    // The close timeout.
    let mut p = Pair::new();
    p.client.close(CloseCode::NORMAL, "").unwrap();
    p.tick(Duration::ZERO);
    assert_eq!(poll_final(&mut p.client), None, "still closing");
    p.tick(Duration::from_secs(5));
    let timeout = abnormal(CloseCause::CloseTimeout);
    assert_eq!(
        poll_final(&mut p.client),
        Some(Ev::Closed(timeout, String::new()))
    );
    // The peer's violation: through the input call that found it, with the
    // reason sent in our Close frame; the handler of `handle_all` sees it.
    let mut s = server();
    let mut wire = client_frame(0x81, b"ok");
    wire.extend(client_frame(0x82 | 0x40, b"rsv1"));
    wire.extend(client_frame(0x81, b"never seen"));
    let mut seen = Vec::new();
    s.handle_all(&mut wire, &mut Vec::new(), |_, event| {
        seen.push(Ev::from(event))
    });
    let violation = Violation::ReservedBits(4);
    let before = assert_failed(&mut s, &seen, violation, CloseCode::PROTOCOL_ERROR);
    assert_eq!(before, [Ev::Text("ok".into())]);
    assert_eq!(poll_final(&mut s), None, "reported already");
    // A violation while closing: no second Close frame, the same report.
    let mut s = server();
    s.close(CloseCode::NORMAL, "").unwrap();
    drain(&mut s);
    let events = feed(&mut s, &server_frame(0x81, b"unmasked"));
    assert!(matches!(&events[..], [Ev::Error(_)]), "{events:?}");
    assert_eq!(s.pending_output_len(), 0, "one Close frame at most");
}
