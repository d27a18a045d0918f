//! The opening handshake (RFC 6455 §4).
//!
//! So far the building blocks: header fields, the `Sec-WebSocket-Extensions`
//! grammar, the accept value, WebSocket URIs and the `Origin` check.

mod error;
mod extensions;
mod headers;
mod key;
mod origin;
mod target;

pub use error::UsageError;
pub use extensions::{
    format_extensions, parse_extensions, Extension, ExtensionParam, ExtensionParseError,
};
pub use headers::Headers;
pub use key::accept_key;
pub use target::{Scheme, Target, UrlError};
