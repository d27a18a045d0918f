//! The Connection machine: an open WebSocket in either role. The public
//! docs (method groups, call order) are on [`Connection`]; the states and
//! their transitions are in `state.rs`, the frame machine in `frames.rs`
//! (whole control frames in `control.rs`), the input calls in `recv.rs` and,
//! for reads into the connection's own buffers, `inbox.rs`, the commands in
//! `send.rs`, the output buffer in `output.rs`.

mod control;
mod frames;
mod inbox;
#[cfg(test)]
mod inbox_tests;
mod output;
mod recv;
mod reserve;
mod send;
mod settings;
mod state;
mod text;

use alloc::boxed::Box;
use alloc::string::String;
use core::time::Duration;

use crate::extension::slot::CodecSlot;
use frames::Receiver;
use output::Output;
use send::Outgoing;
use settings::{nanos, Nanos, Settings};
pub use state::State;
use state::{Phase, Tick};

use crate::close_code::CloseCode;
use crate::config::Config;
use crate::error::{ProtocolError, Violation};
use crate::event::CloseOutcome;
use crate::extension::MessageCodec;
use crate::frame::OpCode;
use crate::rand::{MaskKeys, Randomness};
use crate::role::Role;

/// A WebSocket connection after the opening handshake, in either role.
///
/// It performs no I/O. Its methods fall in four groups:
///
/// - **inputs** (`handle_*`): [`handle_input`](Self::handle_input),
///   [`handle_input_into`](Self::handle_input_into) and
///   [`handle_all`](Self::handle_all) (bytes from the peer, giving events),
///   or [`recv_buffer`](Self::recv_buffer) with
///   [`handle_received`](Self::handle_received) (bytes read into the
///   connection's own buffers, events from [`poll_event`](Self::poll_event)),
///   [`handle_timeout`](Self::handle_timeout) (the clock),
///   [`handle_eof`](Self::handle_eof) (the transport ended);
/// - **commands**: [`send_text`](Self::send_text),
///   [`send_binary`](Self::send_binary), [`begin_message`](Self::begin_message)
///   / [`send_fragment`](Self::send_fragment) /
///   [`finish_message`](Self::finish_message), [`send_ping`](Self::send_ping),
///   [`send_pong`](Self::send_pong), [`close`](Self::close) — each fails with
///   a [`SendError`](crate::SendError) that changes nothing when the state does not allow it;
/// - **outputs** (`poll_*`): [`poll_output`](Self::poll_output) with
///   [`advance_output`](Self::advance_output) or
///   [`take_output`](Self::take_output) (bytes to write),
///   [`poll_timeout`](Self::poll_timeout) (when to give the clock next),
///   [`poll_event`](Self::poll_event) (the events of bytes given to
///   `handle_received`, and the final event after an input that is not
///   bytes);
/// - **getters**: [`state`](Self::state), [`is_closed`](Self::is_closed),
///   [`close_outcome`](Self::close_outcome), [`role`](Self::role),
///   [`config`](Self::config), [`subprotocol`](Self::subprotocol),
///   [`pending_output_len`](Self::pending_output_len),
///   [`heap_bytes`](Self::heap_bytes).
///
/// The call order a driver keeps, after the opening handshake (the crate
/// docs have it as a complete run loop):
///
/// 1. [`handle_timeout`](Self::handle_timeout) first — a timer may queue a
///    keepalive ping or end the connection — then take its events.
/// 2. Write [`poll_output`](Self::poll_output) and report what the transport
///    took with [`advance_output`](Self::advance_output); stop sending data
///    (and reading) while [`pending_output_len`](Self::pending_output_len) is
///    high.
/// 3. Wait for input no longer than [`poll_timeout`](Self::poll_timeout).
/// 4. Feed what arrived and handle each event before the next call; act on
///    events with commands. At the end of the transport call
///    [`handle_eof`](Self::handle_eof) and take its event.
/// 5. After [`Event::Closed`](crate::Event::Closed), the last event, write
///    what is left of the output and close the transport.
///
/// The states and their transitions are on [`State`].
///
/// Its buffers are allocated when a message needs them; once empty each
/// keeps at most [`Config::buffer_retain`] of capacity, by default none,
/// except a written output buffer of at most 256 bytes, kept until the
/// connection next waits for input (see `buffer_retain`). It is at most 256
/// bytes itself.
pub struct Connection {
    /// The configuration and the role.
    settings: Settings,
    phase: Phase,
    rx: Receiver,
    /// The message buffer: a message assembled from pieces, a cut control
    /// payload.
    buffer: alloc::vec::Vec<u8>,
    out: Output,
    outgoing: Option<Outgoing>,
    /// What a plain server does not have, kept out of line.
    extras: Option<Box<Extras>>,
    /// The latest time the caller gave.
    now: Nanos,
}

/// Empties a buffer whose bytes are done with, keeping at most `retain` of
/// its capacity ([`Config::buffer_retain`]).
fn empty_within(buffer: &mut alloc::vec::Vec<u8>, retain: usize) {
    buffer.clear();
    if buffer.capacity() > retain {
        buffer.shrink_to(retain);
    }
}

/// A client's randomness, the negotiated subprotocol and extension, the
/// peer's Close reason: boxed only when there are any, so that a plain server
/// stays small and owns no heap.
#[derive(Default)]
struct Extras {
    /// Always there for a client, never for a server. Boxed so that a
    /// server's extras (a subprotocol, a codec) do not carry the key pool.
    rng: Option<Box<MaskKeys>>,
    subprotocol: Option<Box<str>>,
    /// The negotiated extension's transform, if any.
    codec: Option<CodecSlot>,
    /// The reason in the peer's Close frame, when it had one.
    close_reason: Option<Box<str>>,
    /// The read area of [`recv_buffer`](Connection::recv_buffer).
    inbox: inbox::Inbox,
    /// A text message being assembled, or the last one handed out (see
    /// `text.rs`): its bytes are checked once, as they are
    /// appended, instead of again to make the event's `&str`.
    text: String,
}

impl core::fmt::Debug for Connection {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Connection")
            .field("role", &self.settings.role)
            .field("state", &self.state())
            .field("pending_output", &self.out.len())
            .finish_non_exhaustive()
    }
}

impl Connection {
    /// A server-side connection. Servers never mask (RFC 6455 §5.1), so they
    /// need no randomness.
    ///
    /// The handshake machines create it for you. Create it yourself when the
    /// opening handshake happened elsewhere, for WebSockets over HTTP/2
    /// (RFC 8441) or HTTP/3 (RFC 9220), and record what was agreed with
    /// [`with_subprotocol`](Self::with_subprotocol) and
    /// [`with_codec`](Self::with_codec).
    pub fn server(config: Config) -> Connection {
        Connection::with_extras(Role::Server, config, None)
    }

    /// A client-side connection, masking every frame with keys from `rng`
    /// (RFC 6455 §5.3: "derived from a strong source of entropy").
    pub fn client(config: Config, rng: impl Randomness + 'static) -> Connection {
        Connection::client_boxed(config, Box::new(rng))
    }

    /// [`client`](Self::client) with randomness boxed already (the client
    /// handshake's), so that it is not boxed twice.
    pub(crate) fn client_boxed(config: Config, rng: Box<dyn Randomness>) -> Connection {
        let extras = Extras {
            rng: Some(Box::new(MaskKeys::new(rng))),
            ..Extras::default()
        };
        Connection::with_extras(Role::Client, config, Some(Box::new(extras)))
    }

    fn with_extras(role: Role, config: Config, extras: Option<Box<Extras>>) -> Connection {
        Connection {
            settings: Settings::new(role, &config),
            phase: Phase::OPEN,
            rx: Receiver::default(),
            buffer: alloc::vec::Vec::new(),
            out: Output::default(),
            outgoing: None,
            extras,
            now: 0,
        }
    }

    fn extras_mut(&mut self) -> &mut Extras {
        self.extras.get_or_insert_with(Box::default)
    }

    /// Frees the box of extras once it holds nothing (a server whose read
    /// area was released): an idle connection then owns no heap at all.
    fn drop_empty_extras(&mut self) {
        let empty = self.extras.as_deref().is_some_and(|e| {
            e.rng.is_none()
                && e.subprotocol.is_none()
                && e.codec.is_none()
                && e.close_reason.is_none()
                && e.inbox.is_empty()
                && e.text.capacity() == 0
        });
        if empty {
            self.extras = None;
        }
    }

    /// Records the subprotocol the handshake agreed on.
    #[must_use]
    pub fn with_subprotocol(mut self, subprotocol: Option<String>) -> Connection {
        self.set_subprotocol(subprotocol);
        self
    }

    /// [`with_subprotocol`](Self::with_subprotocol) in place.
    pub(crate) fn set_subprotocol(&mut self, subprotocol: Option<String>) {
        match subprotocol {
            Some(name) => self.extras_mut().subprotocol = Some(name.into_boxed_str()),
            None => {
                if let Some(extras) = self.extras.as_deref_mut() {
                    extras.subprotocol = None;
                }
            }
        }
    }

    /// Runs the negotiated extension's transform on data messages: incoming
    /// messages with one of its RSV bits set are decoded, outgoing ones it
    /// chooses are encoded. Replaces a codec set before.
    ///
    /// Set it before the first byte is read or sent: the handshake machines
    /// do so for permessage-deflate (feature `deflate`).
    pub fn set_codec(&mut self, codec: Box<dyn MessageCodec>) {
        self.extras_mut().codec = Some(CodecSlot::new(codec));
    }

    /// [`set_codec`](Self::set_codec), by value.
    #[must_use]
    pub fn with_codec(mut self, codec: Box<dyn MessageCodec>) -> Connection {
        self.set_codec(codec);
        self
    }

    // ----- getters -----

    /// This end's role.
    pub fn role(&self) -> Role {
        self.settings.role
    }

    /// The configuration. The connection keeps its timeouts in whole
    /// milliseconds (rounded up, at most 49.7 days), so they come back so.
    pub fn config(&self) -> Config {
        self.settings.config()
    }

    /// The subprotocol agreed in the handshake, if any.
    pub fn subprotocol(&self) -> Option<&str> {
        self.extras.as_deref()?.subprotocol.as_deref()
    }

    /// The connection state.
    pub fn state(&self) -> State {
        self.phase.public()
    }

    /// Whether the connection is closed: nothing more will be read or sent.
    /// Write out any remaining [`poll_output`](Self::poll_output), then close
    /// the transport.
    pub fn is_closed(&self) -> bool {
        matches!(self.phase, Phase::Closed { .. })
    }

    /// How the connection ended, once it is closed (also given once as
    /// [`Event::Closed`](crate::Event::Closed)).
    pub fn close_outcome(&self) -> Option<CloseOutcome> {
        self.phase.outcome()
    }

    /// Whether a fragmented message we are sending is still open.
    pub fn is_sending_fragments(&self) -> bool {
        self.outgoing.is_some()
    }

    /// Whether an extension's transform runs on data messages.
    pub fn has_codec(&self) -> bool {
        self.codec().is_some()
    }

    fn codec(&self) -> Option<&CodecSlot> {
        self.extras.as_deref()?.codec.as_ref()
    }

    /// Heap bytes the connection holds now: its buffers' capacities, the
    /// extension's state, the peer's Close reason and the box that holds
    /// what a plain server does not have (not counting the small boxes of
    /// the randomness source and the subprotocol name).
    pub fn heap_bytes(&self) -> usize {
        let reason = self.extras.as_deref().and_then(|e| e.close_reason.as_ref());
        let extras = self.extras.as_ref().map_or(0, |_| size_of::<Extras>());
        extras
            + self.buffer.capacity()
            + self.out.heap_bytes()
            + self.codec().map_or(0, CodecSlot::heap_bytes)
            + reason.map_or(0, |r| r.len())
            + self
                .extras
                .as_deref()
                .map_or(0, |e| e.inbox.heap_bytes() + e.text.capacity())
    }

    // ----- outputs -----

    /// The bytes waiting to be written to the transport. Write as many as the
    /// transport takes, then report that number to
    /// [`advance_output`](Self::advance_output).
    #[must_use]
    #[inline]
    pub fn poll_output(&self) -> &[u8] {
        self.out.pending()
    }

    /// How many bytes wait to be written (for backpressure).
    #[inline]
    pub fn pending_output_len(&self) -> usize {
        self.out.len()
    }

    /// Marks the first `n` bytes of [`poll_output`](Self::poll_output) as
    /// written. A partial write reports what was written; the rest stays
    /// queued, so no byte is lost or repeated.
    #[inline]
    pub fn advance_output(&mut self, n: usize) {
        let deferred_pong = self.out.advance(n, self.settings.buffer_retain);
        self.after_written(deferred_pong);
    }

    /// After bytes of the output count as written: the pong that waited for
    /// them is queued, and a closed connection that has written everything
    /// gives its output buffer back.
    #[inline]
    fn after_written(&mut self, deferred_pong: Option<alloc::boxed::Box<[u8]>>) {
        if let Some(payload) = deferred_pong {
            self.push_auto_pong(&payload);
        }
        if self.out.len() == 0 && self.is_closed() {
            self.release_output();
        }
    }

    /// The connection is about to wait for input: an output buffer written
    /// to the end goes down to [`Config::buffer_retain`]. (While the caller
    /// sends and writes in turn, a drained buffer of up to 256 bytes is kept
    /// for the next frames.)
    #[inline]
    fn release_output(&mut self) {
        self.out.release_drained(self.settings.buffer_retain);
    }

    /// Moves every byte waiting for the transport to the end of `out`, which
    /// the caller owns: for drivers that write from their own buffers
    /// (batched or vectored writes, buffers a completion-based runtime holds
    /// while it writes). Give an empty `out` and the connection's buffer is
    /// handed over whole, without a copy, and the connection keeps `out`'s
    /// allocation for the next frames, up to
    /// [`Config::buffer_retain`] (or 256 bytes until it next waits for
    /// input): passing the same two buffers back and forth reallocates
    /// nothing while they stay within it.
    ///
    /// The bytes count as written: [`poll_output`](Self::poll_output) is empty
    /// afterwards.
    pub fn take_output(&mut self, out: &mut alloc::vec::Vec<u8>) {
        let deferred_pong = self.out.take_into(out, self.settings.buffer_retain);
        self.after_written(deferred_pong);
    }

    /// When the connection next needs [`handle_timeout`](Self::handle_timeout),
    /// on the caller's clock. `None`: no timer is running. A time not later than
    /// the last one given means "now": a deadline waits to be started.
    pub fn poll_timeout(&self) -> Option<Duration> {
        let at = self.phase.wake_at(self.now, &self.settings)?;
        Some(Duration::from_nanos(at))
    }

    // ----- inputs -----

    /// Gives the machine the time. Call it when
    /// [`poll_timeout`](Self::poll_timeout) comes due; calling it more often
    /// (for example once per pass of the run loop) is cheap and makes the
    /// keepalive measure silence exactly.
    ///
    /// `now` is on the caller's clock, whose epoch the caller chooses (a
    /// `Duration` since its own start works without `std`). It should not go
    /// backwards.
    ///
    /// Bytes given with [`handle_received`](Self::handle_received) and not
    /// yet handled come first: the clock applies once
    /// [`poll_event`](Self::poll_event) has handed out their events, so that
    /// a Close or a pong that arrived in time is not dropped by a timeout.
    pub fn handle_timeout(&mut self, now: Duration) {
        self.release_output();
        self.now = self.now.max(nanos(now));
        if !self.clock_after_inbox() {
            return;
        }
        let heard = core::mem::take(&mut self.rx.seen);
        match self.phase.clock(self.now, &self.settings, heard) {
            Tick::Ping => self.push_control(OpCode::Ping, &[]),
            Tick::Nothing => {}
        }
        self.release_if_closed();
    }

    /// Tells the machine the transport reached end of file (or failed). Before
    /// the close handshake completed this is an abnormal closure (1006).
    /// [`Event::Closed`](crate::Event::Closed) then reports it.
    ///
    /// Bytes given with [`handle_received`](Self::handle_received) and not
    /// yet handled come first: the end applies once
    /// [`poll_event`](Self::poll_event) has handed out their events. So do
    /// the chunks a decoder still holds of bytes already used (a compressed
    /// message delivered in chunks of `max_chunk_size`): with
    /// `handle_input`, `handle_input_into` or `handle_all`, the end applies
    /// on the first call that finds no event left, so keep calling them
    /// with no input until the final event (`poll_event` does not apply it
    /// on that path).
    pub fn handle_eof(&mut self) {
        self.release_output();
        if !self.eof_after_inbox() {
            return;
        }
        self.phase.eof();
        self.release_if_closed();
    }

    /// After an input that is not bytes: a connection it closed drops the
    /// message it was sending and releases its message buffer.
    fn release_if_closed(&mut self) {
        if self.is_closed() {
            self.outgoing = None;
            self.release_buffer();
        }
    }

    /// The peer's valid Close arrived: answered if we had not sent ours; its
    /// reason kept for the final event.
    fn on_peer_close(&mut self, code: Option<CloseCode>, reason: &str) {
        if self.phase.peer_close(self.settings.role, code) {
            // "... typically echoing the status code it received" (§5.5.1).
            self.queue_close(code, "");
        }
        if !reason.is_empty() {
            self.extras_mut().close_reason = Some(reason.into());
        }
    }

    /// _Fail the WebSocket Connection_ (RFC 6455 §7.1.7): send a Close with the
    /// violation's code unless one went out already, and close.
    fn fail(&mut self, violation: Violation) {
        let err = ProtocolError::new(violation);
        if self.phase.fail(err) {
            self.queue_close(Some(err.close_code()), err.reason());
        }
        self.outgoing = None;
    }
}
