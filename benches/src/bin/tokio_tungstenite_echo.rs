//! tokio-tungstenite's echo server for `e2e --set tokio`: a task per
//! connection on tokio's multi-threaded runtime, as its users write it.
//!
//! ```sh
//! cargo run -p wsmachine-bench --release --bin tokio_tungstenite_echo -- 127.0.0.1:9012
//! ```

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpListener;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9012".to_owned());
    let listener = TcpListener::bind(&addr).await?;
    loop {
        let (tcp, _) = listener.accept().await?;
        tokio::spawn(async move {
            if tcp.set_nodelay(true).is_err() {
                return;
            }
            let Ok(mut ws) = tokio_tungstenite::accept_async(tcp).await else {
                return;
            };
            while let Some(Ok(message)) = ws.next().await {
                if (message.is_text() || message.is_binary()) && ws.send(message).await.is_err() {
                    return;
                }
            }
        });
    }
}
