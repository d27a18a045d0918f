//! tungstenite's echo server for the loopback benchmark, built the way
//! wsmachine's `echo_server` example is: blocking, a thread per connection.
//!
//! ```sh
//! cargo run -p wsmachine-bench --release --bin tungstenite_echo -- 127.0.0.1:9011
//! ```

use std::net::{TcpListener, TcpStream};
use std::thread;

use tungstenite::Message;

fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9011".to_owned());
    let listener = TcpListener::bind(&addr)?;
    for stream in listener.incoming().flatten() {
        thread::spawn(move || serve(stream));
    }
    Ok(())
}

fn serve(stream: TcpStream) {
    if stream.set_nodelay(true).is_err() {
        return;
    }
    let Ok(mut ws) = tungstenite::accept(stream) else {
        return;
    };
    loop {
        match ws.read() {
            Ok(m @ (Message::Text(_) | Message::Binary(_))) => {
                if ws.send(m).is_err() {
                    return;
                }
            }
            // Pongs and the reply to a Close are queued by `read`; flush them.
            Ok(_) => {
                if ws.flush().is_err() {
                    return;
                }
            }
            // Closed, or the transport failed.
            Err(_) => return,
        }
    }
}
