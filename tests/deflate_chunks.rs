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
