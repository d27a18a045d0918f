//! An HTTP/1.x response as a client receives it: the status line and the
//! header fields, parsed with httparse, and the body of a refusal (read in
//! `body.rs`). No WebSocket rule is applied here.

use alloc::string::String;
use alloc::vec::Vec;

use super::error::ParseError;
use super::headers::{with_field_table, Headers};

/// An HTTP response as a client received it.
///
/// A 101 response ends the handshake; any other status is handed over whole,
/// body included (up to
/// [`HandshakeConfig::max_body_size`](crate::handshake::HandshakeConfig::max_body_size)),
/// in [`ResponseError::response`](crate::handshake::ResponseError::response).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    status: u16,
    reason: String,
    version: u8,
    headers: Headers,
    pub(crate) body: Vec<u8>,
    pub(crate) body_truncated: bool,
}

impl Response {
    /// The status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The reason phrase (`Switching Protocols`), possibly empty.
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// The HTTP minor version: 1 for HTTP/1.1.
    pub fn version(&self) -> u8 {
        self.version
    }

    /// Every header field (`Set-Cookie`, `Location`, `WWW-Authenticate`...).
    pub fn headers(&self) -> &Headers {
        &self.headers
    }

    /// The body of a refused handshake (empty for a 101).
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// Whether the body is cut short: it was longer than
    /// [`HandshakeConfig::max_body_size`](crate::handshake::HandshakeConfig::max_body_size),
    /// or the transport ended before all of it came.
    pub fn body_truncated(&self) -> bool {
        self.body_truncated
    }
}

/// Parses a complete header block. httparse refuses obsolete line folding in
/// responses unless told otherwise, and we do not tell it.
pub(crate) fn parse(head: Vec<u8>, max_headers: usize) -> Result<Response, ParseError> {
    let (status, reason, version, headers) = with_field_table(max_headers, |fields| {
        let mut resp = httparse::Response::new(fields);
        match resp.parse(&head) {
            Ok(httparse::Status::Complete(_)) => {}
            Err(httparse::Error::TooManyHeaders) => return Err(ParseError::TooManyHeaders),
            Ok(httparse::Status::Partial) | Err(_) => return Err(ParseError::Malformed),
        }
        let (Some(version), Some(status)) = (resp.version, resp.code) else {
            return Err(ParseError::Malformed);
        };
        let reason = String::from(resp.reason.unwrap_or(""));
        let headers = Headers::from_httparse(&head, resp.headers).ok_or(ParseError::Malformed)?;
        Ok((status, reason, version, headers))
    })?;
    Ok(Response {
        status,
        reason,
        version,
        headers: headers.with_head(head),
        body: Vec::new(),
        body_truncated: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn obsolete_line_folding_is_refused() {
        let text = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nX: a\r\n b\r\n\r\n";
        assert_eq!(parse(text.to_vec(), 16), Err(ParseError::Malformed));
    }

    #[test]
    fn reason_and_version() -> Result<(), ParseError> {
        let r = parse(
            b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_vec(),
            16,
        )?;
        assert_eq!((r.status(), r.reason(), r.version()), (404, "Not Found", 0));
        Ok(())
    }
}
