//! An `http` request's parts as the WebSocket rules read them.

use ::http::request::Parts;
use ::http::Version;

use crate::handshake::view::{RequestView, ResponseView};

/// A request's parts, with the `:protocol` its HTTP/2 or HTTP/3 stack
/// carried beside them.
pub(crate) struct PartsView<'a> {
    pub(crate) parts: &'a Parts,
    pub(crate) protocol: Option<&'a str>,
}

/// (major, minor) of an HTTP version.
pub(crate) fn version_pair(version: Version) -> (u8, u8) {
    match version {
        Version::HTTP_09 => (0, 9),
        Version::HTTP_10 => (1, 0),
        Version::HTTP_11 => (1, 1),
        Version::HTTP_2 => (2, 0),
        // HTTP/3, and any version the `http` crate adds later.
        _ => (3, 0),
    }
}

/// Every field of a header map as (name, value), values trimmed.
fn header_fields(headers: &::http::HeaderMap) -> impl Iterator<Item = (&[u8], &[u8])> {
    headers
        .iter()
        .map(|(n, v)| (n.as_str().as_bytes(), v.as_bytes().trim_ascii()))
}

impl RequestView for PartsView<'_> {
    fn method(&self) -> &str {
        self.parts.method.as_str()
    }

    fn version(&self) -> (u8, u8) {
        version_pair(self.parts.version)
    }

    fn protocol(&self) -> Option<&[u8]> {
        self.protocol.map(str::as_bytes)
    }

    /// The header fields; an authority in the URI (HTTP/2's `:authority`)
    /// counts as the `Host` field when there is none.
    fn fields(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        let headers = &self.parts.headers;
        // Only HTTP/2 and later carry the authority as `:authority`; an
        // HTTP/1.1 request needs its `Host` field (RFC 9112 §3.2), even in
        // absolute form.
        let connect = self.parts.version >= Version::HTTP_2;
        let authority = match connect && !headers.contains_key(::http::header::HOST) {
            true => self.parts.uri.authority(),
            false => None,
        };
        let authority = authority.map(|a| (&b"host"[..], a.as_str().as_bytes()));
        authority.into_iter().chain(header_fields(headers))
    }
}

impl<B> ResponseView for ::http::Response<B> {
    fn version(&self) -> (u8, u8) {
        version_pair(::http::Response::version(self))
    }

    fn fields(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        header_fields(self.headers())
    }
}
