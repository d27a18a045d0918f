//! NO_PROXY forms other tools honour (its own test binary: it sets
//! variables of the process).

mod support;

use support::*;
use tokio::net::TcpListener;
use tokio::time::timeout;
use wsmachine_tokio::{Client, Message};

/// A proxy address nothing listens on: going through it fails.
async fn dead_proxy() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    format!("http://{}", listener.local_addr().unwrap())
}

#[tokio::test]
async fn no_proxy_with_a_bracketed_ipv6_literal() {
    // An echo server on the IPv6 loopback.
    let listener = TcpListener::bind("[::1]:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let ws = wsmachine_tokio::accept(tcp).await.unwrap();
        echo(ws).await;
    });
    std::env::set_var("HTTP_PROXY", dead_proxy().await);
    // curl and Go accept the bracketed form of an IPv6 literal.
    std::env::set_var("NO_PROXY", "[::1]");
    let result = timeout(
        LIMIT,
        Client::new(format!("ws://[::1]:{port}/"))
            .proxy_from_env()
            .connect(),
    )
    .await
    .unwrap();
    let (mut ws, _) = result.expect("NO_PROXY=[::1] did not bypass the proxy for ws://[::1]");
    ws.send("direct").await.unwrap();
    assert_eq!(ws.recv().await, Some(Message::Text("direct".into())));
}
