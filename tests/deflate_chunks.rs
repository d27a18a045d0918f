//! With `Delivery::Chunks`, a compressed message's chunks are bounded by
//! `max_chunk_size`, however much one frame or one read inflates to.
#![cfg(feature = "deflate")]

use wsmachine::extension::deflate::{Backend, DeflateConfig};
use wsmachine::{Config, Connection, Delivery, MessageKind, Role};
use wsmachine_testkit::*;

fn backends() -> Vec<Backend> {
    let mut all = vec![Backend::MinizOxide];
    #[cfg(feature = "deflate-zlib-rs")]
    all.push(Backend::ZlibRs);
    all
}

/// A client and a server with permessage-deflate on `backend`, the server
/// delivering chunks of at most `bound` bytes.
fn ends(backend: Backend, bound: usize) -> (Connection, Connection) {
    let mut d = DeflateConfig::default();
    d.backend = backend;
    let (client_codec, server_codec) = agreed_codecs(&d, &d);
    let mut config = Config::default();
    config.delivery = Delivery::Chunks;
    config.max_chunk_size = bound;
    let server = connection(Role::Server, config).with_codec(Box::new(server_codec));
    (client().with_codec(Box::new(client_codec)), server)
}

/// The chunks' bytes, checking each is at most `bound` and only the final
/// one says so.
#[track_caller]
fn chunks(events: Vec<Ev>, bound: usize) -> (Vec<u8>, usize) {
    let count = events.len();
    let mut data = Vec::new();
    for (i, ev) in events.into_iter().enumerate() {
        let Ev::Chunk(MessageKind::Binary, bytes, last) = ev else {
            panic!("{ev:?}");
        };
        assert!(
            bytes.len() <= bound,
            "a chunk of {} bytes, bound {bound}",
            bytes.len()
        );
        assert_eq!(last, i + 1 == count, "only the final chunk is the last");
        assert!(
            last || !bytes.is_empty(),
            "only the final chunk may be empty"
        );
        data.extend_from_slice(&bytes);
    }
    (data, count)
}

#[test]
fn a_highly_compressed_frame_arrives_in_bounded_chunks() {
    // 1 MiB of a repeated record compresses to a few KiB in one frame.
    let message: Vec<u8> = b"{\"k\":1}".iter().copied().cycle().take(1 << 20).collect();
    for backend in backends() {
        for bound in [1000, 16 << 10, 64 << 10] {
            let (mut client, mut server) = ends(backend, bound);
            client.send_binary(&message).unwrap();
            let wire = drain(&mut client);
            assert!(
                wire.len() < 16 << 10,
                "{backend:?}: {} bytes on the wire",
                wire.len()
            );
            // One read, reads cut anywhere, and the caller's buffer.
            let cuts: Vec<usize> = (1..wire.len()).step_by(997).collect();
            let runs = [
                feed(&mut server, &wire),
                feed_split(&mut ends(backend, bound).1, &wire, &cuts),
                feed_split_buffered(&mut ends(backend, bound).1, &wire, &[3, 9]),
            ];
            for events in runs {
                let (data, count) = chunks(events, bound);
                assert!(
                    data == message,
                    "{backend:?} bound {bound}: the message intact"
                );
                assert!(
                    count >= message.len() / bound,
                    "{backend:?}: {count} chunks"
                );
            }
        }
    }
}

#[test]
fn chunks_of_one_byte_and_fragments() {
    // The bound at its smallest, across fragment boundaries: the codec is
    // called again for output it holds before the next frame is read.
    let message: Vec<u8> = b"abcabcabc".iter().copied().cycle().take(3000).collect();
    for backend in backends() {
        let (mut client, mut server) = ends(backend, 1);
        client.begin_message(MessageKind::Binary).unwrap();
        client.send_fragment(&message[..1000]).unwrap();
        client.send_fragment(&message[1000..2000]).unwrap();
        client.finish_message(&message[2000..]).unwrap();
        let wire = drain(&mut client);
        let (data, count) = chunks(feed(&mut server, &wire), 1);
        assert!(data == message, "{backend:?}");
        // A bound met exactly may leave an empty final chunk.
        assert!(
            (message.len()..=message.len() + 1).contains(&count),
            "{backend:?}: {count} chunks, one per byte"
        );
    }
}

#[test]
fn the_default_bound_is_64_kib() {
    assert_eq!(Config::default().max_chunk_size, 64 << 10);
}

/// A message read whole with `recv_buffer` comes out in chunks through
/// `poll_event` to its last one, also when every byte read is used while
/// the decoder still holds output of them.
#[test]
fn a_message_decoded_in_chunks_from_one_read_comes_out_whole_through_poll_event() {
    let message = record_stream();
    for backend in backends() {
        for bound in [1000, 16 << 10] {
            let (mut client, mut server) = ends(backend, bound);
            client.send_binary(&message).unwrap();
            receive(&mut server, &drain(&mut client));
            let mut events = Vec::new();
            while let Some(event) = server.poll_event().map(Ev::from) {
                events.push(event);
            }
            let (data, _) = chunks(events, bound);
            assert!(
                data == message,
                "{backend:?} bound {bound}: the message intact"
            );

            // A read that brings nothing between the chunks (a driver asks
            // for room, the transport would block) does not stop them.
            let (mut client, mut server) = ends(backend, bound);
            client.send_binary(&message).unwrap();
            receive(&mut server, &drain(&mut client));
            let mut events = Vec::new();
            let mut out = Vec::new();
            loop {
                let _ = server.recv_buffer(4096);
                server.handle_received(0);
                // Every other event borrows the caller's buffer.
                let event = match events.len() % 2 {
                    0 => server.poll_event().map(Ev::from),
                    _ => server.poll_event_into(&mut out).map(Ev::from),
                };
                let Some(event) = event else { break };
                events.push(event);
            }
            let (data, _) = chunks(events, bound);
            assert!(
                data == message,
                "{backend:?} bound {bound}: intact between empty reads"
            );
        }
    }
}

/// The end of the transport told while a message read whole is still being
/// decoded applies after the message's last chunk: what arrived is not
/// lost, then the connection ends abnormally (1006), as for bytes cut
/// short. Through `handle_input` (the decoder holds output of bytes used)
/// and `recv_buffer` (bytes read wait too).
#[test]
fn the_end_of_the_transport_comes_after_the_chunks_of_bytes_already_read() {
    let message = record_stream();
    let mut inside = [0; 2];
    for backend in backends() {
        for bound in [1000, 16 << 10] {
            for through_recv_buffer in [false, true] {
                let (mut client, mut server) = ends(backend, bound);
                client.send_binary(&message).unwrap();
                let wire = drain(&mut client);
                let (mut events, unfinished) = match through_recv_buffer {
                    false => read_then_end(&mut server, &wire),
                    true => receive_then_end(&mut server, &wire),
                };
                inside[usize::from(through_recv_buffer)] += usize::from(unfinished);
                let run = format!("{backend:?} bound {bound} recv_buffer {through_recv_buffer}");
                match events.pop() {
                    Some(Ev::Closed(outcome, _)) => assert_eq!(outcome.code.0, 1006, "{run}"),
                    other => panic!("{run}: ends with {:?}", other.map(|e| e.is_final())),
                }
                let (data, _) = chunks(events, bound);
                assert!(data == message, "{run}: the message intact");
            }
        }
    }
    assert!(
        inside.iter().all(|&n| n > 0),
        "runs that ended the transport inside a message, per path: {inside:?}"
    );
}

/// 1 MiB of a repeated record: a few KiB on the wire.
fn record_stream() -> Vec<u8> {
    b"{\"k\":1}".iter().copied().cycle().take(1 << 20).collect()
}

/// Reads `wire` in one read with `recv_buffer`.
fn receive(server: &mut Connection, wire: &[u8]) {
    let slice = server.recv_buffer(wire.len());
    assert!(slice.len() >= wire.len());
    slice[..wire.len()].copy_from_slice(wire);
    server.handle_received(wire.len());
}

/// Whether the events so far leave a message unfinished.
fn unfinished(events: &[Ev]) -> bool {
    matches!(events.last(), Some(Ev::Chunk(_, _, false)))
}

/// Feeds `wire` with `handle_input`; once every byte is used, ends the
/// transport and takes the events that are left. Whether a message was
/// unfinished at the end.
fn read_then_end(server: &mut Connection, wire: &[u8]) -> (Vec<Ev>, bool) {
    let mut input = wire.to_vec();
    let mut pos = 0;
    let mut events = Vec::new();
    while pos < input.len() {
        let (used, event) = server.handle_input(&mut input[pos..]);
        pos += used;
        events.extend(event.map(Ev::from));
    }
    let at_end = unfinished(&events);
    server.handle_eof();
    // `handle_input_into` gives the rest as `handle_input` does.
    let mut out = Vec::new();
    while let (_, Some(event)) = server.handle_input_into(&mut [], &mut out) {
        let event = Ev::from(event);
        let last = event.is_final();
        events.push(event);
        if last {
            break;
        }
    }
    (events, at_end)
}

/// Reads `wire` in one read with `recv_buffer`, takes the first event, ends
/// the transport, then takes the rest with `poll_event`.
fn receive_then_end(server: &mut Connection, wire: &[u8]) -> (Vec<Ev>, bool) {
    receive(server, wire);
    let mut events: Vec<Ev> = server.poll_event().map(Ev::from).into_iter().collect();
    let at_end = unfinished(&events);
    server.handle_eof();
    while let Some(event) = server.poll_event().map(Ev::from) {
        let last = event.is_final();
        events.push(event);
        if last {
            break;
        }
    }
    (events, at_end)
}
