//! The extension pipeline is general: a codec other than permessage-deflate
//! plugs in through `Connection::set_codec` and runs on its own RSV bit.

mod common;

use common::*;
use wsmachine::extension::{CodecError, MessageCodec, RSV2};
use wsmachine::{Connection, MessageKind, Violation};

/// A toy extension on RSV2: XORs every payload byte with 0x5A, and refuses
/// to decode a message longer than `limit` as the connection asks.
struct Xor {
    /// Only messages of at least this length are transformed.
    threshold: usize,
}

impl MessageCodec for Xor {
    fn rsv_bits(&self) -> u8 {
        RSV2
    }

    fn decode(
        &mut self,
        input: &[u8],
        _fin: bool,
        out: &mut Vec<u8>,
        limit: usize,
    ) -> Result<(), CodecError> {
        if out.len() + input.len() > limit {
            return Err(CodecError::TooLarge);
        }
        out.extend(input.iter().map(|b| b ^ 0x5A));
        Ok(())
    }

    fn encode_begin(&mut self, _kind: MessageKind, len: Option<usize>) -> bool {
        len.map_or(true, |n| n >= self.threshold)
    }

    fn encode(&mut self, input: &[u8], _fin: bool, out: &mut Vec<u8>) {
        out.extend(input.iter().map(|b| b ^ 0x5A));
    }
}

fn xor_pair() -> Pair {
    let mut pair = Pair::new();
    pair.client.set_codec(Box::new(Xor { threshold: 4 }));
    pair.server.set_codec(Box::new(Xor { threshold: 4 }));
    pair
}

#[test]
fn a_custom_codec_transforms_both_ways_on_its_rsv_bit() {
    let mut pair = xor_pair();
    pair.client.send_text("hello codec").unwrap();
    let wire = drain(&mut pair.client);
    let sent = frames(&wire);
    assert_eq!(sent[0].0, 0x80 | 0x20 | 0x01, "FIN + RSV2 + text");
    let xored: Vec<u8> = b"hello codec".iter().map(|b| b ^ 0x5A).collect();
    assert_eq!(sent[0].1, xored);
    assert_eq!(
        feed(&mut pair.server, &wire),
        [Ev::Text("hello codec".into())]
    );

    // Under the threshold: sent as is, RSV clear.
    pair.server.send_binary(b"abc").unwrap();
    let wire = drain(&mut pair.server);
    assert_eq!(frames(&wire), [(0x82, b"abc".to_vec())]);
    assert_eq!(feed(&mut pair.client, &wire), [Ev::Binary(b"abc".to_vec())]);

    // Fragmented, with a ping between: RSV2 on the first frame only.
    pair.server.begin_message(MessageKind::Text).unwrap();
    pair.server.send_fragment(b"frag").unwrap();
    pair.server.send_ping(b"p").unwrap();
    pair.server.finish_message(b"ments").unwrap();
    let wire = drain(&mut pair.server);
    let firsts: Vec<u8> = frames(&wire).iter().map(|f| f.0).collect();
    assert_eq!(firsts, [0x21, 0x89, 0x80]);
    assert_eq!(
        feed(&mut pair.client, &wire),
        [Ev::Ping(b"p".to_vec()), Ev::Text("fragments".into())]
    );
}

#[test]
fn decoded_text_is_validated() {
    let mut conn = server().with_codec(Box::new(Xor { threshold: 0 }));
    // 0xFF decodes to 0xA5: a lone continuation byte.
    let events = feed(&mut conn, &client_frame(0xA1, &[0xFF]));
    assert!(matches!(&events[..], [Ev::Error(e)] if e.violation() == Violation::InvalidUtf8));
}

#[test]
fn the_codec_sees_the_message_limit() {
    let mut config = wsmachine::Config::default();
    config.max_message_size = 8;
    let mut conn = Connection::server(config).with_codec(Box::new(Xor { threshold: 0 }));
    let mut wire = client_frame(0x22, b"12345");
    wire.extend(client_frame(0x80, b"6789"));
    let events = feed(&mut conn, &wire);
    assert!(
        matches!(&events[..], [Ev::Error(e)] if e.violation() == Violation::MessageTooLarge && e.close_code().0 == 1009),
        "{events:?}"
    );
}

#[test]
fn bits_the_codec_does_not_own_still_fail() {
    let mut conn = server().with_codec(Box::new(Xor { threshold: 0 }));
    let events = feed(&mut conn, &client_frame(0xC1, b"x"));
    assert!(matches!(&events[..], [Ev::Error(e)] if e.violation() == Violation::ReservedBits(4)));
}
