//! Test support: an in-memory client/server pair, owned copies of events,
//! frame builders, handshake requests fed to a server machine, and both
//! handshake machines run against each other.
#![allow(dead_code, unreachable_pub)]

use std::time::Duration;

use wsmachine::handshake::{
    Accept, ClientError, ClientHandshake, ClientRequest, Connected, HandshakeConfig, RequestError,
    ServerHandshake, UpgradeRequest,
};
use wsmachine::{
    CloseCause, CloseCode, CloseOutcome, Config, Connection, Event, MessageKind, ProtocolError,
    Randomness, Status,
};

/// A fixed-sequence generator: fine for tests, never for real masking keys.
#[derive(Debug, Clone)]
pub struct TestRng(pub u64);

impl Randomness for TestRng {
    fn fill(&mut self, dest: &mut [u8]) {
        for b in dest {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            *b = self.0 as u8;
        }
    }
}

/// An event copied out of the connection's or the input's buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ev {
    Text(String),
    Binary(Vec<u8>),
    Chunk(MessageKind, Vec<u8>, bool),
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    Close(Option<u16>, String),
    /// The final event after the peer's protocol violation.
    Error(ProtocolError),
    /// The final event of a connection that ended any other way.
    Closed(CloseOutcome, String),
}

impl Ev {
    pub fn from(e: Event<'_>) -> Ev {
        match e {
            Event::Text(t) => Ev::Text(t.to_owned()),
            Event::Binary(b) => Ev::Binary(b.to_vec()),
            Event::Chunk { kind, data, fin } => Ev::Chunk(kind, data.to_vec(), fin),
            Event::Ping(p) => Ev::Ping(p.to_vec()),
            Event::Pong(p) => Ev::Pong(p.to_vec()),
            Event::Close { code, reason } => Ev::Close(code.map(|c| c.0), reason.to_owned()),
            Event::Closed { outcome, reason } => match outcome.cause {
                CloseCause::Violation(e) => {
                    assert_eq!(reason, e.reason());
                    assert!(!outcome.clean);
                    Ev::Error(e)
                }
                _ => Ev::Closed(outcome, reason.to_owned()),
            },
            other => panic!("unexpected event {other:?}"),
        }
    }
}

/// Feeds `input` (as one read) and returns every event, up to the final one.
pub fn feed(conn: &mut Connection, input: &[u8]) -> Vec<Ev> {
    feed_with(input, |buf| {
        let (used, ev) = conn.handle_input(buf);
        (used, ev.map(Ev::from))
    })
}

/// Like [`feed`], through `handle_input_into` with a buffer kept by the
/// caller.
pub fn feed_buffered(conn: &mut Connection, buffer: &mut Vec<u8>, input: &[u8]) -> Vec<Ev> {
    feed_with(input, |buf| {
        let (used, ev) = conn.handle_input_into(buf, buffer);
        (used, ev.map(Ev::from))
    })
}

/// Calls `handle` on the rest of `input` until it returns no event, checking
/// that "no event" means the input was used up and that nothing follows the
/// final event.
fn feed_with(input: &[u8], mut handle: impl FnMut(&mut [u8]) -> (usize, Option<Ev>)) -> Vec<Ev> {
    let mut buf = input.to_vec();
    let mut pos = 0;
    let mut out: Vec<Ev> = Vec::new();
    loop {
        let (used, ev) = handle(&mut buf[pos..]);
        pos += used;
        let Some(ev) = ev else {
            assert_eq!(pos, buf.len(), "None must mean all input was consumed");
            return out;
        };
        assert!(
            !matches!(out.last(), Some(Ev::Error(_) | Ev::Closed(..))),
            "an event after the final one: {ev:?}"
        );
        out.push(ev);
    }
}

/// The final event of a connection that ended with the close handshake.
pub fn handshake_closed(code: u16, initiated_locally: bool, reason: &str) -> Ev {
    let outcome = CloseOutcome {
        code: CloseCode(code),
        clean: true,
        cause: CloseCause::Handshake { initiated_locally },
    };
    Ev::Closed(outcome, reason.to_owned())
}

/// The final event a connection has after an input that is not bytes (end
/// of file, the clock), if it has closed.
pub fn poll_final(conn: &mut Connection) -> Option<Ev> {
    let ev = conn.poll_event().map(Ev::from);
    assert_eq!(conn.poll_event(), None, "the final event comes once");
    ev
}

/// Feeds `input` split into reads at the given cut points, through
/// `read_with_buffer`.
pub fn feed_split_buffered(conn: &mut Connection, input: &[u8], cuts: &[usize]) -> Vec<Ev> {
    let mut buffer = Vec::new();
    let mut out = Vec::new();
    let mut start = 0;
    for &cut in cuts.iter().chain(std::iter::once(&input.len())) {
        let cut = cut.clamp(start, input.len());
        out.extend(feed_buffered(conn, &mut buffer, &input[start..cut]));
        if matches!(out.last(), Some(Ev::Error(_))) {
            break;
        }
        start = cut;
    }
    out
}

/// Feeds `input` split into reads at the given cut points.
pub fn feed_split(conn: &mut Connection, input: &[u8], cuts: &[usize]) -> Vec<Ev> {
    let mut out = Vec::new();
    let mut start = 0;
    for &cut in cuts.iter().chain(std::iter::once(&input.len())) {
        let cut = cut.clamp(start, input.len());
        out.extend(feed(conn, &input[start..cut]));
        if matches!(out.last(), Some(Ev::Error(_))) {
            break;
        }
        start = cut;
    }
    out
}

/// Takes all pending output, as a transport that accepts everything.
pub fn drain(conn: &mut Connection) -> Vec<u8> {
    let out = conn.poll_output().to_vec();
    conn.advance_output(out.len());
    out
}

pub fn server() -> Connection {
    Connection::server(Config::default())
}

pub fn client() -> Connection {
    Connection::client(Config::default(), TestRng(0x9E37_79B9_7F4A_7C15))
}

/// A client and a server joined in memory.
pub struct Pair {
    pub client: Connection,
    pub server: Connection,
    pub now: Duration,
}

impl Pair {
    pub fn new() -> Pair {
        Pair::with(Config::default(), Config::default())
    }

    pub fn with(client: Config, server: Config) -> Pair {
        Pair {
            client: Connection::client(client, TestRng(0x1234_5678_9ABC_DEF1)),
            server: Connection::server(server),
            now: Duration::ZERO,
        }
    }

    /// Moves the client's output to the server; returns the server's events.
    pub fn client_to_server(&mut self) -> Vec<Ev> {
        let bytes = drain(&mut self.client);
        feed(&mut self.server, &bytes)
    }

    /// Moves the server's output to the client; returns the client's events.
    pub fn server_to_client(&mut self) -> Vec<Ev> {
        let bytes = drain(&mut self.server);
        feed(&mut self.client, &bytes)
    }

    /// Advances both clocks.
    pub fn tick(&mut self, by: Duration) {
        self.now += by;
        self.client.handle_timeout(self.now);
        self.server.handle_timeout(self.now);
    }
}

pub fn code(c: CloseCode) -> Option<u16> {
    Some(c.0)
}

/// Encodes a frame by hand (independently of the library's encoder), with the
/// shortest length form that fits, masking the payload when a key is given.
pub fn raw_frame(first_byte: u8, payload: &[u8], mask: Option<[u8; 4]>) -> Vec<u8> {
    let mut out = vec![first_byte];
    let mask_bit = if mask.is_some() { 0x80 } else { 0 };
    match payload.len() {
        n @ 0..=125 => out.push(mask_bit | n as u8),
        n @ 126..=0xFFFF => {
            out.push(mask_bit | 126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(mask_bit | 127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    match mask {
        None => out.extend_from_slice(payload),
        Some(key) => {
            out.extend_from_slice(&key);
            out.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
        }
    }
    out
}

/// A frame as a client sends it (masked).
pub fn client_frame(first_byte: u8, payload: &[u8]) -> Vec<u8> {
    raw_frame(first_byte, payload, Some([0xA1, 0x07, 0x5C, 0xE3]))
}

/// A frame as a server sends it (unmasked).
pub fn server_frame(first_byte: u8, payload: &[u8]) -> Vec<u8> {
    raw_frame(first_byte, payload, None)
}

/// Decodes every frame in `wire` into (first byte, unmasked payload).
pub fn frames(wire: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut out = Vec::new();
    let mut rest = wire;
    while !rest.is_empty() {
        let (b0, b1) = (rest[0], rest[1]);
        let mut i = 2;
        let len = match b1 & 0x7F {
            126 => {
                i = 4;
                u16::from_be_bytes([rest[2], rest[3]]) as usize
            }
            127 => {
                i = 10;
                u64::from_be_bytes(rest[2..10].try_into().unwrap()) as usize
            }
            n => n as usize,
        };
        let key = if b1 & 0x80 != 0 {
            let k = [rest[i], rest[i + 1], rest[i + 2], rest[i + 3]];
            i += 4;
            Some(k)
        } else {
            None
        };
        let mut payload = rest[i..i + len].to_vec();
        if let Some(k) = key {
            for (j, b) in payload.iter_mut().enumerate() {
                *b ^= k[j % 4];
            }
        }
        out.push((b0, payload));
        rest = &rest[i + len..];
    }
    out
}

/// The status code of the Close frame in `wire`, which must be its last frame.
pub fn sent_close_code(wire: &[u8]) -> Option<u16> {
    let all = frames(wire);
    let (b0, payload) = all.last().expect("no frame sent");
    assert_eq!(*b0, 0x88, "last frame is not a Close: {all:x?}");
    (payload.len() >= 2).then(|| u16::from_be_bytes([payload[0], payload[1]]))
}

/// A pair whose server accepted the client's permessage-deflate offer with
/// `server`, and whose client checked the answer with `client`.
#[cfg(feature = "deflate")]
pub fn deflate_pair(
    client: &wsmachine::extension::deflate::DeflateConfig,
    server: &wsmachine::extension::deflate::DeflateConfig,
    config: Config,
) -> Pair {
    use wsmachine::extension::Negotiate;
    let (answer, server_codec) = server
        .accept_offers(&[client.offer()])
        .expect("server accepts the offer");
    let client_codec = client
        .check_answers(&[answer])
        .expect("valid answer")
        .expect("accepted");
    let mut pair = Pair::with(config.clone(), config);
    pair.server.set_codec(Box::new(server_codec));
    pair.client.set_codec(Box::new(client_codec));
    pair
}

// ----- handshake requests -----

/// A valid request with one header line replaced (`None` drops it) or added.
pub fn request_with(replace: &[(&str, Option<&str>)], add: &[&str]) -> Vec<u8> {
    let mut lines = vec![
        "GET /chat HTTP/1.1".to_owned(),
        "Host: example.com".to_owned(),
        "Upgrade: websocket".to_owned(),
        "Connection: Upgrade".to_owned(),
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==".to_owned(),
        "Sec-WebSocket-Version: 13".to_owned(),
    ];
    for (prefix, line) in replace {
        let i = lines
            .iter()
            .position(|l| l.starts_with(prefix))
            .expect("line to replace");
        match line {
            Some(l) => lines[i] = (*l).to_owned(),
            None => {
                lines.remove(i);
            }
        }
    }
    lines.extend(add.iter().map(|l| (*l).to_owned()));
    format!("{}\r\n\r\n", lines.join("\r\n")).into_bytes()
}

/// What a fresh server handshake machine makes of `input`.
pub fn server_feed(input: &[u8]) -> Result<Status<UpgradeRequest>, RequestError> {
    ServerHandshake::default().handle_input(input)
}

/// The upgrade request a server machine reads from `input`, which must be a
/// valid and complete opening handshake.
pub fn upgrade(input: &[u8]) -> UpgradeRequest {
    match server_feed(input) {
        Ok(Status::Complete(req)) => req,
        other => panic!("expected a complete upgrade request, got {other:?}"),
    }
}

/// The error a server machine answers `input` with.
pub fn rejection(input: &[u8]) -> RequestError {
    match server_feed(input) {
        Err(e) => e,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

/// Both handshake machines run against each other: what went over the wire
/// and what each end made of it.
pub struct Handshake {
    /// The client's request.
    pub request_text: String,
    /// The server's 101.
    pub response_text: String,
    /// The server's connection.
    pub server: Connection,
    /// What the client made of the 101.
    pub client: Result<Connected, ClientError>,
}

/// Runs a client asking for `request` against a server that accepts with
/// `accept`, each input in one piece.
pub fn handshake(request: ClientRequest, accept: Accept) -> Handshake {
    let mut client = ClientHandshake::new(request, HandshakeConfig::default(), TestRng(7))
        .expect("valid request");
    let request = client.poll_output().to_vec();
    let accepted = upgrade(&request).accept(accept).expect("accept");
    let client = match client.handle_input(&accepted.response_bytes) {
        Ok(Status::Complete(connected)) => Ok(connected),
        Ok(Status::Partial) => panic!("the client did not take the whole 101"),
        Err(e) => Err(e),
    };
    Handshake {
        request_text: String::from_utf8(request).expect("ASCII request"),
        response_text: String::from_utf8(accepted.response_bytes).expect("ASCII response"),
        server: accepted.connection,
        client,
    }
}
