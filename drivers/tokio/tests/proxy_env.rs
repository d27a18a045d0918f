//! The proxy from the environment (its own test binary: it sets variables
//! of the process).

mod support;

use support::*;
use tokio::time::timeout;
use wsmachine_tokio::{Client, Message, Options};

#[tokio::test]
async fn http_proxy_and_no_proxy_from_the_environment() {
    let (addr, _outcomes) = echo_server(Options::default()).await;
    let (proxy_addr, tunnel) = proxy().await;
    std::env::set_var("HTTP_PROXY", format!("http://{proxy_addr}"));
    // Not listed in NO_PROXY: through the proxy.
    std::env::set_var("NO_PROXY", "example.com");
    let (mut ws, _) = Client::new(format!("ws://{addr}/"))
        .proxy_from_env()
        .connect()
        .await
        .unwrap();
    ws.send("via env").await.unwrap();
    assert_eq!(ws.recv().await, Some(Message::Text("via env".into())));
    drop(ws);
    assert_eq!(
        timeout(LIMIT, tunnel).await.unwrap().unwrap(),
        addr.to_string()
    );
    // Listed: directly (the proxy has stopped listening, so going through
    // it would fail).
    std::env::set_var("NO_PROXY", "localhost,127.0.0.1");
    let (mut ws, _) = Client::new(format!("ws://{addr}/"))
        .proxy_from_env()
        .connect()
        .await
        .unwrap();
    ws.send("direct").await.unwrap();
    assert_eq!(ws.recv().await, Some(Message::Text("direct".into())));
}
