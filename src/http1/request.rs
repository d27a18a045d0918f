//! An HTTP/1.x request as a server receives it: the request line and the
//! header fields, parsed with httparse. No WebSocket rule is applied here.

use alloc::vec::Vec;

use super::error::ParseError;
use super::headers::{span_in, with_uninit_field_table, Headers};

/// An HTTP request as a server received it: the request line and every
/// header field.
#[derive(Clone)]
pub struct Request {
    /// Where the method and the target lie in the header block.
    method: (usize, usize),
    target: (usize, usize),
    version: u8,
    headers: Headers,
}

impl PartialEq for Request {
    fn eq(&self, other: &Request) -> bool {
        self.method() == other.method()
            && self.target() == other.target()
            && self.version == other.version
            && self.headers == other.headers
    }
}

impl Eq for Request {}

impl core::fmt::Debug for Request {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method())
            .field("target", &self.target())
            .field("version", &self.version)
            .field("headers", &self.headers)
            .finish()
    }
}

impl Request {
    /// Gives the request the header block its ranges point into.
    pub(crate) fn with_head(mut self, head: Vec<u8>) -> Request {
        self.headers = self.headers.with_head(head);
        self
    }

    /// The method (`GET`).
    pub fn method(&self) -> &str {
        self.headers.text(self.method)
    }

    /// The request-target as sent: usually path and query (`/chat?room=1`),
    /// possibly an absolute URI.
    pub fn target(&self) -> &str {
        self.headers.text(self.target)
    }

    /// The path of the request-target, without the query; for an absolute
    /// URI (`http://host/chat`), the path in it. `/` when empty.
    pub fn path(&self) -> &str {
        let resource = self.resource();
        let path = resource.split_once('?').map_or(resource, |(p, _)| p);
        if path.is_empty() {
            "/"
        } else {
            path
        }
    }

    /// The query of the request-target, without the `?`.
    pub fn query(&self) -> Option<&str> {
        self.resource().split_once('?').map(|(_, q)| q)
    }

    /// The request-target without the scheme and authority of an absolute URI.
    fn resource(&self) -> &str {
        let t = self.target();
        match t.split_once("://") {
            Some((scheme, rest))
                if !scheme.is_empty() && scheme.bytes().all(|b| b.is_ascii_alphabetic()) =>
            {
                &rest[rest.find(['/', '?']).unwrap_or(rest.len())..]
            }
            _ => t,
        }
    }

    /// The HTTP minor version: 1 for HTTP/1.1, 0 for HTTP/1.0.
    pub fn version(&self) -> u8 {
        self.version
    }

    /// Every header field.
    pub fn headers(&self) -> &Headers {
        &self.headers
    }

    /// The `Host` header field.
    pub fn host(&self) -> Option<&str> {
        self.headers.get_str("Host")
    }

    /// The `Origin` header field: the site whose page opened the connection.
    /// Browsers always send it; other clients usually do not.
    pub fn origin(&self) -> Option<&str> {
        self.headers.get_str("Origin")
    }
}

/// Parses a complete header block, which the request keeps.
pub(crate) fn parse(head: Vec<u8>, max_headers: usize) -> Result<Request, ParseError> {
    match parse_prefix(&head, max_headers)? {
        Some((request, _)) => Ok(request.with_head(head)),
        None => Err(ParseError::Malformed),
    }
}

/// Parses the header block at the start of `buf`: the request (without its
/// header block; give it one with [`Request::with_head`]) and the block's
/// length. `None` when `buf` does not hold the whole block.
pub(crate) fn parse_prefix(
    buf: &[u8],
    max_headers: usize,
) -> Result<Option<(Request, usize)>, ParseError> {
    with_uninit_field_table(max_headers, |fields| {
        let mut req = httparse::Request::new(&mut []);
        // httparse refuses obsolete line folding in requests (RFC 9112 §5.2: a
        // server "MUST either reject the message by sending a 400 (Bad Request)
        // ... or replace each received obs-fold with one or more SP").
        let len = match req.parse_with_uninit_headers(buf, fields) {
            Ok(httparse::Status::Complete(len)) => len,
            Ok(httparse::Status::Partial) => return Ok(None),
            Err(httparse::Error::TooManyHeaders) => return Err(ParseError::TooManyHeaders),
            Err(_) => return Err(ParseError::Malformed),
        };
        let (Some(method), Some(target), Some(version)) = (req.method, req.path, req.version)
        else {
            return Err(ParseError::Malformed);
        };
        let (Some(method), Some(target)) = (
            span_in(buf, method.as_bytes()),
            span_in(buf, target.as_bytes()),
        ) else {
            return Err(ParseError::Malformed);
        };
        let headers = Headers::from_httparse(buf, req.headers).ok_or(ParseError::Malformed)?;
        let request = Request {
            method,
            target,
            version,
            headers,
        };
        Ok(Some((request, len)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(text: &str) -> Result<Request, ParseError> {
        parse(text.as_bytes().to_vec(), 64)
    }

    #[test]
    fn path_and_query() -> Result<(), ParseError> {
        let cases = [
            ("/chat?room=1&x", "/chat", Some("room=1&x")),
            ("/", "/", None),
            ("/a?", "/a", Some("")),
            ("http://example.com/chat?q", "/chat", Some("q")),
            ("ws://example.com", "/", None),
            ("*", "*", None),
        ];
        for (target, path, query) in cases {
            let r = req(&alloc::format!("GET {target} HTTP/1.1\r\nHost: a\r\n\r\n"))?;
            assert_eq!((r.target(), r.path(), r.query()), (target, path, query));
        }
        Ok(())
    }

    #[test]
    fn obsolete_line_folding_is_refused() {
        assert_eq!(
            req("GET / HTTP/1.1\r\nHost: a\r\nX-Folded: one\r\n two\r\n\r\n"),
            Err(ParseError::Malformed)
        );
        assert_eq!(
            req("GET / HTTP/1.1\r\nHost: a\r\nX-Folded: one\r\n\ttwo\r\n\r\n"),
            Err(ParseError::Malformed)
        );
    }

    #[test]
    fn values_are_trimmed() -> Result<(), ParseError> {
        let r = req("GET / HTTP/1.1\r\nHost:   a.example \t\r\n\r\n")?;
        assert_eq!(r.host(), Some("a.example"));
        Ok(())
    }

    #[test]
    fn too_many_headers() {
        let mut text = alloc::string::String::from("GET / HTTP/1.1\r\n");
        for i in 0..65 {
            text.push_str(&alloc::format!("X-{i}: v\r\n"));
        }
        text.push_str("\r\n");
        assert_eq!(req(&text), Err(ParseError::TooManyHeaders));
    }
}
