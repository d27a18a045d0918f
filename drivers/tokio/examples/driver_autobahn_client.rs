//! The Autobahn|Testsuite client through the driver: runs every case of a
//! fuzzing server, echoing each message back.
//!
//! ```sh
//! wstest -m fuzzingserver -s spec.json            # in another terminal
//! cargo run --release -p wsmachine-tokio --example driver_autobahn_client -- ws://127.0.0.1:9001
//! ```

use wsmachine_tokio::wsmachine::extension::deflate::DeflateConfig;
use wsmachine_tokio::{Client, Message};

/// The agent name the CI scripts read the reports of.
const AGENT: &str = "wsmachine";

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "ws://127.0.0.1:9001".to_owned());
    let base = base.trim_end_matches('/');
    let (mut ws, _) = Client::new(format!("{base}/getCaseCount"))
        .connect()
        .await?;
    let mut count = 0u32;
    while let Some(message) = ws.recv().await {
        if let Message::Text(text) = message {
            count = text.trim().parse()?;
        }
    }
    eprintln!("{count} cases");
    for case in 1..=count {
        let url = format!("{base}/runCase?case={case}&agent={AGENT}");
        let client = Client::new(url).deflate(DeflateConfig::default());
        match client.connect().await {
            Ok((mut ws, _)) => {
                while let Some(message) = ws.recv().await {
                    if let Message::Text(_) | Message::Binary(_) = message {
                        if ws.send(message).await.is_err() {
                            break;
                        }
                    }
                }
                let closed = ws.closed().await;
                eprintln!("case {case}/{count}: {} ({:?})", closed.code, closed.cause);
            }
            Err(e) => eprintln!("case {case}/{count}: handshake failed: {e}"),
        }
    }
    let url = format!("{base}/updateReports?agent={AGENT}");
    let (ws, _) = Client::new(url).connect().await?;
    ws.closed().await;
    eprintln!("reports updated");
    Ok(())
}
