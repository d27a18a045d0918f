//! Negotiating an extension in the opening handshake (RFC 6455 §9.1): the
//! client's offer, the server's answer, and the client's check of that
//! answer, ending in the codec the connection runs.

use alloc::boxed::Box;
use core::fmt;

use super::codec::MessageCodec;
use super::field::Extension;

/// An extension this end negotiates in the opening handshake, as wsproto's
/// `Extension` does: the client offers it, the server answers an offer, the
/// client checks the answer. Both ends come out with the extension's codec.
///
/// The handshake machines run any implementor the same way
/// ([`Accept::negotiate`](crate::handshake::Accept::negotiate),
/// [`ClientRequest::negotiate`](crate::handshake::ClientRequest::negotiate)),
/// so a new extension needs no change in the handshake.
/// permessage-deflate (`deflate::DeflateConfig`, feature `deflate`) is one
/// implementor.
///
/// Offers and answers belong to the extension when their name is
/// [`name`](Self::name), compared ASCII case-insensitively.
pub trait Negotiate: Send + Sync {
    /// The transform an agreement gives the connection.
    type Codec: MessageCodec + 'static;

    /// The extension's registered name (`permessage-deflate`).
    fn name(&self) -> &str;

    /// Client side: the offer to send.
    fn offer(&self) -> Extension;

    /// Server side: the answer to one offer of this extension, and the codec
    /// for the connection; `None` declines the offer.
    ///
    /// RFC 6455 §9.1: the server's answer names only extensions the client
    /// offered; an extension's own rules say which parameters it may carry.
    fn accept(&self, offer: &Extension) -> Option<(Extension, Self::Codec)>;

    /// Client side: checks the server's answer against
    /// [`offer`](Self::offer) and gives the codec for the connection, or
    /// why the answer breaks the offer (the client then fails the
    /// handshake).
    fn check_answer(&self, answer: &Extension) -> Result<Self::Codec, AnswerError>;

    /// Server side: answers the first acceptable offer of this extension
    /// among `offers` (every extension the client offered, in its order of
    /// preference); `None` when there is none.
    fn accept_offers(&self, offers: &[Extension]) -> Option<(Extension, Self::Codec)> {
        offers
            .iter()
            .filter(|o| is_named(self, o))
            .find_map(|o| self.accept(o))
    }

    /// Client side: finds this extension's answer among the extensions the
    /// server agreed to and checks it. `Ok(None)`: the server declined.
    fn check_answers(&self, agreed: &[Extension]) -> Result<Option<Self::Codec>, AnswerError> {
        let mut answers = agreed.iter().filter(|e| is_named(self, e));
        let Some(answer) = answers.next() else {
            return Ok(None);
        };
        if answers.next().is_some() {
            return Err(AnswerError::DuplicateExtension);
        }
        self.check_answer(answer).map(Some)
    }
}

fn is_named<N: Negotiate + ?Sized>(negotiate: &N, extension: &Extension) -> bool {
    extension.name().eq_ignore_ascii_case(negotiate.name())
}

/// Why a server's answer to an extension offer is not acceptable to the
/// client (RFC 7692 §5 for permessage-deflate: the client "MUST _Fail the
/// WebSocket Connection_").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AnswerError {
    /// A parameter the extension does not define.
    UnknownParameter,
    /// The same parameter twice.
    DuplicateParameter,
    /// A value where none is allowed, none where one is needed, or a value
    /// out of range.
    InvalidValue,
    /// The answer does not honour the offer (a requested parameter missing,
    /// a value beyond what was offered, a parameter that was not offered).
    NotAsOffered,
    /// The extension appears twice in the answer.
    DuplicateExtension,
    /// The server agreed to a second extension that transforms messages;
    /// a connection runs one.
    Conflict,
}

impl fmt::Display for AnswerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AnswerError::UnknownParameter => "extension answer: unknown parameter",
            AnswerError::DuplicateParameter => "extension answer: repeated parameter",
            AnswerError::InvalidValue => "extension answer: invalid parameter value",
            AnswerError::NotAsOffered => "extension answer: does not match the offer",
            AnswerError::DuplicateExtension => "extension answer: accepted twice",
            AnswerError::Conflict => "extension answer: two extensions transform messages",
        })
    }
}

impl core::error::Error for AnswerError {}

/// [`Negotiate`] with the codec boxed, so that the handshake machines hold
/// extensions of any type side by side.
trait DynNegotiate: Send + Sync {
    fn name(&self) -> &str;
    fn offer(&self) -> Extension;
    fn accept_offers(&self, offers: &[Extension]) -> Option<(Extension, Box<dyn MessageCodec>)>;
    fn check_answers(
        &self,
        agreed: &[Extension],
    ) -> Result<Option<Box<dyn MessageCodec>>, AnswerError>;
    fn clone_box(&self) -> Box<dyn DynNegotiate>;
}

impl<N: Negotiate + Clone + 'static> DynNegotiate for N {
    fn name(&self) -> &str {
        Negotiate::name(self)
    }

    fn offer(&self) -> Extension {
        Negotiate::offer(self)
    }

    fn accept_offers(&self, offers: &[Extension]) -> Option<(Extension, Box<dyn MessageCodec>)> {
        let (answer, codec) = Negotiate::accept_offers(self, offers)?;
        Some((answer, Box::new(codec)))
    }

    fn check_answers(
        &self,
        agreed: &[Extension],
    ) -> Result<Option<Box<dyn MessageCodec>>, AnswerError> {
        let codec = Negotiate::check_answers(self, agreed)?;
        Ok(codec.map(|c| Box::new(c) as Box<dyn MessageCodec>))
    }

    fn clone_box(&self) -> Box<dyn DynNegotiate> {
        Box::new(self.clone())
    }
}

/// One extension a handshake negotiates, of any type.
pub(crate) struct Negotiator(Box<dyn DynNegotiate>);

impl Negotiator {
    pub(crate) fn new(negotiate: impl Negotiate + Clone + 'static) -> Negotiator {
        Negotiator(Box::new(negotiate))
    }

    pub(crate) fn offer(&self) -> Extension {
        self.0.offer()
    }

    pub(crate) fn accept_offers(
        &self,
        offers: &[Extension],
    ) -> Option<(Extension, Box<dyn MessageCodec>)> {
        self.0.accept_offers(offers)
    }

    pub(crate) fn check_answers(
        &self,
        agreed: &[Extension],
    ) -> Result<Option<Box<dyn MessageCodec>>, AnswerError> {
        self.0.check_answers(agreed)
    }
}

impl Clone for Negotiator {
    fn clone(&self) -> Negotiator {
        Negotiator(self.0.clone_box())
    }
}

impl fmt::Debug for Negotiator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Negotiator").field(&self.0.name()).finish()
    }
}
