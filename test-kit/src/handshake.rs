//! Handshake requests fed to a server machine, and both handshake machines
//! run against each other.

use wsmachine::handshake::{
    Accept, Accepted, ClientError, ClientHandshake, ClientRequest, Connected, HandshakeConfig,
    RequestError, ServerHandshake, UpgradeRequest,
};
use wsmachine::Status;

use crate::{feed, Pair, TestRng};

/// A valid request (RFC 6455 §1.3's sample) with header lines replaced or
/// dropped and others added: each `(prefix, line)` replaces the first line
/// that starts with `prefix` with `line`, or drops it for `None`.
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
#[track_caller]
pub fn upgrade(input: &[u8]) -> UpgradeRequest {
    match server_feed(input) {
        Ok(Status::Complete(req)) => req,
        other => panic!("expected a complete upgrade request, got {other:?}"),
    }
}

/// The error a server machine answers `input` with.
#[track_caller]
pub fn rejection(input: &[u8]) -> RequestError {
    match server_feed(input) {
        Err(e) => e,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

/// Both handshake machines run against each other in memory: what went
/// over the wire and what each end made of it.
#[derive(Debug)]
pub struct Handshake {
    /// The client's request.
    pub request_text: String,
    /// The server's 101.
    pub response_text: String,
    /// What the server's machine made of the request, accepted.
    pub server: Accepted,
    /// What the client's machine made of the 101.
    pub client: Result<Connected, ClientError>,
}

impl Handshake {
    /// Runs a client asking with `request` (default limits, [`TestRng`]
    /// randomness) against a server machine that accepts with `accept`,
    /// each side reading the other's bytes in one piece.
    #[track_caller]
    pub fn run(request: ClientRequest, accept: Accept) -> Handshake {
        let mut client = ClientHandshake::new(request, HandshakeConfig::default(), TestRng(7))
            .expect("valid request");
        let request = client.poll_output().to_vec();
        client.advance_output(request.len());
        let server = upgrade(&request).accept(accept).expect("accept");
        let client = match client.handle_input(&server.response_bytes) {
            Ok(Status::Complete(connected)) => Ok(connected),
            Ok(Status::Partial) => panic!("the client did not take the whole 101"),
            Err(e) => Err(e),
        };
        Handshake {
            request_text: String::from_utf8(request).expect("ASCII request"),
            response_text: String::from_utf8(server.response_bytes.clone())
                .expect("ASCII response"),
            server,
            client,
        }
    }

    /// The two connections the handshake opened, each fed the bytes its
    /// machine read past the handshake. Panics if the client refused the
    /// 101 or those bytes gave an event (nothing was written after the
    /// request or the 101).
    #[track_caller]
    pub fn into_pair(self) -> Pair {
        let mut server = self.server;
        let mut client = self.client.expect("the client takes the 101");
        assert_eq!(feed(&mut server.connection, &server.trailing), []);
        assert_eq!(feed(&mut client.connection, &client.trailing), []);
        Pair {
            client: client.connection,
            server: server.connection,
            now: std::time::Duration::ZERO,
        }
    }
}

impl Pair {
    /// A pair that starts with the opening handshake: the client asks with
    /// `request`, the server accepts with `accept` ([`Handshake::run`]), and
    /// each end is the connection its handshake machine opened (subprotocol,
    /// extension codec), fed the bytes that came after the handshake.
    #[track_caller]
    pub fn handshake(request: ClientRequest, accept: Accept) -> Pair {
        Handshake::run(request, accept).into_pair()
    }
}
