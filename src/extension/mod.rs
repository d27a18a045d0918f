//! Extensions (RFC 6455 §9): everything about them lives here.
//!
//! - The `Sec-WebSocket-Extensions` field value: [`Extension`],
//!   [`parse_extensions`], [`format_extensions`].
//! - The negotiation in the opening handshake: [`Negotiate`] (the client's
//!   offer, the server's answer, the client's check), which the handshake
//!   machines run for any extension.
//! - The per-message transform the [`Connection`](crate::Connection) runs: a
//!   [`MessageCodec`], marked on the wire by the RSV bits it owns, set with
//!   [`Connection::set_codec`](crate::Connection::set_codec).
//! - permessage-deflate (RFC 7692, feature `deflate`): the `deflate` module,
//!   one implementation of both.
//!
//! ```text
//!  send_text / send_binary / fragments          handle_input(_into)
//!          │                                            ▲
//!   encode_begin? ── no ──┐                   RSV bit set? ── no ──┐
//!          │ yes          │                        │ yes            │
//!   encode (per piece)    │                 decode (per piece,      │
//!          │              │                  ≤ max_message_size)    │
//!   first frame: RSV set  │                        │                │
//!          ▼              ▼                        │                │
//!        frame encoder (mask, header)        frame decoder (unmask, header)
//! ```
//!
//! Control frames never pass through a codec and never carry RSV bits.
//! permessage-deflate is one such codec; another extension plugs in the same
//! way.

mod codec;
#[cfg(feature = "deflate")]
pub mod deflate;
mod field;
mod negotiate;
pub(crate) mod slot;

pub use codec::{CodecError, Decoded, MessageCodec, RSV1, RSV2, RSV3};
pub(crate) use field::{check_extensions, offers_name, parse_extensions_into};
pub use field::{
    format_extensions, parse_extensions, Extension, ExtensionParam, ExtensionParseError,
};
pub(crate) use negotiate::Negotiator;
pub use negotiate::{AnswerError, Negotiate};
