//! HTTP/1.x plumbing for the opening handshake: collecting a header block
//! from input in any split, the header fields, parsing a request and a
//! response, reading a refusal's body, and rendering a reply.
//!
//! Nothing here knows WebSocket: the rules of RFC 6455 live in
//! [`crate::handshake`], which reads requests through a small view
//! ([`crate::handshake`]'s `RequestView`) so that they apply to a request
//! from another HTTP stack as well. The public types are re-exported there.

mod body;
mod error;
mod head;
mod headers;
mod reply;
mod request;
mod response;

pub use headers::Headers;
pub use reply::Reply;
pub use request::Request;
pub use response::Response;

pub(crate) use body::BodyReader;
pub(crate) use error::ParseError;
pub(crate) use head::{skip_empty_lines, Head, HeadReader};
pub(crate) use headers::{check_field_for, is_tchar, is_token, list_elements, write_field};
pub(crate) use request::{parse as parse_request, parse_prefix as parse_request_prefix};
pub(crate) use response::parse as parse_response;
