//! The `http` feature's entry points fed arbitrary requests and responses.
//!
//! The input is a flags byte, then lines: the first is the method, the
//! others `name: value` header fields (those the `http` crate refuses are
//! left out). Flag bit 0: HTTP/2 (an extended CONNECT) instead of HTTP/1.1;
//! bit 1: a `:protocol` of `websocket`, bit 2: of the first line's text
//! instead; bit 3: the URI carries an authority.
//!
//! The server's entry checks the request and, when it is valid, accepts it
//! with permessage-deflate; the client's checks the same fields as a 101 or
//! a 200 answering a request of its own.
//!
//! Checks: no panic; a refusal's status and ready response agree and are
//! one of 400, 405, 426 (HTTP/1.1 only), 431; an acceptance is a 101 with
//! `Sec-WebSocket-Accept` over HTTP/1.1 and a 200 without it over HTTP/2.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wsmachine::extension::deflate::DeflateConfig;
use wsmachine::handshake::{Accept, ClientRequest};
use wsmachine::http::{ClientUpgrade, ServerUpgrade};
use wsmachine::Config;
use wsmachine_testkit::TestRng;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let h2 = flags & 1 != 0;
    let version = if h2 {
        http::Version::HTTP_2
    } else {
        http::Version::HTTP_11
    };
    let mut lines = rest.split(|&b| b == b'\n');
    let first = lines.next().unwrap_or_default();
    let fields: Vec<(&[u8], &[u8])> = lines
        .filter_map(|l| {
            let i = l.iter().position(|&b| b == b':')?;
            Some((&l[..i], &l[i + 1..]))
        })
        .collect();
    let protocol = match (flags & 2 != 0, flags & 4 != 0) {
        (true, _) => Some("websocket"),
        (false, true) => std::str::from_utf8(first).ok(),
        _ => None,
    };
    server(first, &fields, version, protocol, flags & 8 != 0);
    client(&fields, version);
});

fn server(
    method: &[u8],
    fields: &[(&[u8], &[u8])],
    version: http::Version,
    protocol: Option<&str>,
    authority: bool,
) {
    let method = http::Method::from_bytes(method).unwrap_or(http::Method::GET);
    let uri = if authority {
        "https://example.com/chat"
    } else {
        "/chat"
    };
    let mut request = http::Request::new(());
    *request.method_mut() = method;
    *request.version_mut() = version;
    *request.uri_mut() = http::Uri::from_static(uri);
    append(request.headers_mut(), fields);
    let (parts, ()) = request.into_parts();
    let h2 = version == http::Version::HTTP_2;
    match ServerUpgrade::new(&parts, protocol, Config::default()) {
        Err(e) => {
            let response = e.response();
            assert_eq!(response.status().as_u16(), e.status());
            let allowed: &[u16] = if h2 {
                &[400, 405, 431]
            } else {
                &[400, 405, 426, 431]
            };
            assert!(allowed.contains(&e.status()), "{e}");
        }
        Ok(upgrade) => {
            assert_eq!(upgrade.is_extended_connect(), h2);
            let accept = Accept::new().negotiate(DeflateConfig::default());
            if let Ok(accepted) = upgrade.accept(accept) {
                let r = &accepted.response;
                assert_eq!(r.status().as_u16(), if h2 { 200 } else { 101 });
                assert_eq!(r.headers().contains_key("sec-websocket-accept"), !h2);
            }
        }
    }
}

fn client(fields: &[(&[u8], &[u8])], version: http::Version) {
    let request = ClientRequest::from_url("ws://example.com/chat")
        .expect("a valid URL")
        .subprotocol("chat")
        .negotiate(DeflateConfig::default());
    let Ok((_, upgrade)) = ClientUpgrade::new(request, version, Config::default(), TestRng(1))
    else {
        return;
    };
    let mut response = http::Response::new(());
    *response.version_mut() = version;
    *response.status_mut() = match version {
        http::Version::HTTP_2 => http::StatusCode::OK,
        _ => http::StatusCode::SWITCHING_PROTOCOLS,
    };
    append(response.headers_mut(), fields);
    let _ = upgrade.handle_response(&response);
}

/// Appends the fields the `http` crate accepts.
fn append(headers: &mut http::HeaderMap, fields: &[(&[u8], &[u8])]) {
    for (name, value) in fields {
        let name = http::HeaderName::from_bytes(name.trim_ascii());
        let value = http::HeaderValue::from_bytes(value.trim_ascii());
        if let (Ok(name), Ok(value)) = (name, value) {
            headers.append(name, value);
        }
    }
}
