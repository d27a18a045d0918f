//! The read path: bytes from the transport to the connection, events to the
//! reader.
//!
//! The driver reads into a buffer on its stack and feeds the connection up
//! to the first message; what follows is held and fed by the reader, one
//! message at a time, when it asks for the next one. So the application
//! takes a message, and can answer it, before the connection reads what
//! comes after it: a Close (which the connection answers at once, refusing
//! data from then on) or a violation (which fails the connection) in the
//! same read does not overtake the answers to the messages before it, as
//! with a driver that reads only when asked. Pings answered and messages
//! sent meanwhile go out as usual; what is held waits at most a close
//! timeout (with keepalive, at most its idle span, so that the peer's
//! answer to a ping is read) for the reader, then the driver feeds it.
//! Once our Close is sent, held input is fed at once and the transport read
//! whatever waits in the inbox, so that the peer's reply ends the close
//! handshake.
//!
//! Each event is copied into an owned message while it borrows the
//! connection (assembled text is then checked once, as it was assembled),
//! and the call that finds no more events releases what the last one
//! borrowed; the held bytes are released once fed, so nothing stays
//! allocated between messages.

use std::time::Duration;

use tokio::time::Instant;
use wsmachine::State;

use crate::message::Message;
use crate::shared::{Delivery, Inner};

impl Inner {
    /// Feeds bytes just read; keeps what follows the first message.
    pub(crate) fn feed_read(&mut self, input: &mut [u8]) {
        let used = self.feed(input, true);
        if used < input.len() {
            self.held = input[used..].to_vec();
            self.held_at = 0;
            self.held_until = Some(crate::deadline::after(self.hold_for()));
        }
    }

    /// How long input is held for the reader: a close timeout, and with
    /// keepalive at most its idle span, since the driver reads nothing
    /// while input is held and would not see the peer answer its ping.
    fn hold_for(&self) -> Duration {
        let config = self.conn.config();
        match &config.keepalive {
            Some(keepalive) => config.close_timeout.min(keepalive.idle),
            None => config.close_timeout,
        }
    }

    /// Whether input waits for the reader.
    pub(crate) fn has_held(&self) -> bool {
        self.held_at < self.held.len()
    }

    /// When the driver feeds the held input itself.
    pub(crate) fn held_until(&self) -> Option<Instant> {
        self.held_until.filter(|_| self.has_held())
    }

    /// The reader's turn: feeds held input up to the next message. Wakes
    /// the driver to write what it caused, and to read again once nothing
    /// is held.
    pub(crate) fn feed_held(&mut self) {
        let queued = self.conn.pending_output_len();
        if !self.has_held() {
            // Events may still come from bytes read already: the next piece
            // of a decoded message, at most `max_chunk_size`, is decoded as
            // the reader asks for it.
            self.feed(&mut [], true);
        } else {
            let mut held = std::mem::take(&mut self.held);
            // The fed bytes stay where they are until the rest is fed:
            // moving the rest down after each message would cost the square
            // of a read holding many small messages.
            self.held_at += self.feed(&mut held[self.held_at..], true);
            if self.held_at < held.len() {
                self.held = held;
            } else {
                self.held_at = 0;
                self.held_until = None;
                self.wake_driver();
            }
        }
        if self.conn.pending_output_len() > queued || self.conn.is_closed() {
            self.wake_driver();
        }
    }

    /// Whether the reader paces the reading (input is held for it, and a
    /// full inbox pauses the driver): there is a reader, and our Close is
    /// not sent. Once it is, the peer's reply must be read whatever waits
    /// for the reader: it ends the close handshake.
    pub(crate) fn reader_paces(&self) -> bool {
        self.reader_alive && !self.closing()
    }

    /// Whether our Close is sent and the peer's reply (or, for a client
    /// after the handshake, the server's end of stream) is awaited: what is
    /// read and held is then fed at once, whatever waits for the reader.
    pub(crate) fn closing(&self) -> bool {
        matches!(self.conn.state(), State::Closing | State::ClosedAwaitingEof)
    }

    /// The driver's turn: held input the reader has not taken in time, with
    /// no reader left, or once our Close is sent, is fed whole. Whether it
    /// was.
    pub(crate) fn feed_held_if_due(&mut self) -> bool {
        let due = self.held_until.is_some_and(|t| Instant::now() >= t);
        if !due && self.reader_paces() {
            return false;
        }
        let mut held = std::mem::take(&mut self.held);
        let at = std::mem::take(&mut self.held_at);
        self.held_until = None;
        self.feed(&mut held[at..], false);
        true
    }

    /// After the end of the transport, which the connection applies behind
    /// the chunks its decoder still holds of bytes read already: the reader
    /// takes them as it asks; with no reader to pace them (gone, or our
    /// Close sent) they are fed at once, and the end applies. Whether the
    /// connection closed.
    pub(crate) fn finish_after_eof(&mut self) -> bool {
        if self.reader_paces() || self.conn.is_closed() || self.has_held() {
            return false;
        }
        self.feed(&mut [], false);
        self.conn.is_closed()
    }

    /// Releases what the last event borrowed from the connection (an
    /// assembled message, a message's last piece) with a call that reads
    /// nothing. After a message's end nothing is left to decode, so that
    /// call gives at most the final event (after the peer's Close).
    fn release_event(&mut self) {
        if let (_, Some(delivery)) = self.next_event(&mut []) {
            self.deliver(delivery);
        }
    }

    /// The connection's next event from `input`, copied out of it, and the
    /// input used.
    fn next_event(&mut self, input: &mut [u8]) -> (usize, Option<Delivery>) {
        let (used, event) = self.conn.handle_input(input);
        (used, event.map(Delivery::from))
    }

    /// Feeds `input` and hands each event to the reader; with `one`, stops
    /// once a message waits for the reader. Returns how much was fed.
    fn feed(&mut self, input: &mut [u8], one: bool) -> usize {
        let mut pos = 0;
        loop {
            let (used, delivery) = self.next_event(&mut input[pos..]);
            pos += used;
            let Some(delivery) = delivery else {
                return pos;
            };
            // A piece of a streamed message, not its last, borrows at most
            // `max_chunk_size`, and the next piece is decoded only when the
            // reader asks for it (see `feed_held`).
            let piece = matches!(
                delivery,
                Delivery::Message(Message::Chunk { fin: false, .. })
            );
            self.deliver(delivery);
            if one && !self.inbox_empty() {
                if !piece {
                    self.release_event();
                }
                return pos;
            }
        }
    }
}
