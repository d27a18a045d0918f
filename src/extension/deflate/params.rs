//! Negotiation of permessage-deflate (RFC 7692 §5, §7.1): the client's offer,
//! the server's answer, and the client's check of that answer.

use alloc::format;

use super::backend::can_prime;
use super::{Agreement, DeflateConfig, PerMessageDeflate};
use crate::extension::{AnswerError, Extension, Negotiate};

/// The extension's registered name (RFC 7692 §7).
pub(crate) const NAME: &str = "permessage-deflate";

const SERVER_NO_CONTEXT_TAKEOVER: &str = "server_no_context_takeover";
const CLIENT_NO_CONTEXT_TAKEOVER: &str = "client_no_context_takeover";
const SERVER_MAX_WINDOW_BITS: &str = "server_max_window_bits";
const CLIENT_MAX_WINDOW_BITS: &str = "client_max_window_bits";

/// The four parameters, as one offer or answer carries them.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Params {
    server_no_context_takeover: bool,
    client_no_context_takeover: bool,
    server_max_window_bits: Option<u8>,
    /// `Some(None)`: present without a value (allowed in an offer only).
    client_max_window_bits: Option<Option<u8>>,
}

/// RFC 7692 §7.1.2.1: the value "MUST be an integer from 8 to 15 inclusive"
/// written as decimal without leading zeros (the ABNF `%x38-39 / "1" %x30-35`).
fn window_bits(value: &str) -> Option<u8> {
    match value.as_bytes() {
        [d @ b'8'..=b'9'] => Some(d - b'0'),
        [b'1', d @ b'0'..=b'5'] => Some(10 + d - b'0'),
        _ => None,
    }
}

impl Params {
    /// Reads the parameters of one offer or answer. `value_optional`: a
    /// `client_max_window_bits` without a value is allowed (an offer).
    fn parse(ext: &Extension, value_optional: bool) -> Result<Params, AnswerError> {
        let mut p = Params::default();
        let mut seen = [false; 4];
        for param in ext.params() {
            let name = param.name();
            let value = param.value();
            let slot = [
                SERVER_NO_CONTEXT_TAKEOVER,
                CLIENT_NO_CONTEXT_TAKEOVER,
                SERVER_MAX_WINDOW_BITS,
                CLIENT_MAX_WINDOW_BITS,
            ]
            .iter()
            .position(|known| known.eq_ignore_ascii_case(name))
            .ok_or(AnswerError::UnknownParameter)?;
            // RFC 7692 §5.1: an offer or answer MUST NOT have "multiple
            // extension parameters with the same name".
            if core::mem::replace(&mut seen[slot], true) {
                return Err(AnswerError::DuplicateParameter);
            }
            match (slot, value) {
                // §7.1.1.1, §7.1.1.2: these "have no value".
                (0, None) => p.server_no_context_takeover = true,
                (1, None) => p.client_no_context_takeover = true,
                (2, Some(v)) => {
                    p.server_max_window_bits =
                        Some(window_bits(v).ok_or(AnswerError::InvalidValue)?);
                }
                // §7.1.2.2: an offer "MAY include ... with no value"; an
                // answer must give one.
                (3, None) if value_optional => p.client_max_window_bits = Some(None),
                (3, Some(v)) => {
                    p.client_max_window_bits =
                        Some(Some(window_bits(v).ok_or(AnswerError::InvalidValue)?));
                }
                _ => return Err(AnswerError::InvalidValue),
            }
        }
        Ok(p)
    }

    fn write(&self) -> Extension {
        let mut ext = Extension::new(NAME);
        if self.server_no_context_takeover {
            ext = ext.flag(SERVER_NO_CONTEXT_TAKEOVER);
        }
        if self.client_no_context_takeover {
            ext = ext.flag(CLIENT_NO_CONTEXT_TAKEOVER);
        }
        if let Some(bits) = self.server_max_window_bits {
            ext = ext.param(SERVER_MAX_WINDOW_BITS, format!("{bits}"));
        }
        match self.client_max_window_bits {
            Some(Some(bits)) => ext = ext.param(CLIENT_MAX_WINDOW_BITS, format!("{bits}")),
            Some(None) => ext = ext.flag(CLIENT_MAX_WINDOW_BITS),
            None => {}
        }
        ext
    }
}

pub(super) fn clamp_bits(bits: u8) -> u8 {
    bits.clamp(8, 15)
}

impl Negotiate for DeflateConfig {
    type Codec = PerMessageDeflate;

    fn name(&self) -> &str {
        NAME
    }

    /// The offer always allows the server to limit our window
    /// (`client_max_window_bits`), as every window size is supported.
    fn offer(&self) -> Extension {
        let own_bits = clamp_bits(self.max_window_bits);
        Params {
            server_no_context_takeover: self.request_peer_no_context_takeover,
            client_no_context_takeover: self.no_context_takeover,
            server_max_window_bits: self.request_peer_max_window_bits.map(clamp_bits),
            client_max_window_bits: Some((own_bits < 15).then_some(own_bits)),
        }
        .write()
    }

    /// RFC 7692 §5: a server "MUST decline an extension negotiation offer"
    /// with an unknown parameter, an invalid value or a repeated parameter;
    /// such offers are declined here.
    fn accept(&self, offer: &Extension) -> Option<(Extension, PerMessageDeflate)> {
        let offer = Params::parse(offer, true).ok()?;
        Some(self.answer(&offer))
    }

    fn check_answer(&self, answer: &Extension) -> Result<PerMessageDeflate, AnswerError> {
        let answer = Params::parse(answer, false)?;
        let own_bits = clamp_bits(self.max_window_bits);
        // §7.1.1.1: the server MUST include server_no_context_takeover when
        // the offer has it.
        if self.request_peer_no_context_takeover && !answer.server_no_context_takeover {
            return Err(AnswerError::NotAsOffered);
        }
        // §7.1.2.1: the answer carries server_max_window_bits, no larger than
        // offered, whenever the offer has it.
        let server_bits = match (
            self.request_peer_max_window_bits,
            answer.server_max_window_bits,
        ) {
            (Some(_), None) => return Err(AnswerError::NotAsOffered),
            (Some(offered), Some(bits)) if bits > clamp_bits(offered) => {
                return Err(AnswerError::NotAsOffered)
            }
            (_, bits) => bits.unwrap_or(15),
        };
        // §7.1.2.2: client_max_window_bits "MUST NOT" be larger than the
        // value offered, if the offer gave one.
        let client_bits = match answer.client_max_window_bits.flatten() {
            Some(bits) if own_bits < 15 && bits > own_bits => {
                return Err(AnswerError::NotAsOffered)
            }
            Some(bits) => bits.min(own_bits),
            None => own_bits,
        };
        let agreement = Agreement {
            local_no_context_takeover: self.no_context_takeover
                || answer.client_no_context_takeover,
            local_max_window_bits: client_bits,
            peer_no_context_takeover: answer.server_no_context_takeover,
            peer_max_window_bits: server_bits,
        };
        Ok(self.codec(agreement))
    }
}

impl DeflateConfig {
    fn answer(&self, offer: &Params) -> (Extension, PerMessageDeflate) {
        let own_bits = clamp_bits(self.max_window_bits);
        // §7.1.2.1: accept with "the same or smaller value as the offer"; the
        // server may also limit itself unasked.
        let server_bits = offer
            .server_max_window_bits
            .map_or(own_bits, |offered| offered.min(own_bits));
        // How much of the client's data the codec would hold between its
        // messages, if less than any window (see `held_window_bits`).
        let hold = can_prime(self.backend)
            .then_some(clamp_bits(self.held_window_bits))
            .filter(|&bits| bits < 15);
        let wanted = match (self.request_peer_max_window_bits, hold) {
            (Some(asked), Some(held)) => Some(asked.min(held)),
            (asked, held) => asked.or(held),
        };
        // §7.1.2.2: the server may limit the client's window only if the
        // offer has client_max_window_bits.
        let client_bits = match (offer.client_max_window_bits, wanted) {
            (Some(offered), Some(wanted)) => Some(clamp_bits(wanted).min(offered.unwrap_or(15))),
            _ => None,
        };
        // §7.1.1.2: a server may always ask for client_no_context_takeover:
        // it does when it cannot limit the client's window to what it holds.
        let unlimited = offer.client_max_window_bits.is_none() && hold.is_some();
        // §7.1.1.2: a client that offers client_no_context_takeover says it
        // will not use context takeover, answered or not; some (the Autobahn
        // suite's) do use it unless the answer has it too. A backend that
        // holds only the history it is told to needs it answered.
        let confirm = offer.client_no_context_takeover && can_prime(self.backend);
        let answer = Params {
            // §7.1.1.1: "A server accepting an extension negotiation offer
            // with this parameter MUST include" server_no_context_takeover.
            server_no_context_takeover: offer.server_no_context_takeover
                || self.no_context_takeover,
            // §7.1.1.2: the server may ask this of any client.
            client_no_context_takeover: self.request_peer_no_context_takeover
                || unlimited
                || confirm,
            server_max_window_bits: (offer.server_max_window_bits.is_some() || server_bits < 15)
                .then_some(server_bits),
            client_max_window_bits: client_bits.map(Some),
        };
        let agreement = Agreement {
            local_no_context_takeover: answer.server_no_context_takeover,
            local_max_window_bits: server_bits,
            peer_no_context_takeover: answer.client_no_context_takeover
                || offer.client_no_context_takeover,
            peer_max_window_bits: client_bits
                .or(offer.client_max_window_bits.flatten())
                .unwrap_or(15),
        };
        (answer.write(), self.codec(agreement))
    }
}
