//! HTTP CONNECT proxies: a tunnel to the WebSocket server through a proxy
//! given by URL or by the `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY`
//! environment variables.

use std::io;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use wsmachine::handshake::{Scheme, Target};

/// Largest proxy response head read.
const MAX_HEAD: usize = 8 * 1024;

/// Which proxy a client goes through.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) enum ProxyChoice {
    /// None: connect directly.
    #[default]
    Direct,
    /// This proxy (`http://host:port`).
    Url(String),
    /// The environment's, read at connect time.
    Env,
}

impl ProxyChoice {
    /// The proxy's `host:port` for `target`, if one applies.
    pub(crate) fn for_target(&self, target: &Target) -> io::Result<Option<(String, u16)>> {
        let url = match self {
            ProxyChoice::Direct => return Ok(None),
            ProxyChoice::Url(url) => url.clone(),
            ProxyChoice::Env => match from_env(target) {
                Some(url) => url,
                None => return Ok(None),
            },
        };
        parse_proxy(&url).map(Some)
    }
}

/// `HTTPS_PROXY` for `wss://`, `HTTP_PROXY` for `ws://` (either case),
/// unless `NO_PROXY` lists the host.
fn from_env(target: &Target) -> Option<String> {
    from_vars(target, |name| std::env::var(name).ok())
}

/// [`from_env`] with the variables `lookup` gives.
fn from_vars(target: &Target, lookup: impl Fn(&str) -> Option<String>) -> Option<String> {
    // An empty variable counts as unset, so it does not hide the other case.
    let set = |name: &str| lookup(name).filter(|v| !v.is_empty());
    let var = |name: &str| set(name).or_else(|| set(&name.to_ascii_lowercase()));
    let no_proxy = var("NO_PROXY").unwrap_or_default();
    if bypassed(&no_proxy, target.host()) {
        return None;
    }
    match target.scheme() {
        Scheme::Wss => var("HTTPS_PROXY"),
        _ => var("HTTP_PROXY"),
    }
}

/// Whether `NO_PROXY` (comma-separated hosts or domain suffixes, `*` for
/// all; an IPv6 literal with or without brackets) covers `host`.
pub(crate) fn bypassed(no_proxy: &str, host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    no_proxy.split(',').map(str::trim).any(|entry| {
        let entry = entry
            .strip_prefix('[')
            .and_then(|e| e.strip_suffix(']'))
            .unwrap_or(entry);
        let entry = entry.trim_start_matches('.').to_ascii_lowercase();
        entry == "*"
            || (!entry.is_empty() && (host == entry || host.ends_with(&format!(".{entry}"))))
    })
}

/// `http://host:port` (or `host:port`) as host and port (default 8080).
pub(crate) fn parse_proxy(url: &str) -> io::Result<(String, u16)> {
    let invalid = |what: &str| io::Error::new(io::ErrorKind::InvalidInput, what.to_owned());
    let rest = url.strip_prefix("http://").unwrap_or(url);
    if rest.contains("://") {
        return Err(invalid("only http:// proxies are supported"));
    }
    let authority = rest.split('/').next().unwrap_or_default();
    if authority.contains('@') {
        return Err(invalid("proxy credentials in the URL are not supported"));
    }
    let (host, port) = match authority.strip_prefix('[') {
        Some(bracketed) => {
            let (host, after) = bracketed
                .split_once(']')
                .ok_or_else(|| invalid("invalid proxy host"))?;
            (host, after.strip_prefix(':'))
        }
        None => match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        },
    };
    let port = match port {
        Some(port) => port.parse().map_err(|_| invalid("invalid proxy port"))?,
        None => 8080,
    };
    if host.is_empty() {
        return Err(invalid("proxy URL without a host"));
    }
    Ok((host.to_owned(), port))
}

/// Opens a tunnel to `target` through the proxy at `proxy`.
pub(crate) async fn tunnel(proxy: (String, u16), target: &Target) -> io::Result<TcpStream> {
    let mut tcp = TcpStream::connect((proxy.0.as_str(), proxy.1)).await?;
    let authority = format!("{}:{}", bracket(target.host()), target.port());
    let request = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n\r\n");
    tcp.write_all(request.as_bytes()).await?;
    // Read byte by byte up to the end of the head: nothing of the tunnel's
    // own bytes may be taken.
    let mut head = Vec::with_capacity(256);
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() >= MAX_HEAD {
            return Err(io::Error::other("proxy response head too large"));
        }
        let byte = tcp.read_u8().await?;
        head.push(byte);
    }
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut response = httparse::Response::new(&mut headers);
    match response.parse(&head) {
        Ok(httparse::Status::Complete(_)) => {}
        _ => return Err(io::Error::other("invalid proxy response")),
    }
    match response.code {
        Some(200..=299) => Ok(tcp),
        code => Err(io::Error::other(format!(
            "proxy refused the tunnel: {}",
            code.unwrap_or(0)
        ))),
    }
}

fn bracket(host: &str) -> String {
    if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_proxy_matches_hosts_and_domain_suffixes() {
        let list = "localhost, .internal.example,10.0.0.1";
        assert!(bypassed(list, "localhost"));
        assert!(bypassed(list, "LOCALHOST"));
        assert!(bypassed(list, "a.internal.example"));
        assert!(bypassed(list, "internal.example"));
        assert!(bypassed(list, "10.0.0.1"));
        assert!(!bypassed(list, "example.com"));
        assert!(!bypassed(list, "notinternal.example"));
        assert!(!bypassed("", "example.com"));
        assert!(bypassed("*", "example.com"));
        assert!(bypassed("[::1]", "::1"));
        assert!(bypassed("example.com, [::1]", "::1"));
        assert!(bypassed("::1", "::1"));
        assert!(!bypassed("[::1]", "::2"));
    }

    #[test]
    fn an_empty_variable_does_not_hide_the_other_case() {
        let target = wsmachine::handshake::ClientRequest::from_url("ws://example.com/")
            .map(|r| r.target().clone());
        assert!(target.is_ok());
        let proxy_for = |lookup| target.as_ref().ok().and_then(|t| from_vars(t, lookup));
        fn vars<'a>(pairs: &'a [(&str, &str)]) -> impl Fn(&str) -> Option<String> + 'a {
            move |name| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        }
        let proxy = Some("http://proxy:3128".to_owned());
        let lower = [("HTTP_PROXY", ""), ("http_proxy", "http://proxy:3128")];
        assert_eq!(proxy_for(vars(&lower)), proxy);
        let upper = [("HTTP_PROXY", "http://proxy:3128"), ("http_proxy", "")];
        assert_eq!(proxy_for(vars(&upper)), proxy);
        let no_proxy = [
            ("NO_PROXY", ""),
            ("no_proxy", "example.com"),
            ("HTTP_PROXY", "http://proxy:3128"),
        ];
        assert_eq!(proxy_for(vars(&no_proxy)), None);
    }

    #[test]
    fn proxy_urls() {
        let parse = |s| parse_proxy(s).ok();
        assert_eq!(parse("http://proxy:3128"), Some(("proxy".into(), 3128)));
        assert_eq!(parse("http://proxy:3128/"), Some(("proxy".into(), 3128)));
        assert_eq!(parse("proxy"), Some(("proxy".into(), 8080)));
        assert_eq!(parse("http://[::1]:3128"), Some(("::1".into(), 3128)));
        assert_eq!(parse("http://[::1]"), Some(("::1".into(), 8080)));
        assert_eq!(parse("https://proxy:3128"), None);
        assert_eq!(parse("http://user:pw@proxy:3128"), None);
        assert_eq!(parse("http://proxy:port"), None);
        assert_eq!(parse("http://:3128"), None);
    }
}
