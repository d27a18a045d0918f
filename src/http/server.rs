//! The server's entry: a request another HTTP stack parsed, checked and
//! negotiated as the byte-level machine does it.

use alloc::string::String;
use alloc::vec::Vec;

use ::http::request::Parts;
use ::http::{HeaderName, HeaderValue, Response, StatusCode, Version};

use super::error::Rejection;
use super::view::PartsView;
use crate::config::Config;
use crate::connection::Connection;
use crate::extension::Extension;
use crate::handshake::key::AcceptValue;
use crate::handshake::negotiate::{agree, offered_extensions, pick_subprotocol, Accept};
use crate::handshake::origin::origin_allowed;
use crate::handshake::request::{validate, validate_connect};
use crate::handshake::response::{accepting_fields, check_accepting};
use crate::usage_error::UsageError;

/// A valid WebSocket opening request, waiting for the server's decision:
/// an HTTP/1.1 upgrade (GET with `Upgrade: websocket` and a key) or an
/// extended CONNECT with `:protocol = websocket` (HTTP/2, RFC 8441; HTTP/3,
/// RFC 9220).
///
/// Made by [`ServerUpgrade::new`] from the request's parts; then
/// [`accept`](Self::accept) it, or answer with a response of your own (403
/// for an [`Origin`](Self::origin_allowed) you do not serve).
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "accept the request or answer it with a response of your own"]
pub struct ServerUpgrade {
    /// The `Sec-WebSocket-Key` of an HTTP/1.1 upgrade.
    key: Option<String>,
    subprotocols: Vec<String>,
    /// The values of the `Sec-WebSocket-Extensions` fields, joined as one
    /// list (checked, parsed when asked for).
    extension_offer: String,
    origin: Option<String>,
    /// The request's version, which the answer repeats.
    version: Version,
    config: Config,
}

impl ServerUpgrade {
    /// Checks a request: `parts` as the HTTP stack parsed them, and the
    /// value of the `:protocol` pseudo-header of an extended CONNECT, which
    /// each stack carries in an extension type of its own (hyper's and h2's
    /// `ext::Protocol`: pass `.as_str()`).
    ///
    /// A request of HTTP/2 or later is checked as an extended CONNECT
    /// (RFC 8441 §4–5); an earlier one as an HTTP/1.1 upgrade (RFC 6455
    /// §4.2.1), with the same checks, in the same order, as
    /// [`ServerHandshake`](crate::ServerHandshake). `config` is the
    /// configuration of the connection [`accept`](Self::accept) creates.
    pub fn new(parts: &Parts, protocol: Option<&str>, config: Config) -> Result<Self, Rejection> {
        let view = PartsView { parts, protocol };
        let connect = parts.version >= Version::HTTP_2;
        let checked = match connect {
            true => validate_connect(&view).map(|subprotocols| (None, subprotocols)),
            false => validate(&view).map(|(key, subprotocols)| (Some(key), subprotocols)),
        };
        let (key, subprotocols) = checked.map_err(|kind| Rejection::new(kind, connect))?;
        // RFC 8441 §4: ":scheme and :path ... MUST also be included"; §5: the
        // scheme is http or https.
        if connect {
            let scheme = parts.uri.scheme_str();
            let scheme_ok = scheme.is_some_and(|s| s == "http" || s == "https");
            if !scheme_ok || parts.uri.path_and_query().is_none() {
                return Err(Rejection::new(
                    crate::handshake::RequestErrorKind::Malformed,
                    true,
                ));
            }
        }
        let origin = parts.headers.get(::http::header::ORIGIN);
        let origin = origin
            .and_then(|v| core::str::from_utf8(v.as_bytes()).ok())
            .map(String::from);
        Ok(ServerUpgrade {
            key: key.map(|k| String::from_utf8_lossy(&k).into_owned()),
            subprotocols,
            extension_offer: extension_offer(parts),
            origin,
            version: parts.version,
            config,
        })
    }

    /// Whether the request is an extended CONNECT (HTTP/2 or HTTP/3) rather
    /// than an HTTP/1.1 upgrade.
    pub fn is_extended_connect(&self) -> bool {
        self.key.is_none()
    }

    /// The `Origin` field, when there is one.
    pub fn origin(&self) -> Option<&str> {
        self.origin.as_deref()
    }

    /// Whether the request carries an `Origin` that is one of `allowed`; the
    /// same comparison as
    /// [`UpgradeRequest::origin_allowed`](crate::handshake::UpgradeRequest::origin_allowed).
    pub fn origin_allowed(&self, allowed: &[&str]) -> bool {
        self.origin
            .as_deref()
            .is_some_and(|o| origin_allowed(o, allowed))
    }

    /// The subprotocols the client offered, in its order of preference.
    pub fn subprotocols(&self) -> &[String] {
        &self.subprotocols
    }

    /// The first offered subprotocol that is in `supported`.
    pub fn pick_subprotocol(&self, supported: &[&str]) -> Option<&str> {
        pick_subprotocol(&self.subprotocols, supported)
    }

    /// The extensions the client offered, in order; parsed on each call (call
    /// it once), as
    /// [`UpgradeRequest::extensions`](crate::handshake::UpgradeRequest::extensions).
    pub fn extensions(&self) -> Vec<Extension> {
        offered_extensions(self.offer())
    }

    /// The extension offer as it was sent (its fields joined).
    fn offer(&self) -> impl Iterator<Item = &[u8]> {
        core::iter::once(self.extension_offer.as_bytes())
    }

    /// Accepts the request: the same negotiation as
    /// [`UpgradeRequest::accept`](crate::handshake::UpgradeRequest::accept),
    /// the response to send (101 with `Sec-WebSocket-Accept` over HTTP/1.1,
    /// 200 over an extended CONNECT) and the server [`Connection`].
    ///
    /// Fails if the chosen subprotocol or an extension was not offered, or a
    /// header field is invalid or one the handshake writes itself.
    pub fn accept(self, accept: Accept) -> Result<ServerAccepted, UsageError> {
        let (agreement, extra) = agree(&self.subprotocols, || self.offer(), accept)?;
        // Without a key: an extended CONNECT's answer, over HTTP/2.
        let extensions = check_accepting(&agreement, &extra, self.key.is_none())?;
        let accept = self.key.as_ref().map(|key| AcceptValue::of(key.as_bytes()));
        let accept = accept.as_ref().map(AcceptValue::as_str);
        let subprotocol = agreement.subprotocol.as_deref().unwrap_or_default();
        let fields = accepting_fields(accept, subprotocol, &extensions, &extra);
        let mut response = Response::new(());
        *response.status_mut() = match self.key {
            Some(_) => StatusCode::SWITCHING_PROTOCOLS,
            None => StatusCode::OK,
        };
        *response.version_mut() = self.version;
        for (name, value) in fields {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| UsageError::InvalidHeaderName)?;
            let value =
                HeaderValue::try_from(value.trim()).map_err(|_| UsageError::InvalidHeaderValue)?;
            response.headers_mut().append(name, value);
        }
        let mut connection = Connection::server(self.config);
        let extensions = agreement.open(&mut connection);
        Ok(ServerAccepted {
            response,
            connection,
            extensions,
        })
    }
}

/// The values of every `Sec-WebSocket-Extensions` field, joined into one
/// list (RFC 9110 §5.3: repeated fields of a list combine with commas).
/// Called after the checks, which found every value to be an extension
/// list, so ASCII: trimmed as the checks saw them.
fn extension_offer(parts: &Parts) -> String {
    let mut joined = String::new();
    for value in parts.headers.get_all("sec-websocket-extensions") {
        let value = value.as_bytes().trim_ascii();
        if !joined.is_empty() {
            joined.push_str(", ");
        }
        joined.push_str(core::str::from_utf8(value).unwrap_or_default());
    }
    joined
}

/// An accepted opening: the response to send, and the connection to run
/// over the upgraded stream.
#[derive(Debug)]
#[non_exhaustive]
#[must_use = "the response must be sent to the client"]
pub struct ServerAccepted {
    /// 101 (HTTP/1.1) or 200 (extended CONNECT), with the agreed
    /// subprotocol and extensions.
    pub response: Response<()>,
    /// The open connection, server role, with the agreed subprotocol and
    /// the codec of the extension [`Accept::negotiate`] agreed to.
    pub connection: Connection,
    /// The extensions agreed to, as the response lists them.
    pub extensions: Vec<Extension>,
}
