//! The seam between an HTTP stack and the WebSocket rules: what the rules
//! read of a client's opening request and of a server's answer.

use crate::http1::{Request, Response};

/// A client's opening request as the WebSocket rules read it: the method,
/// the HTTP version and the header fields, nothing of the bytes they came
/// in.
///
/// The HTTP/1.x [`Request`] parsed here provides it. A request that another
/// HTTP stack parsed (the `http` crate's `request::Parts`, an HTTP/2
/// extended CONNECT) can provide it as well, and then goes through the same
/// checks ([`super::request::validate`]) and the same negotiation
/// ([`super::negotiate`]).
pub(crate) trait RequestView {
    /// The method (`GET`).
    fn method(&self) -> &str;

    /// The HTTP version as (major, minor): (1, 1) for HTTP/1.1, (2, 0) for
    /// HTTP/2.
    fn version(&self) -> (u8, u8);

    /// The `:protocol` pseudo-header of an extended CONNECT (RFC 8441 §4),
    /// which HTTP/1.x does not have.
    #[cfg(feature = "http")]
    fn protocol(&self) -> Option<&[u8]> {
        None
    }

    /// Every header field as (name, value), in the order received, repeated
    /// fields included, values without surrounding whitespace (RFC 9110
    /// §5.5).
    fn fields(&self) -> impl Iterator<Item = (&[u8], &[u8])>;

    /// The value of the first field called `name` (ASCII case-insensitive).
    fn field(&self, name: &str) -> Option<&[u8]> {
        self.fields()
            .find(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
            .map(|(_, v)| v)
    }
}

impl RequestView for Request {
    fn method(&self) -> &str {
        Request::method(self)
    }

    fn version(&self) -> (u8, u8) {
        (1, Request::version(self))
    }

    fn fields(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.headers().raw()
    }
}

/// A server's answer to an opening handshake as the WebSocket rules read it:
/// the HTTP version and the header fields.
pub(crate) trait ResponseView {
    /// The HTTP version as (major, minor).
    fn version(&self) -> (u8, u8);

    /// Every header field as (name, value), in the order received, values
    /// without surrounding whitespace.
    fn fields(&self) -> impl Iterator<Item = (&[u8], &[u8])>;

    /// The values of every field called `name` (ASCII case-insensitive).
    fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.fields()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
            .map(|(_, v)| v)
    }
}

impl ResponseView for Response {
    fn version(&self) -> (u8, u8) {
        (1, Response::version(self))
    }

    fn fields(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.headers().raw()
    }
}
