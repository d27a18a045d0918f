//! Durations too large to add to an instant (`Duration::MAX` as "no
//! timeout") are taken as "never", without a panic.

mod support;

use std::time::Duration;

use support::*;
use tokio::time::timeout;
use wsmachine_tokio::Options;

/// `Duration::MAX` as the handshake timeout (tokio's own `timeout` accepts
/// it as "no timeout") does not overflow the deadline.
#[tokio::test]
async fn a_huge_handshake_timeout_does_not_panic() {
    let (listener, addr) = listener().await;
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut options = Options::default();
        options.handshake_timeout = Duration::MAX;
        accept_with(tcp, &options).await;
    });
    let _client = tokio::spawn(raw_client(addr));
    let result = timeout(LIMIT, server).await.unwrap();
    assert!(result.is_ok(), "the server task panicked: {result:?}");
}

/// `Options::linger = Duration::MAX` does not overflow the driver's
/// deadlines once the connection closes: `close()` returns when the peer
/// has answered and shut its side.
#[tokio::test]
async fn a_huge_linger_does_not_panic_the_driver() {
    use wsmachine_tokio::wsmachine::CloseCode;

    let (listener, addr) = listener().await;
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut options = Options::default();
        options.linger = Duration::MAX;
        let mut ws = accept_with(tcp, &options).await;
        ws.close(CloseCode::NORMAL, "").await.unwrap()
    });
    let mut tcp = raw_client(addr).await;
    answer_close(&mut tcp).await;
    drop(tcp);
    let closed = timeout(Duration::from_secs(3), server).await;
    assert!(closed.is_ok(), "close() did not return within 3 s");
}
