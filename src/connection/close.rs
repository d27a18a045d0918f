//! The closing handshake and the clock (RFC 6455 §5.5.1, §7).
//!
//! ```text
//!                 send Close                      peer's Close
//!   OPEN ───────────────────────► CloseSent ─────────────────────┐
//!    │                                │ close_timeout / EOF      │
//!    │ peer's Close                   ▼                          ▼
//!    │ (reply queued)              Closed (unclean)     server: Closed (clean)
//!    └──────────────────────────────────────────────►   client: AwaitingEof
//!                                                          │ EOF / close_linger
//!    OPEN, CloseSent ── violation (Close queued) ─► Closed ▼
//!    any ─── EOF ─► Closed                          Closed (clean)
//! ```
//!
//! Deadlines start from the caller's clock. An action that starts one (a
//! Close we send) happens between clock readings, so the deadline is armed at
//! the next [`Connection::handle_timeout`](crate::Connection::handle_timeout);
//! until then [`Connection::poll_timeout`](crate::Connection::poll_timeout)
//! asks for the clock at once.

use core::num::NonZeroU64;

use super::settings::Nanos;
use crate::close_code::CloseCode;
use crate::event::{CloseCause, CloseOutcome};

/// A deadline that may wait to be armed by the next clock reading: `None`
/// until then, afterwards the time it expires at (8 bytes: a deadline at time
/// 0 can only come from a zero timeout at time 0, which expires at once, so
/// it is stored as 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Deadline(Option<NonZeroU64>);

impl Deadline {
    /// Starts counting at the next clock reading.
    pub(crate) const UNARMED: Deadline = Deadline(None);

    /// Arms an unarmed deadline `after` from `now`; true if it has expired.
    pub(crate) fn check(&mut self, now: Nanos, after: Nanos) -> bool {
        match self.0 {
            None => {
                let at = now.saturating_add(after);
                self.0 = Some(NonZeroU64::new(at).unwrap_or(NonZeroU64::MIN));
                after == 0
            }
            Some(t) => now >= t.get(),
        }
    }

    /// When the caller should next read the clock for this deadline.
    pub(crate) fn wake_at(&self, now: Nanos) -> Nanos {
        self.0.map_or(now, NonZeroU64::get)
    }
}

/// Keepalive's state while the connection is open; the time it refers to
/// is kept beside it in [`Phase::Open`] (so that the phase fits in 16 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Watch {
    /// Starts at the next clock reading (or keepalive is off).
    Unarmed,
    /// The peer was last heard from `at`.
    Heard,
    /// Silence: our keepalive ping went out `at`.
    PingSent,
}

/// The RFC's connection states with what each needs to remember.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// OPEN: data flows both ways.
    Open { watch: Watch, at: Nanos },
    /// CLOSING, we sent Close first and wait for the peer's.
    CloseSent { deadline: Deadline },
    /// Client only, close handshake done: wait for the server to close TCP
    /// (RFC 6455 §7.1.1).
    AwaitingEof {
        code: CloseCode,
        initiated_locally: bool,
        deadline: Deadline,
    },
    /// CLOSED: nothing more will be read or sent.
    Closed(CloseOutcome),
}

/// The connection state, named after RFC 6455 §4 and §7.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum State {
    /// Data can flow both ways.
    Open,
    /// We sent Close and wait for the peer's (data can still be received).
    Closing,
    /// Client: the close handshake is done; the server should close the
    /// transport. Keep reading until EOF; the machine gives up after
    /// [`Config::close_linger`](crate::Config::close_linger).
    ClosedAwaitingEof,
    /// Nothing more happens: close the transport once the output is written.
    Closed,
}

impl Phase {
    /// OPEN, keepalive not started.
    pub(crate) const OPEN: Phase = Phase::Open {
        watch: Watch::Unarmed,
        at: 0,
    };

    pub(crate) fn public(&self) -> State {
        match self {
            Phase::Open { .. } => State::Open,
            Phase::CloseSent { .. } => State::Closing,
            Phase::AwaitingEof { .. } => State::ClosedAwaitingEof,
            Phase::Closed(_) => State::Closed,
        }
    }

    /// The transport ended.
    pub(crate) fn on_eof(&mut self) {
        *self = match *self {
            Phase::Open { .. } | Phase::CloseSent { .. } => Phase::Closed(CloseOutcome {
                code: CloseCode::ABNORMAL,
                clean: false,
                cause: CloseCause::Eof,
            }),
            Phase::AwaitingEof {
                code,
                initiated_locally,
                ..
            } => Phase::Closed(CloseOutcome {
                code,
                clean: true,
                cause: CloseCause::Handshake { initiated_locally },
            }),
            closed @ Phase::Closed(_) => closed,
        }
    }
}
