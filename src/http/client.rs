//! The client's entry: the opening request as an `http::Request`, and the
//! check of the `http::Response` that answers it.

use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use ::http::{HeaderName, HeaderValue, Method, Request, Response, Uri, Version};

use super::view::version_pair;
use crate::config::Config;
use crate::connection::Connection;
use crate::extension::{Extension, Negotiator};
use crate::handshake::key::new_key;
use crate::handshake::negotiate::{check_answers, Offer};
use crate::handshake::request::opening_fields;
use crate::handshake::response::validate;
use crate::handshake::{ClientRequest, ResponseError, ResponseErrorKind, Scheme};
use crate::rand::Randomness;
use crate::usage_error::UsageError;

/// A client's opening handshake through another HTTP stack: the request to
/// send, then the check of the answer.
///
/// [`new`](Self::new) builds the `http::Request` for HTTP/1.1 (GET with
/// `Upgrade: websocket` and a fresh key) or for HTTP/2 and later (an
/// extended CONNECT, RFC 8441). Over HTTP/2 the stack sets the `:protocol`
/// pseudo-header from an extension type of its own: insert
/// `h2::ext::Protocol::from_static("websocket")` (or hyper's) into the
/// request's extensions before sending it. Then
/// [`handle_response`](Self::handle_response) checks the answer and gives the
/// [`Connection`].
pub struct ClientUpgrade {
    key: Option<String>,
    offer: Offer,
    negotiators: Vec<Negotiator>,
    rng: Box<dyn Randomness>,
    config: Config,
}

impl core::fmt::Debug for ClientUpgrade {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ClientUpgrade")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl ClientUpgrade {
    /// The opening request for `request` over `version`, and the machine
    /// that checks the answer. The key (HTTP/1.1) is drawn from `rng`, which
    /// then draws the connection's masking keys.
    ///
    /// Fails like [`ClientHandshake::new`](crate::ClientHandshake::new): a
    /// subprotocol that is not a token or is repeated, an extension not made
    /// of tokens, a header field that is invalid or one the handshake writes
    /// itself.
    pub fn new(
        request: ClientRequest,
        version: Version,
        config: Config,
        rng: impl Randomness + 'static,
    ) -> Result<(Request<()>, ClientUpgrade), UsageError> {
        let mut rng: Box<dyn Randomness> = Box::new(rng);
        let connect = version >= Version::HTTP_2;
        let key = (!connect).then(|| new_key(&mut *rng));
        let ClientRequest {
            target,
            offer,
            negotiators,
            headers,
        } = request;
        let fields = opening_fields(&target, key.as_deref(), &offer, &headers)?;
        let uri = match connect {
            // RFC 8441 §5: ":scheme" and ":path" as for the resource, and
            // the ":authority" (RFC 9113 §8.5 for CONNECT).
            true => {
                let scheme = match target.scheme() {
                    Scheme::Ws => "http",
                    Scheme::Wss => "https",
                };
                format!("{scheme}://{}{}", target.host_header(), target.resource())
            }
            false => String::from(target.resource()),
        };
        let mut http_request = Request::new(());
        *http_request.method_mut() = if connect {
            Method::CONNECT
        } else {
            Method::GET
        };
        *http_request.version_mut() = version;
        *http_request.uri_mut() = Uri::try_from(uri).map_err(|_| UsageError::InvalidHeaderValue)?;
        for (name, value) in fields {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| UsageError::InvalidHeaderName)?;
            let value =
                HeaderValue::try_from(value.trim()).map_err(|_| UsageError::InvalidHeaderValue)?;
            http_request.headers_mut().append(name, value);
        }
        let upgrade = ClientUpgrade {
            key,
            offer,
            negotiators,
            rng,
            config,
        };
        Ok((http_request, upgrade))
    }

    /// The `Sec-WebSocket-Key` sent (HTTP/1.1 only).
    pub fn key(&self) -> Option<&str> {
        self.key.as_deref()
    }

    /// Checks the server's answer: a 101 with the right
    /// `Sec-WebSocket-Accept` to an HTTP/1.1 upgrade, or a 2xx to an
    /// extended CONNECT, and in both the subprotocol and extensions against
    /// the offer. Another status is [`ResponseErrorKind::Refused`] (the
    /// response itself is the caller's).
    pub fn handle_response<B>(
        self,
        response: &Response<B>,
    ) -> Result<ClientConnected, ResponseError> {
        let fail = |kind| ResponseError::new(kind, None);
        let status = response.status().as_u16();
        let accepted = match self.key {
            Some(_) => status == 101,
            None => (200..300).contains(&status),
        };
        if !accepted {
            return Err(fail(ResponseErrorKind::Refused));
        }
        if self.key.is_none() && version_pair(response.version()) < (2, 0) {
            return Err(fail(ResponseErrorKind::HttpVersion));
        }
        let mut agreement = validate(response, self.key.as_deref(), &self.offer).map_err(fail)?;
        agreement.codec = check_answers(&self.negotiators, &agreement.extensions)
            .map_err(|e| fail(ResponseErrorKind::InvalidExtensionAnswer(e)))?;
        let mut connection = Connection::client_boxed(self.config, self.rng);
        let extensions = agreement.open(&mut connection);
        Ok(ClientConnected {
            connection,
            extensions,
        })
    }
}

/// A completed client opening through another HTTP stack.
#[derive(Debug)]
#[non_exhaustive]
#[must_use = "the connection runs over the upgraded stream"]
pub struct ClientConnected {
    /// The open connection, client role, with the agreed subprotocol, the
    /// codec of a negotiated extension and the randomness for masking keys.
    pub connection: Connection,
    /// The extensions the server agreed to, with its parameters.
    pub extensions: Vec<Extension>,
}
