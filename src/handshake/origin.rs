//! Comparing a request's `Origin` with an allow-list.
//!
//! Browsers let any page open a WebSocket to any server, sending the user's
//! cookies along; only the `Origin` header field tells the server which site
//! is asking. A server that authenticates by cookie and does not check it is
//! open to Cross-Site WebSocket Hijacking (RFC 6455 §10.2: "servers that are
//! not intended to process input from any web page but only for certain sites
//! SHOULD verify the |Origin| field is an origin they expect").
//!
//! An origin is the triple scheme, host, port (RFC 6454). Two serializations
//! name the same origin when the schemes and hosts match ASCII
//! case-insensitively and the ports match, a missing port standing for the
//! scheme's default (80 for http and ws, 443 for https and wss). Nothing else
//! is allowed around them: no path, no trailing slash, no user info. The
//! opaque origin `null` matches nothing.

use super::target::{is_ipv6_literal, is_reg_name, parse_port};
use super::view::RequestView;

/// A parsed origin serialization.
#[derive(Debug, PartialEq, Eq)]
struct Origin<'a> {
    scheme: &'a str,
    host: &'a str,
    port: Option<u16>,
}

impl<'a> Origin<'a> {
    fn parse(s: &'a str) -> Option<Origin<'a>> {
        let (scheme, rest) = s.split_once("://")?;
        let mut chars = scheme.bytes();
        if !chars.next()?.is_ascii_alphabetic()
            || !chars.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
        {
            return None;
        }
        let (host, port) = if let Some(v6) = rest.strip_prefix('[') {
            let (addr, after) = v6.split_once(']')?;
            if !is_ipv6_literal(addr) {
                return None;
            }
            (&rest[..addr.len() + 2], after)
        } else {
            let (host, port) = rest.split_at(rest.find(':').unwrap_or(rest.len()));
            if !is_reg_name(host) {
                return None;
            }
            (host, port)
        };
        let port = match port {
            "" => None,
            p => Some(parse_port(p.strip_prefix(':')?)?),
        };
        Some(Origin { scheme, host, port })
    }

    fn effective_port(&self) -> Option<u16> {
        self.port.or_else(|| default_port(self.scheme))
    }

    fn same_as(&self, other: &Origin<'_>) -> bool {
        self.scheme.eq_ignore_ascii_case(other.scheme)
            && self.host.eq_ignore_ascii_case(other.host)
            && self.effective_port() == other.effective_port()
    }
}

fn default_port(scheme: &str) -> Option<u16> {
    match () {
        () if scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("ws") => Some(80),
        () if scheme.eq_ignore_ascii_case("https") || scheme.eq_ignore_ascii_case("wss") => {
            Some(443)
        }
        () => None,
    }
}

/// Whether `request` carries an `Origin` that names one of the origins in
/// `allowed`; a request without one is not allowed.
pub(crate) fn request_origin_allowed(request: &impl RequestView, allowed: &[&str]) -> bool {
    request
        .field("Origin")
        .and_then(|v| core::str::from_utf8(v).ok())
        .is_some_and(|origin| origin_allowed(origin, allowed))
}

/// Whether `origin` (an `Origin` field value) names one of the origins in
/// `allowed`. An entry that is not an origin serialization matches nothing.
pub(crate) fn origin_allowed(origin: &str, allowed: &[&str]) -> bool {
    let Some(origin) = Origin::parse(origin.trim()) else {
        return false;
    };
    allowed
        .iter()
        .filter_map(|a| Origin::parse(a.trim()))
        .any(|a| a.same_as(&origin))
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! origin_cases {
        ($($origin:expr, [$($allowed:expr),*] => $ok:expr;)*) => {$({
            let allowed: &[&str] = &[$($allowed),*];
            assert_eq!(origin_allowed($origin, allowed), $ok, "{} in {:?}", $origin, allowed);
        })*};
    }

    #[test]
    fn matching() {
        origin_cases! {
            "https://example.com", ["https://example.com"] => true;
            "https://EXAMPLE.com", ["https://example.COM"] => true;
            "HTTPS://example.com", ["https://example.com"] => true;
            "https://example.com:443", ["https://example.com"] => true;
            "https://example.com", ["https://example.com:443"] => true;
            "http://localhost:8080", ["http://localhost:8080"] => true;
            "http://[::1]:8080", ["http://[::1]:8080"] => true;
            "https://a.example", ["https://b.example", "https://a.example"] => true;
            // Not the same origin.
            "http://example.com", ["https://example.com"] => false;
            "https://example.com:8443", ["https://example.com"] => false;
            "https://evil.example.com", ["https://example.com"] => false;
            "https://example.com.evil", ["https://example.com"] => false;
            "https://example.comx", ["https://example.com"] => false;
            "http://localhost:8080", ["http://localhost"] => false;
            "app://x", ["app://x:1"] => false;
            // Not origin serializations.
            "null", ["null"] => false;
            "https://example.com/", ["https://example.com"] => false;
            "https://user@example.com", ["https://example.com"] => false;
            "https://example.com:", ["https://example.com"] => false;
            "https://example.com:99999", ["https://example.com"] => false;
            "https://example.com", ["https://example.com/"] => false;
            "", [""] => false;
            "https://example.com", [] => false;
        }
    }
}
