//! A server's HTTP response other than 101: refusing a handshake (401, 403,
//! 404, 429...) or answering a plain HTTP request (a page on `GET /`).

use alloc::string::String;
use alloc::vec::Vec;

use super::headers::{check_field, write_field};
use crate::usage_error::UsageError;

/// An HTTP/1.1 response a server writes instead of accepting: any status,
/// header fields and body.
///
/// [`encode`](Self::encode) adds `Content-Length` (except for 204 and 304)
/// and `Connection: close` unless a `Connection` field was given. Closing
/// after the reply is the simple, safe choice; a server that keeps the
/// connection open sets `Connection: keep-alive` and feeds the next request
/// to its [`ServerHandshake`](crate::handshake::ServerHandshake).
///
/// ```
/// use wsmachine::handshake::Reply;
/// let bytes = Reply::new(403).body("origin not allowed").encode().unwrap();
/// assert!(bytes.starts_with(b"HTTP/1.1 403 Forbidden\r\n"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// Header fields `encode` writes itself.
const RESERVED: &[&str] = &["Content-Length", "Transfer-Encoding"];

impl Reply {
    /// A reply with this status, no header fields and no body.
    pub fn new(status: u16) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// Adds a header field (`WWW-Authenticate`, `Location`, `Retry-After`,
    /// `Content-Type`...). It is checked by [`encode`](Self::encode).
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets the body.
    #[must_use]
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Reply {
        self.body = body.into();
        self
    }

    /// The status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The bytes to write: status line, header fields, body.
    ///
    /// Fails on a status outside 200–999, a header field that is not valid
    /// or that `encode` writes itself (`Content-Length`,
    /// `Transfer-Encoding`), or a body on a 204 or 304.
    #[must_use = "the reply is only bytes to write"]
    pub fn encode(&self) -> Result<Vec<u8>, UsageError> {
        if !(200..=999).contains(&self.status) {
            return Err(UsageError::InvalidStatus);
        }
        if matches!(self.status, 204 | 304) && !self.body.is_empty() {
            return Err(UsageError::BodyNotAllowed);
        }
        for (name, value) in &self.headers {
            check_field(name, value, RESERVED)?;
        }
        Ok(self.render())
    }

    /// Writes the reply without checking it (for replies built here).
    pub(crate) fn render(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(128 + self.body.len());
        out.extend_from_slice(b"HTTP/1.1 ");
        out.extend_from_slice(alloc::format!("{} ", self.status).as_bytes());
        out.extend_from_slice(reason_phrase(self.status).as_bytes());
        out.extend_from_slice(b"\r\n");
        for (name, value) in &self.headers {
            write_field(&mut out, name, value.as_bytes());
        }
        // RFC 9110 §8.6: "A server MUST NOT send a Content-Length header field
        // in any response with a status code of 1xx (Informational) or 204
        // (No Content)."
        if !matches!(self.status, 204 | 304) {
            write_field(
                &mut out,
                "Content-Length",
                alloc::format!("{}", self.body.len()).as_bytes(),
            );
        }
        if !self
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("Connection"))
        {
            write_field(&mut out, "Connection", b"close");
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&self.body);
        out
    }
}

/// The reason phrase for common statuses (RFC 9110 §15); empty otherwise,
/// which the status line allows.
fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        413 => "Content Too Large",
        426 => "Upgrade Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_reply() -> Result<(), UsageError> {
        let bytes = Reply::new(401)
            .header("WWW-Authenticate", "Bearer")
            .body("who?")
            .encode()?;
        assert_eq!(
            bytes,
            b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer\r\nContent-Length: 4\r\nConnection: close\r\n\r\nwho?"
        );
        let bytes = Reply::new(299)
            .header("connection", "keep-alive")
            .encode()?;
        assert_eq!(
            bytes,
            b"HTTP/1.1 299 \r\nconnection: keep-alive\r\nContent-Length: 0\r\n\r\n"
        );
        let bytes = Reply::new(204).encode()?;
        assert_eq!(
            bytes,
            b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"
        );
        Ok(())
    }

    #[test]
    fn misuse() {
        assert_eq!(Reply::new(101).encode(), Err(UsageError::InvalidStatus));
        assert_eq!(Reply::new(1000).encode(), Err(UsageError::InvalidStatus));
        assert_eq!(
            Reply::new(204).body("x").encode(),
            Err(UsageError::BodyNotAllowed)
        );
        assert_eq!(
            Reply::new(200).header("Content-Length", "1").encode(),
            Err(UsageError::ReservedHeader)
        );
        assert_eq!(
            Reply::new(200).header("X", "a\r\nSet-Cookie: x").encode(),
            Err(UsageError::InvalidHeaderValue)
        );
    }
}
