//! Where a client connects: a WebSocket URI (RFC 6455 §3) taken apart.
//!
//! ```text
//! ws-URI  = "ws:" "//" host [ ":" port ] path [ "?" query ]
//! wss-URI = "wss:" "//" host [ ":" port ] path [ "?" query ]
//! ```
//!
//! The machine does no I/O, so `wss` only changes the default port (443
//! instead of 80): the caller runs TLS underneath and feeds the handshake the
//! decrypted bytes.

use alloc::format;
use alloc::string::String;
use core::fmt;

/// The scheme of a WebSocket URI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Scheme {
    /// `ws`: WebSocket over plain TCP, default port 80.
    Ws,
    /// `wss`: WebSocket over TLS, default port 443. The caller provides TLS.
    Wss,
}

impl Scheme {
    /// The port used when the URI names none.
    pub const fn default_port(self) -> u16 {
        match self {
            Scheme::Ws => 80,
            Scheme::Wss => 443,
        }
    }

    /// Whether the connection runs over TLS.
    pub const fn is_secure(self) -> bool {
        matches!(self, Scheme::Wss)
    }

    /// `"ws"` or `"wss"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Scheme::Ws => "ws",
            Scheme::Wss => "wss",
        }
    }
}

/// Why a WebSocket URI or target was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum UrlError {
    /// The URI does not start with `ws://` or `wss://`.
    Scheme,
    /// An empty host, or one with characters a host may not have (encode
    /// international names as punycode first).
    Host,
    /// A port that is not a number from 0 to 65535.
    Port,
    /// A fragment (`#...`). RFC 6455 §3: "Fragment identifiers are
    /// meaningless in the context of WebSocket URIs and MUST NOT be used on
    /// these URIs."
    Fragment,
    /// User information (`user@host`), which a WebSocket URI cannot carry.
    UserInfo,
    /// A path or query with a space, a control character or a byte outside
    /// ASCII (percent-encode them), or a resource not starting with `/`.
    Resource,
}

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UrlError::Scheme => "not a ws:// or wss:// URI",
            UrlError::Host => "invalid host",
            UrlError::Port => "invalid port",
            UrlError::Fragment => "a WebSocket URI has no fragment",
            UrlError::UserInfo => "a WebSocket URI has no user information",
            UrlError::Resource => "invalid path or query",
        })
    }
}

impl core::error::Error for UrlError {}

/// The server a client connects to and the resource it asks for.
///
/// ```
/// use wsmachine::handshake::{Scheme, Target};
/// let t = Target::parse("wss://[::1]:8443/chat?room=1").unwrap();
/// assert_eq!((t.scheme(), t.host(), t.port(), t.resource()), (Scheme::Wss, "::1", 8443, "/chat?room=1"));
/// assert_eq!(t.host_header(), "[::1]:8443");
///
/// let t = Target::new(Scheme::Ws, "example.com", None, "").unwrap();
/// assert_eq!((t.port(), t.resource(), t.host_header().as_str()), (80, "/", "example.com"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Target {
    scheme: Scheme,
    host: String,
    port: u16,
    resource: String,
}

impl Target {
    /// A target from its parts. `host` is a name, an IPv4 address or an IPv6
    /// address (with or without brackets); `port` defaults to the scheme's;
    /// `resource` is the path and query (`/chat?room=1`), `/` when empty.
    pub fn new(
        scheme: Scheme,
        host: &str,
        port: Option<u16>,
        resource: &str,
    ) -> Result<Target, UrlError> {
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        if !(is_reg_name(host) || is_ipv6_literal(host)) {
            return Err(UrlError::Host);
        }
        let resource = match resource {
            "" => "/",
            r if r.starts_with('/') => r,
            _ => return Err(UrlError::Resource),
        };
        if resource.contains('#') {
            return Err(UrlError::Fragment);
        }
        if !resource.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(UrlError::Resource);
        }
        Ok(Target {
            scheme,
            host: String::from(host),
            port: port.unwrap_or(scheme.default_port()),
            resource: String::from(resource),
        })
    }

    /// Parses a `ws://` or `wss://` URI. The scheme is case-insensitive; an
    /// empty path is `/` (RFC 6455 §3); fragments and user information are
    /// refused.
    pub fn parse(uri: &str) -> Result<Target, UrlError> {
        let (scheme, rest) = uri.split_once("://").ok_or(UrlError::Scheme)?;
        let scheme = if scheme.eq_ignore_ascii_case("ws") {
            Scheme::Ws
        } else if scheme.eq_ignore_ascii_case("wss") {
            Scheme::Wss
        } else {
            return Err(UrlError::Scheme);
        };
        if rest.contains('#') {
            return Err(UrlError::Fragment);
        }
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, resource) = rest.split_at(end);
        if authority.contains('@') {
            return Err(UrlError::UserInfo);
        }
        let (host, port) = match authority.strip_prefix('[') {
            Some(v6) => {
                let (addr, after) = v6.split_once(']').ok_or(UrlError::Host)?;
                if !is_ipv6_literal(addr) {
                    return Err(UrlError::Host);
                }
                (addr, after)
            }
            None => authority.split_at(authority.find(':').unwrap_or(authority.len())),
        };
        let port = match port {
            // RFC 3986 §3.2.3 allows an empty port; it means the default.
            "" | ":" => None,
            p => Some(
                p.strip_prefix(':')
                    .and_then(parse_port)
                    .ok_or(UrlError::Port)?,
            ),
        };
        if !is_reg_name(host) && !is_ipv6_literal(host) {
            return Err(UrlError::Host);
        }
        let resource = if resource.starts_with('?') {
            format!("/{resource}")
        } else {
            String::from(resource)
        };
        Target::new(scheme, host, port, &resource)
    }

    /// The scheme.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The host, without brackets around an IPv6 address.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port, the scheme's default when none was given.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The path and query, starting with `/`: the request-target sent.
    pub fn resource(&self) -> &str {
        &self.resource
    }

    /// The `Host` header field value: the host, bracketed if IPv6, with the
    /// port unless it is the scheme's default.
    ///
    /// RFC 6455 §4.1: the request "MUST contain a |Host| header field whose
    /// value contains /host/ plus optionally ":" followed by /port/ (when not
    /// using the default port)".
    pub fn host_header(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if self.port == self.scheme.default_port() {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}://{}{}",
            self.scheme.as_str(),
            self.host_header(),
            self.resource
        )
    }
}

impl core::str::FromStr for Target {
    type Err = UrlError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Target::parse(s)
    }
}

/// A decimal port, 0 to 65535, digits only.
pub(crate) fn parse_port(s: &str) -> Option<u16> {
    if s.is_empty() || s.len() > 5 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// A non-empty `reg-name` of RFC 3986 (which covers IPv4 addresses):
/// unreserved characters, percent-encodings and sub-delims.
pub(crate) fn is_reg_name(host: &str) -> bool {
    !host.is_empty()
        && host.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(b, b'-' | b'.' | b'_' | b'~' | b'%')
                || matches!(
                    b,
                    b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'='
                )
        })
}

/// An IPv6 address as written between brackets (hex digits, colons, and dots
/// for an embedded IPv4 address).
pub(crate) fn is_ipv6_literal(host: &str) -> bool {
    host.contains(':')
        && host
            .bytes()
            .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! urls {
        ($($uri:expr => $expected:expr;)*) => {$(
            assert_eq!(
                Target::parse($uri).map(|t| (t.scheme(), String::from(t.host()), t.port(), String::from(t.resource()), t.host_header())),
                $expected.map(|(s, h, p, r, hh): (Scheme, &str, u16, &str, &str)| (s, String::from(h), p, String::from(r), String::from(hh))),
                "{}", $uri
            );
        )*};
    }

    #[test]
    fn parsing() {
        use Scheme::*;
        urls! {
            "ws://example.com" => Ok((Ws, "example.com", 80, "/", "example.com"));
            "wss://example.com" => Ok((Wss, "example.com", 443, "/", "example.com"));
            "WSS://Example.COM:443/a" => Ok((Wss, "Example.COM", 443, "/a", "Example.COM"));
            "ws://example.com:8080/chat?x=1&y" => Ok((Ws, "example.com", 8080, "/chat?x=1&y", "example.com:8080"));
            "ws://example.com?x" => Ok((Ws, "example.com", 80, "/?x", "example.com"));
            "ws://example.com:/p" => Ok((Ws, "example.com", 80, "/p", "example.com"));
            "ws://127.0.0.1:9001" => Ok((Ws, "127.0.0.1", 9001, "/", "127.0.0.1:9001"));
            "ws://[::1]/" => Ok((Ws, "::1", 80, "/", "[::1]"));
            "wss://[2001:db8::1]:8443/x" => Ok((Wss, "2001:db8::1", 8443, "/x", "[2001:db8::1]:8443"));
            "ws://a/%20b" => Ok((Ws, "a", 80, "/%20b", "a"));
            "http://example.com" => Err(UrlError::Scheme);
            "example.com" => Err(UrlError::Scheme);
            "ws:/example.com" => Err(UrlError::Scheme);
            "ws://example.com/#frag" => Err(UrlError::Fragment);
            "ws://example.com#" => Err(UrlError::Fragment);
            "ws://user:pw@example.com/" => Err(UrlError::UserInfo);
            "ws://" => Err(UrlError::Host);
            "ws://:80/" => Err(UrlError::Host);
            "ws://exa mple.com/" => Err(UrlError::Host);
            "ws://bücher.example/" => Err(UrlError::Host);
            "ws://[::1/" => Err(UrlError::Host);
            "ws://[zz::1]/" => Err(UrlError::Host);
            "ws://[::1]x/" => Err(UrlError::Port);
            "ws://example.com:65536/" => Err(UrlError::Port);
            "ws://example.com:-1/" => Err(UrlError::Port);
            "ws://example.com:80:80/" => Err(UrlError::Port);
            "ws://example.com/a b" => Err(UrlError::Resource);
            "ws://example.com/ä" => Err(UrlError::Resource);
        }
    }

    #[test]
    fn from_parts() -> Result<(), UrlError> {
        let t = Target::new(Scheme::Ws, "::1", Some(8080), "/x")?;
        assert_eq!(t.host_header(), "[::1]:8080");
        assert_eq!(alloc::string::ToString::to_string(&t), "ws://[::1]:8080/x");
        let t = Target::new(Scheme::Wss, "[::1]", Some(443), "")?;
        assert_eq!(
            (t.host(), t.host_header().as_str(), t.resource()),
            ("::1", "[::1]", "/")
        );
        assert_eq!(Target::new(Scheme::Ws, "", None, "/"), Err(UrlError::Host));
        assert_eq!(
            Target::new(Scheme::Ws, "a\r\nb", None, "/"),
            Err(UrlError::Host)
        );
        assert_eq!(
            Target::new(Scheme::Ws, "a", None, "x"),
            Err(UrlError::Resource)
        );
        assert_eq!(
            Target::new(Scheme::Ws, "a", None, "/x\r\n"),
            Err(UrlError::Resource)
        );
        assert_eq!(
            Target::new(Scheme::Ws, "a", None, "/x#y"),
            Err(UrlError::Fragment)
        );
        Ok(())
    }
}
