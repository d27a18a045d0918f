//! The state the driver task and the user's handles share: one
//! [`Connection`] behind a lock, the messages read and not yet taken, and the
//! wakers of whoever waits.
//!
//! Every protocol decision is the connection's: the handles only call its
//! commands (`send_text`, `close`...) and the driver only feeds it bytes,
//! the clock and the end of the transport.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::Waker;

use wsmachine::{CloseCause, CloseCode, CloseOutcome, Connection, Event};

use crate::message::{Closed, Message};

/// The lock and what it guards.
#[derive(Debug)]
pub(crate) struct Shared {
    inner: Mutex<Inner>,
}

/// Limits the driver and the handles apply.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Marks {
    /// Sending waits while more than this waits to be written.
    pub(crate) write_high_water: usize,
    /// Reading pauses while more than this waits in the inbox.
    pub(crate) read_high_water: usize,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) conn: Connection,
    pub(crate) marks: Marks,
    /// Messages read and not yet taken by the reader.
    inbox: VecDeque<Message>,
    /// Payload bytes in `inbox`.
    inbox_bytes: usize,
    /// Bytes the driver took from the connection and has not written yet.
    pub(crate) in_flight: usize,
    /// The reader handle still exists (else messages are dropped).
    pub(crate) reader_alive: bool,
    /// Live handles (the reader and every writer).
    pub(crate) handles: usize,
    reader_waker: Option<Waker>,
    /// Writers waiting for room or for the output to drain, and callers
    /// waiting for the end.
    waiters: Vec<Waker>,
    driver_waker: Option<Waker>,
    /// How it ended, once it has.
    pub(crate) outcome: Option<Closed>,
    /// The transport's error, if any.
    pub(crate) io_error: Option<std::io::ErrorKind>,
    /// The driver is done: output written, transport shut down.
    pub(crate) finished: bool,
    /// Input read after the first message not yet taken: the reader feeds
    /// it (see `input.rs`).
    pub(crate) held: Vec<u8>,
    /// How much of `held` is fed already.
    pub(crate) held_at: usize,
    /// When the driver feeds `held` itself if the reader has not.
    pub(crate) held_until: Option<tokio::time::Instant>,
}

/// An event of the connection, copied out of it so that the connection can
/// be called again.
pub(crate) enum Delivery {
    Message(Message),
    End(CloseOutcome, String),
    Nothing,
}

impl From<Event<'_>> for Delivery {
    fn from(event: Event<'_>) -> Delivery {
        Delivery::Message(match event {
            Event::Text(text) => Message::Text(text.to_owned()),
            Event::Binary(data) => Message::Binary(data.to_vec()),
            Event::Chunk { kind, data, fin } => Message::Chunk {
                kind,
                data: data.to_vec(),
                fin,
            },
            Event::Ping(data) => Message::Ping(data.to_vec()),
            Event::Pong(data) => Message::Pong(data.to_vec()),
            Event::Close { code, reason } => {
                Message::Close(code.map(|code| (code, reason.to_owned())))
            }
            Event::Closed { outcome, reason } => {
                return Delivery::End(outcome, reason.to_owned());
            }
            _ => return Delivery::Nothing,
        })
    }
}

impl Shared {
    pub(crate) fn new(conn: Connection, marks: Marks) -> Arc<Shared> {
        Arc::new(Shared {
            inner: Mutex::new(Inner {
                conn,
                marks,
                inbox: VecDeque::new(),
                inbox_bytes: 0,
                in_flight: 0,
                reader_alive: true,
                handles: 2,
                reader_waker: None,
                waiters: Vec::new(),
                driver_waker: None,
                outcome: None,
                io_error: None,
                finished: false,
                held: Vec::new(),
                held_at: 0,
                held_until: None,
            }),
        })
    }

    /// The state. A handle or driver that panicked while holding the lock
    /// left nothing half-done that matters here, so a poisoned lock is used
    /// as is.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Inner {
    /// Bytes waiting to be written, in the connection and in the driver.
    pub(crate) fn queued(&self) -> usize {
        self.conn.pending_output_len() + self.in_flight
    }

    /// Whether the reader's inbox is over its mark while the reader paces
    /// the reading (the driver stops reading).
    pub(crate) fn inbox_full(&self) -> bool {
        self.inbox_bytes > self.marks.read_high_water && self.reader_paces()
    }

    /// Whether no message waits for the reader (or there is no reader).
    pub(crate) fn inbox_empty(&self) -> bool {
        self.inbox.is_empty()
    }

    /// Takes the next message; wakes the driver if that makes room.
    pub(crate) fn pop(&mut self) -> Option<Message> {
        let was_full = self.inbox_full();
        let message = self.inbox.pop_front()?;
        self.inbox_bytes -= message.len();
        if self.inbox.is_empty() && self.inbox.capacity() > 16 {
            // A burst is over: give its slots back.
            self.inbox = VecDeque::new();
        }
        if was_full && !self.inbox_full() {
            self.wake_driver();
        }
        Some(message)
    }

    /// Hands an event of the connection, made owned, to the reader.
    pub(crate) fn deliver(&mut self, delivery: Delivery) {
        let message = match delivery {
            Delivery::Message(message) => message,
            Delivery::End(outcome, reason) => return self.end(outcome, &reason),
            Delivery::Nothing => return,
        };
        if self.reader_alive {
            self.inbox_bytes += message.len();
            self.inbox.push_back(message);
            wake(&mut self.reader_waker);
        }
    }

    /// Takes the final event if the connection closed without input (a
    /// timer, the end of the transport).
    pub(crate) fn settle(&mut self) {
        if let Some(Event::Closed { outcome, reason }) = self.conn.poll_event() {
            let reason = reason.to_owned();
            self.end(outcome, &reason);
        }
    }

    /// Ends without the connection's word: the transport is gone (1006).
    pub(crate) fn end_abnormally(&mut self) {
        let outcome = CloseOutcome {
            code: CloseCode::ABNORMAL,
            clean: false,
            cause: CloseCause::Eof,
        };
        self.end(outcome, "");
    }

    fn end(&mut self, outcome: CloseOutcome, reason: &str) {
        self.outcome = Some(Closed {
            code: outcome.code,
            reason: reason.to_owned(),
            clean: outcome.clean,
            cause: outcome.cause,
            io_error: self.io_error,
        });
        self.wake_all();
    }

    pub(crate) fn set_reader_waker(&mut self, waker: &Waker) {
        set(&mut self.reader_waker, waker);
    }

    pub(crate) fn set_driver_waker(&mut self, waker: &Waker) {
        set(&mut self.driver_waker, waker);
    }

    /// Registers a writer or a caller waiting for the end.
    pub(crate) fn wait(&mut self, waker: &Waker) {
        if !self.waiters.iter().any(|w| w.will_wake(waker)) {
            self.waiters.push(waker.clone());
        }
    }

    pub(crate) fn wake_driver(&mut self) {
        wake(&mut self.driver_waker);
    }

    /// Wakes the writers and the callers waiting for the end.
    pub(crate) fn wake_waiters(&mut self) {
        for waker in self.waiters.drain(..) {
            waker.wake();
        }
        if self.waiters.capacity() > 8 {
            self.waiters = Vec::new();
        }
    }

    /// Wakes everyone: the connection ended or the driver finished.
    pub(crate) fn wake_all(&mut self) {
        wake(&mut self.reader_waker);
        self.wake_waiters();
    }

    /// The reader handle is gone: nothing more is kept for it.
    pub(crate) fn drop_reader(&mut self) {
        self.reader_alive = false;
        self.inbox = VecDeque::new();
        self.inbox_bytes = 0;
        self.reader_waker = None;
        // The driver feeds what was held for the reader.
        self.drop_handle();
    }

    pub(crate) fn drop_handle(&mut self) {
        self.handles = self.handles.saturating_sub(1);
        self.wake_driver();
    }
}

fn set(slot: &mut Option<Waker>, waker: &Waker) {
    match slot {
        Some(w) if w.will_wake(waker) => {}
        _ => *slot = Some(waker.clone()),
    }
}

fn wake(slot: &mut Option<Waker>) {
    if let Some(waker) = slot.take() {
        waker.wake();
    }
}
