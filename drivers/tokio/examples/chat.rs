//! A chat room: every text message is broadcast to every connection.
//!
//! ```sh
//! cargo run --release -p wsmachine-tokio --example chat -- 127.0.0.1:9003
//! ```
//!
//! A slow consumer cannot hold the room back nor make the server buffer
//! without bound: each connection's output may hold up to
//! [`Options::write_high_water`] bytes, and a member whose output is over it
//! when a message is broadcast is dropped with 1008 ("too slow"), without
//! waiting.

use std::collections::HashMap;
use std::io;
use std::sync::{Arc, Mutex};

use tokio::net::TcpListener;
use wsmachine_tokio::wsmachine::{CloseCode, SendError};
use wsmachine_tokio::{accept, Error, Message, Writer};

/// The members, by id.
type Room = Arc<Mutex<HashMap<u64, Writer>>>;

#[tokio::main]
async fn main() -> io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9003".into());
    let listener = TcpListener::bind(&addr).await?;
    eprintln!("chat on ws://{}/", listener.local_addr()?);
    let room: Room = Arc::default();
    for id in 0.. {
        let (tcp, _) = listener.accept().await?;
        let room = room.clone();
        tokio::spawn(async move {
            let Ok(ws) = accept(tcp).await else { return };
            let (mut reader, writer) = ws.split();
            lock(&room).insert(id, writer);
            while let Some(message) = reader.recv().await {
                if let Message::Text(text) = message {
                    broadcast(&room, &text);
                }
            }
            lock(&room).remove(&id);
        });
    }
    Ok(())
}

fn lock(room: &Room) -> std::sync::MutexGuard<'_, HashMap<u64, Writer>> {
    room.lock().unwrap_or_else(|e| e.into_inner())
}

/// Queues `text` for every member; drops those that are too slow.
fn broadcast(room: &Room, text: &str) {
    let mut slow = Vec::new();
    let mut members = lock(room);
    for (id, writer) in members.iter() {
        match writer.try_send(text) {
            Ok(()) => {}
            Err(Error::Send(SendError::Backpressure)) => slow.push(*id),
            Err(_) => {} // closing: its reader removes it
        }
    }
    for id in slow {
        if let Some(mut writer) = members.remove(&id) {
            tokio::spawn(async move {
                let _ = writer.close(CloseCode::POLICY_VIOLATION, "too slow").await;
            });
        }
    }
}
