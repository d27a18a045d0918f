//! A command-line client: each line of stdin is sent as a text message,
//! each text message received is printed on a line of its own.
//!
//! ```sh
//! cargo run -p wsmachine-tokio --example wscat -- URL [--ca CERT_PEM] [--proxy-from-env]
//! ```
//!
//! At the end of stdin it closes with 1000 and waits for the server's
//! answer. Exit status: 0 after a clean close, 1 when the handshake is
//! refused or the connection is lost. Binary messages are reported on
//! stderr.

use std::process::ExitCode;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use wsmachine_tokio::rustls::pki_types::pem::PemObject;
use wsmachine_tokio::rustls::pki_types::CertificateDer;
use wsmachine_tokio::wsmachine::CloseCode;
use wsmachine_tokio::{Client, Message};

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("wscat: {e}");
            ExitCode::from(1)
        }
    }
}

/// Whether the connection closed cleanly.
async fn run() -> Result<bool, Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mut url = None;
    let mut client_ca = None;
    let mut from_env = false;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--ca" => client_ca = Some(args.next().ok_or("--ca needs a PEM file")?),
            "--proxy-from-env" => from_env = true,
            a => url = Some(a.to_owned()),
        }
    }
    let url = url.ok_or("usage: wscat URL [--ca CERT_PEM] [--proxy-from-env]")?;
    let mut client = Client::new(url);
    if let Some(path) = client_ca {
        client = client.add_root_certificate(CertificateDer::from_pem_file(path)?);
    }
    if from_env {
        client = client.proxy_from_env();
    }
    let (ws, _response) = client.connect().await?;
    let (mut reader, mut writer) = ws.split();
    let printer = tokio::spawn(async move {
        let mut stdout = tokio::io::stdout();
        while let Some(message) = reader.recv().await {
            match message {
                Message::Text(text) => {
                    let line = format!("{text}\n");
                    if stdout.write_all(line.as_bytes()).await.is_err() {
                        break;
                    }
                    let _ = stdout.flush().await;
                }
                Message::Binary(data) => eprintln!("wscat: binary message, {} bytes", data.len()),
                _ => {}
            }
        }
    });
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    while let Some(line) = lines.next_line().await? {
        if writer.send(line).await.is_err() {
            break; // closed by the server: its outcome says how
        }
    }
    let closed = writer.close(CloseCode::NORMAL, "").await?;
    let _ = printer.await;
    if !closed.clean {
        eprintln!(
            "wscat: connection lost: {} ({:?})",
            closed.code, closed.cause
        );
    }
    Ok(closed.clean)
}
