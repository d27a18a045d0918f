//! Connections for tests, alone or joined in memory.

use std::time::Duration;

use wsmachine::extension::Negotiate;
use wsmachine::{Config, Connection, Role};

use crate::{drain, feed, Ev, TestRng};

/// A server with the default configuration.
pub fn server() -> Connection {
    Connection::server(Config::default())
}

/// A client with the default configuration and [`TestRng`] keys.
pub fn client() -> Connection {
    connection(Role::Client, Config::default())
}

/// A connection in `role` with `config` (a client gets [`TestRng`] keys).
pub fn connection(role: Role, config: Config) -> Connection {
    match role {
        Role::Server => Connection::server(config),
        Role::Client => Connection::client(config, TestRng(0x9E37_79B9_7F4A_7C15)),
    }
}

/// The codecs both ends run once `client` offered its extension and
/// `server` accepted the offer, agreed without a handshake: (the client's,
/// the server's). Panics if they do not agree.
pub fn agreed_codecs<C: Negotiate, S: Negotiate>(client: &C, server: &S) -> (C::Codec, S::Codec) {
    let (answer, server_codec) = server
        .accept_offers(&[client.offer()])
        .expect("the server accepts the offer");
    let client_codec = client
        .check_answers(&[answer])
        .expect("a valid answer")
        .expect("the client's extension agreed");
    (client_codec, server_codec)
}

/// A client and a server joined in memory, with a clock.
pub struct Pair {
    /// The client end.
    pub client: Connection,
    /// The server end.
    pub server: Connection,
    /// The clock both ends were given last.
    pub now: Duration,
}

impl Default for Pair {
    fn default() -> Pair {
        Pair::new()
    }
}

impl Pair {
    /// A pair with the default configuration.
    pub fn new() -> Pair {
        Pair::with(Config::default(), Config::default())
    }

    /// A pair with a configuration for each end.
    pub fn with(client: Config, server: Config) -> Pair {
        Pair {
            client: Connection::client(client, TestRng(0x1234_5678_9ABC_DEF1)),
            server: Connection::server(server),
            now: Duration::ZERO,
        }
    }

    /// A pair running the codecs of an extension `client` offered and
    /// `server` accepted ([`agreed_codecs`]), both ends with `config`.
    pub fn negotiated<C: Negotiate, S: Negotiate>(client: &C, server: &S, config: Config) -> Pair {
        let (client_codec, server_codec) = agreed_codecs(client, server);
        let mut pair = Pair::with(config.clone(), config);
        pair.client.set_codec(Box::new(client_codec));
        pair.server.set_codec(Box::new(server_codec));
        pair
    }

    /// Moves the client's output to the server; returns the server's events.
    #[track_caller]
    pub fn client_to_server(&mut self) -> Vec<Ev> {
        let bytes = drain(&mut self.client);
        feed(&mut self.server, &bytes)
    }

    /// Moves the server's output to the client; returns the client's events.
    #[track_caller]
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
