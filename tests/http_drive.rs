//! The tokio examples' driver over a writer that holds bytes until flushed
//! (tokio-rustls does when the socket would block; so does a BufWriter).

#[path = "../examples/support/echo.rs"]
mod echo;
#[path = "../examples/support/tokio_drive.rs"]
#[allow(dead_code)]
mod tokio_drive;

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt, BufWriter};
use wsmachine::{Config, Connection};
use wsmachine_testkit::client_frame;

#[tokio::test]
async fn an_echo_written_into_a_buffering_writer_is_flushed() {
    let (server_io, mut client_io) = tokio::io::duplex(1 << 16);
    let server = tokio::spawn(async move {
        let (mut rd, wr) = tokio::io::split(server_io);
        let mut wr = BufWriter::new(wr);
        let mut conn = Connection::server(Config::default());
        let mut message = Vec::new();
        tokio_drive::drive(&mut rd, &mut wr, &mut conn, &mut message, "test").await
    });
    client_io
        .write_all(&client_frame(0x81, b"hello"))
        .await
        .unwrap();
    let mut echo = [0u8; 7];
    let read = tokio::time::timeout(Duration::from_secs(2), client_io.read_exact(&mut echo)).await;
    assert!(read.is_ok(), "the echo never left the driver's writer");
    assert_eq!(&echo, b"\x81\x05hello");
    server.abort();
}
