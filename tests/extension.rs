//! The extension pipeline is general: a codec other than permessage-deflate
//! plugs in through `Connection::set_codec` and runs on its own RSV bit, and
//! its negotiation runs through both handshake machines unchanged.

use wsmachine::extension::{AnswerError, CodecError, Extension, MessageCodec, Negotiate, RSV2};
use wsmachine::handshake::{Accept, ClientError, ClientRequest, ResponseErrorKind};
use wsmachine::{CloseCode, Connection, MessageKind, Violation};
use wsmachine_testkit::*;

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
    let wire = client_frame(0xA1, &[0xFF]);
    let before = assert_fails(
        &mut conn,
        &wire,
        Violation::InvalidUtf8,
        CloseCode::INVALID_PAYLOAD,
    );
    assert_eq!(before, []);
}

#[test]
fn the_codec_sees_the_message_limit() {
    let mut config = wsmachine::Config::default();
    config.max_message_size = 8;
    let mut conn = Connection::server(config).with_codec(Box::new(Xor { threshold: 0 }));
    let mut wire = client_frame(0x22, b"12345");
    wire.extend(client_frame(0x80, b"6789"));
    let before = assert_fails(
        &mut conn,
        &wire,
        Violation::MessageTooLarge,
        CloseCode::MESSAGE_TOO_BIG,
    );
    assert_eq!(before, []);
}

#[test]
fn bits_the_codec_does_not_own_still_fail() {
    let mut conn = server().with_codec(Box::new(Xor { threshold: 0 }));
    let wire = client_frame(0xC1, b"x");
    let before = assert_fails(
        &mut conn,
        &wire,
        Violation::ReservedBits(4),
        CloseCode::PROTOCOL_ERROR,
    );
    assert_eq!(before, []);
}

// ----- negotiated through the handshake machines -----

/// The toy extension's negotiation: offered as `x-xor; threshold=N`, the
/// server answers with its own threshold, the client takes any answer that
/// has exactly that one parameter.
#[derive(Debug, Clone)]
struct XorExtension {
    name: &'static str,
    threshold: usize,
}

fn xor(threshold: usize) -> XorExtension {
    XorExtension {
        name: "x-xor",
        threshold,
    }
}

impl Negotiate for XorExtension {
    type Codec = Xor;

    fn name(&self) -> &str {
        self.name
    }

    fn offer(&self) -> Extension {
        Extension::new(self.name).param("threshold", self.threshold.to_string())
    }

    fn accept(&self, offer: &Extension) -> Option<(Extension, Xor)> {
        offer.param_value("threshold")??.parse::<usize>().ok()?;
        let answer = Extension::new(self.name).param("threshold", self.threshold.to_string());
        Some((
            answer,
            Xor {
                threshold: self.threshold,
            },
        ))
    }

    fn check_answer(&self, answer: &Extension) -> Result<Xor, AnswerError> {
        match answer.params() {
            [p] if p.name() == "threshold" => {
                let threshold = p.value().and_then(|v| v.parse().ok());
                let threshold = threshold.ok_or(AnswerError::InvalidValue)?;
                Ok(Xor { threshold })
            }
            _ => Err(AnswerError::UnknownParameter),
        }
    }
}

fn xor_request() -> ClientRequest {
    ClientRequest::from_url("ws://localhost/chat")
        .expect("valid url")
        .negotiate(xor(4))
}

#[test]
fn a_custom_extension_is_negotiated_by_both_machines() {
    let hs = Handshake::run(xor_request(), Accept::new().negotiate(xor(2)));
    assert!(
        hs.request_text
            .contains("\r\nSec-WebSocket-Extensions: x-xor; threshold=4\r\n"),
        "{}",
        hs.request_text
    );
    assert!(
        hs.response_text
            .contains("\r\nSec-WebSocket-Extensions: x-xor; threshold=2\r\n"),
        "{}",
        hs.response_text
    );
    let connected = hs.client.as_ref().expect("the client takes the answer");
    assert_eq!(
        connected.extensions,
        [Extension::new("x-xor").param("threshold", "2")]
    );
    let mut pair = hs.into_pair();
    assert!(pair.client.has_codec() && pair.server.has_codec());

    pair.client.send_text("hello").unwrap();
    let wire = drain(&mut pair.client);
    assert_eq!(frames(&wire)[0].0, 0x80 | 0x20 | 0x01, "FIN + RSV2 + text");
    assert_eq!(feed(&mut pair.server, &wire), [Ev::Text("hello".into())]);
    // The client took the server's threshold from the answer.
    pair.server.send_text("abc").unwrap();
    let wire = drain(&mut pair.server);
    assert_eq!(frames(&wire)[0].0, 0x80 | 0x20 | 0x01);
    assert_eq!(feed(&mut pair.client, &wire), [Ev::Text("abc".into())]);
}

#[test]
fn a_server_that_does_not_negotiate_it_declines() {
    let hs = Handshake::run(xor_request(), Accept::new());
    assert!(
        !hs.response_text.contains("Extensions"),
        "{}",
        hs.response_text
    );
    let connected = hs.client.expect("a decline is fine");
    assert!(connected.extensions.is_empty());
    assert!(!connected.connection.has_codec() && !hs.server.connection.has_codec());
}

#[test]
fn the_client_fails_on_an_answer_its_extension_refuses() {
    let answer = Extension::new("x-xor").flag("bogus");
    let hs = Handshake::run(xor_request(), Accept::new().extension(answer));
    match hs.client {
        Err(ClientError::Response(e)) => assert_eq!(
            e.kind(),
            ResponseErrorKind::InvalidExtensionAnswer(AnswerError::UnknownParameter)
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn one_transform_per_connection() {
    let other = XorExtension {
        name: "y-xor",
        threshold: 1,
    };
    let request = || xor_request().negotiate(other.clone());
    // The server answers only the first extension it negotiates that
    // accepts an offer.
    let hs = Handshake::run(
        request(),
        Accept::new().negotiate(other.clone()).negotiate(xor(2)),
    );
    let connected = hs.client.expect("one answer");
    assert_eq!(
        connected.extensions,
        [Extension::new("y-xor").param("threshold", "1")]
    );
    assert!(connected.connection.has_codec() && hs.server.connection.has_codec());
    // A server that agrees to both fails the client: it would run one.
    let both = Accept::new()
        .extension(Extension::new("x-xor").param("threshold", "2"))
        .extension(Extension::new("y-xor").param("threshold", "1"));
    match Handshake::run(request(), both).client {
        Err(ClientError::Response(e)) => assert_eq!(
            e.kind(),
            ResponseErrorKind::InvalidExtensionAnswer(AnswerError::Conflict)
        ),
        other => panic!("{other:?}"),
    }
}
