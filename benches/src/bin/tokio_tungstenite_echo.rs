//! tokio-tungstenite's echo server, for `e2e --set tokio` and the 10,000-connection
//! benchmark: a task per connection on tokio's multi-thread runtime, the
//! usual shape of a tokio-tungstenite server.
//!
//! ```sh
//! cargo run -p wsmachine-bench --release --bin tokio_tungstenite_echo -- 127.0.0.1:9012
//! ```

use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};

fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9012".to_owned());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let listener = TcpListener::bind(&addr).await?;
        loop {
            let (sock, _) = listener.accept().await?;
            tokio::spawn(serve(sock));
        }
    })
}

async fn serve(sock: TcpStream) {
    if sock.set_nodelay(true).is_err() {
        return;
    }
    let Ok(mut ws) = tokio_tungstenite::accept_async(sock).await else {
        return;
    };
    while let Some(Ok(message)) = ws.next().await {
        // Pongs and the reply to a Close are sent by the stream itself.
        if (message.is_text() || message.is_binary()) && ws.send(message).await.is_err() {
            return;
        }
    }
}
