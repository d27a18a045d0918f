//! What an axum user writes: the `hyper_server` service as an axum 0.8
//! route. axum's `serve` advertises extended CONNECT and keeps hyper's
//! `ext::Protocol` in the request's extensions, so one handler, routed for
//! every method (`any`, since HTTP/2 opens with CONNECT), takes WebSockets
//! over HTTP/1.1 and over HTTP/2 (h2c here; behind TLS, browsers' too).
//!
//! ```sh
//! cargo run --release --features http,deflate --example axum_server -- 127.0.0.1:9005
//! ```

#[path = "support/accept.rs"]
mod accept;
#[path = "support/echo.rs"]
mod echo;
#[path = "support/http_service.rs"]
#[allow(dead_code)]
mod http_service;
#[path = "support/tokio_drive.rs"]
mod tokio_drive;

use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use axum::routing::any;
use axum::Router;

/// The route: `ServerUpgrade::new` with the request's parts and hyper's
/// `:protocol`, then `hyper::upgrade::on` for the stream (see
/// `support/http_service.rs`).
async fn websocket_or_page(req: Request) -> Response {
    http_service::handle(req, None).map(Body::new)
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9005".to_owned());
    let app = Router::new().route("/", any(websocket_or_page));
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    eprintln!("axum echo server on http://{addr}/ (HTTP/1.1 and h2c)");
    axum::serve(listener, app).await
}
