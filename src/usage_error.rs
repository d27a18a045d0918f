//! The handshake caller's misuse: a leaf that the HTTP plumbing, the
//! extension values and the handshake machines all report with.

use core::fmt;

/// The caller asked for something the handshake does not allow. Nothing was
/// sent; fix the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum UsageError {
    /// A header field name that is not an HTTP token.
    InvalidHeaderName,
    /// A header field value with a control character (CR, LF, NUL...), which
    /// would let it inject header fields.
    InvalidHeaderValue,
    /// A header field the handshake writes itself (`Upgrade`, `Connection`,
    /// `Sec-WebSocket-*`, `Host`, `Content-Length`, `Transfer-Encoding`).
    ReservedHeader,
    /// A subprotocol that is not a token, or offered twice (RFC 6455 §4.1:
    /// the elements "MUST all be unique strings").
    InvalidSubprotocol,
    /// Accepting a subprotocol the client did not offer (RFC 6455 §4.2.2:
    /// "The value chosen MUST be derived from the client's handshake").
    SubprotocolNotOffered,
    /// An extension name or parameter that is not a token.
    InvalidExtension,
    /// Accepting an extension the client did not offer (RFC 6455 §4.2.2:
    /// "Extensions not listed by the client MUST NOT be listed").
    ExtensionNotOffered,
    /// Accepting the same extension twice.
    DuplicateExtension,
    /// A [`Reply`](crate::handshake::Reply) status outside 200–999: 1xx responses are not final, and
    /// 101 is what accepting sends.
    InvalidStatus,
    /// A body on a 204 or 304 reply, which cannot carry one.
    BodyNotAllowed,
    /// The handshake already ended; bytes after it belong to the
    /// [`Connection`](crate::Connection).
    Finished,
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use UsageError::*;
        f.write_str(match self {
            InvalidHeaderName => "header name is not a token",
            InvalidHeaderValue => "header value contains a control character",
            ReservedHeader => "the handshake writes this header itself",
            InvalidSubprotocol => "subprotocol is not a token or is repeated",
            SubprotocolNotOffered => "the client did not offer this subprotocol",
            InvalidExtension => "extension name or parameter is not a token",
            ExtensionNotOffered => "the client did not offer this extension",
            DuplicateExtension => "extension accepted twice",
            InvalidStatus => "reply status must be 200-999",
            BodyNotAllowed => "204 and 304 replies have no body",
            Finished => "the handshake has already ended",
        })
    }
}

impl core::error::Error for UsageError {}
