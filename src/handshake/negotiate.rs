//! The negotiation of the opening handshake (RFC 6455 §4.2.2, §9.1): from
//! what a client offers and what a server chooses, the agreement — the
//! subprotocol, the extensions' answers, the codec — and the connection that
//! runs it. Nothing here reads or writes HTTP bytes, so any HTTP stack that
//! provides a [`RequestView`](super::view::RequestView) runs the same code.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

use crate::connection::Connection;
use crate::extension::{
    offers_name, parse_extensions_into, AnswerError, Extension, MessageCodec, Negotiate, Negotiator,
};
use crate::usage_error::UsageError;

/// What a client offers, in its order of preference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Offer {
    /// Every `Sec-WebSocket-Protocol` element.
    pub(crate) subprotocols: Vec<String>,
    /// Every `Sec-WebSocket-Extensions` element; a name may repeat, once per
    /// alternative set of parameters.
    pub(crate) extensions: Vec<Extension>,
}

/// The first of the `offered` subprotocols that is in `supported`.
pub(crate) fn pick_subprotocol<'a>(offered: &'a [String], supported: &[&str]) -> Option<&'a str> {
    offered
        .iter()
        .map(String::as_str)
        .find(|p| supported.contains(p))
}

/// The extensions a client offered in the values of its
/// `Sec-WebSocket-Extensions` fields, parsed. A server checks the offer when
/// it reads the request, and parses it only when asked (or to negotiate):
/// one that declines every extension never builds it. A value that does not
/// parse (never, after the check) adds what it held before its error.
pub(crate) fn offered_extensions<'a>(values: impl Iterator<Item = &'a [u8]>) -> Vec<Extension> {
    let mut offered = Vec::new();
    for value in values {
        let parsed = parse_extensions_into(value, &mut offered);
        debug_assert!(parsed.is_ok(), "an offer parsed after its check");
    }
    offered
}

/// What a server agrees to when accepting: a subprotocol, extensions, and
/// extra header fields for the 101 response.
///
/// ```
/// use wsmachine::handshake::Accept;
/// let accept = Accept::new()
///     .subprotocol("chat.v2")
///     .header("Set-Cookie", "session=abc; Secure; HttpOnly");
/// ```
#[derive(Debug, Clone, Default)]
pub struct Accept {
    subprotocol: Option<String>,
    extensions: Vec<Extension>,
    negotiators: Vec<Negotiator>,
    headers: Vec<(String, String)>,
}

impl Accept {
    /// No subprotocol, no extensions, no extra header fields.
    pub fn new() -> Self {
        Accept::default()
    }

    /// Agrees to one of the offered subprotocols.
    #[must_use]
    pub fn subprotocol(mut self, subprotocol: impl Into<String>) -> Self {
        self.subprotocol = Some(subprotocol.into());
        self
    }

    /// Agrees to an offered extension, with the parameters of the answer.
    /// The caller gives the connection its codec
    /// ([`Connection::set_codec`]); for an extension this crate can
    /// negotiate, use [`negotiate`](Self::negotiate) instead.
    #[must_use]
    pub fn extension(mut self, extension: Extension) -> Self {
        self.extensions.push(extension);
        self
    }

    /// Accepts an extension if the client offered it in a form `extension`
    /// can honour (permessage-deflate: `extension::deflate::DeflateConfig`,
    /// feature `deflate`): its answer goes after those of
    /// [`extension`](Self::extension), and the [`Connection`] runs its codec.
    /// The connection runs one codec: the first extension passed here that
    /// accepts an offer is the one agreed to, and those after it are not
    /// asked.
    #[must_use]
    pub fn negotiate(mut self, extension: impl Negotiate + Clone + 'static) -> Self {
        self.negotiators.push(Negotiator::new(extension));
        self
    }

    /// Adds a header field to the 101 response (`Set-Cookie`, `Server`...).
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// What both ends agreed to.
pub(crate) struct Agreement {
    pub(crate) subprotocol: Option<String>,
    /// The extensions, as the server's response lists them.
    pub(crate) extensions: Vec<Extension>,
    /// The codec of the negotiated extension the connection runs.
    pub(crate) codec: Option<Box<dyn MessageCodec>>,
}

impl Agreement {
    /// Gives `connection` the agreed subprotocol and codec, in place (a
    /// connection is up to 256 bytes); the agreed extensions are left for the
    /// caller.
    #[inline]
    pub(crate) fn open(self, connection: &mut Connection) -> Vec<Extension> {
        // A new connection has no subprotocol.
        if self.subprotocol.is_some() {
            connection.set_subprotocol(self.subprotocol);
        }
        if let Some(codec) = self.codec {
            connection.set_codec(codec);
        }
        self.extensions
    }
}

/// Server side: checks the server's choices against the client's offer
/// (`subprotocols`, and the values of the `Sec-WebSocket-Extensions` fields
/// `offer` gives, read only when the server agrees to an extension, and
/// parsed only when it negotiates one) and negotiates the extensions.
/// Gives the agreement and the extra header fields for the response.
pub(crate) fn agree<'a, I: Iterator<Item = &'a [u8]>>(
    subprotocols: &[String],
    offer: impl Fn() -> I,
    accept: Accept,
) -> Result<(Agreement, Vec<(String, String)>), UsageError> {
    let Accept {
        subprotocol,
        mut extensions,
        negotiators,
        headers,
    } = accept;
    // RFC 6455 §4.2.2: "The value chosen MUST be derived from the client's
    // handshake, specifically by selecting one of the values from the
    // |Sec-WebSocket-Protocol| field".
    if let Some(p) = &subprotocol {
        if !subprotocols.contains(p) {
            return Err(UsageError::SubprotocolNotOffered);
        }
    }
    // RFC 6455 §4.2.2: "Extensions not listed by the client MUST NOT be
    // listed." The names are looked up in the offer as it lies.
    for (i, ext) in extensions.iter().enumerate() {
        if !offer().any(|value| offers_name(value, ext.name())) {
            return Err(UsageError::ExtensionNotOffered);
        }
        if extensions[..i]
            .iter()
            .any(|e| e.name().eq_ignore_ascii_case(ext.name()))
        {
            return Err(UsageError::DuplicateExtension);
        }
    }
    // The first extension to negotiate that accepts an offer is agreed to;
    // they need the offer parsed.
    let offered = match negotiators.is_empty() {
        true => Vec::new(),
        false => offered_extensions(offer()),
    };
    let codec = match negotiators.iter().find_map(|n| n.accept_offers(&offered)) {
        Some((answer, codec)) => {
            extensions.push(answer);
            Some(codec)
        }
        None => None,
    };
    let agreement = Agreement {
        subprotocol,
        extensions,
        codec,
    };
    Ok((agreement, headers))
}

/// Client side: checks the server's answers to the extensions we negotiate;
/// the codec of the one it agreed to. The connection runs one codec.
pub(crate) fn check_answers(
    negotiators: &[Negotiator],
    agreed: &[Extension],
) -> Result<Option<Box<dyn MessageCodec>>, AnswerError> {
    let mut codec = None;
    for negotiator in negotiators {
        if let Some(c) = negotiator.check_answers(agreed)? {
            if codec.is_some() {
                return Err(AnswerError::Conflict);
            }
            codec = Some(c);
        }
    }
    Ok(codec)
}
