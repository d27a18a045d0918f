//! The connection's states and every transition between them (RFC 6455 §4,
//! §5.5.1, §7). Nothing outside this file assigns a [`Phase`]: the
//! connection calls one transition per thing that happens and does what it
//! returns (queue a Close, queue a ping).
//!
//! ```text
//!                  close()                           peer's Close
//!   OPEN ───────────────────────► CLOSING ────────────────────────┐
//!    │                           (CloseSent)                       │
//!    │ peer's Close                  │ close_timeout, EOF,         │
//!    │ (reply Close queued)          │ violation                   ▼
//!    │                               ▼                  server: CLOSED (clean)
//!    │                        CLOSED (unclean)          client: AwaitingEof
//!    └──────────────────────────────────────────────────────────►  │
//!                                                         EOF, close_linger
//!    OPEN ── violation (Close queued) ──► CLOSED                    ▼
//!    OPEN ── EOF, keepalive timeout ────► CLOSED            CLOSED (clean)
//! ```
//!
//! Every way into CLOSED records a [`CloseOutcome`], which the connection
//! reports once, as its last event.
//!
//! Deadlines start from the caller's clock. A transition that starts one (a
//! Close we send, the peer's Close to a client) happens between clock
//! readings, so the deadline is armed at the next [`Phase::clock`]; until
//! then [`Phase::wake_at`] asks for the clock at once.

use core::num::NonZeroU64;

use super::settings::{Nanos, Settings};
use crate::close_code::CloseCode;
use crate::error::ProtocolError;
use crate::event::{CloseCause, CloseOutcome};
use crate::role::Role;

/// A deadline that may wait to be armed by the next clock reading: `None`
/// until then, afterwards the time it expires at (8 bytes: a deadline at time
/// 0 can only come from a zero timeout at time 0, which expires at once, so
/// it is stored as 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Deadline(Option<NonZeroU64>);

impl Deadline {
    /// Starts counting at the next clock reading.
    const UNARMED: Deadline = Deadline(None);

    /// Arms an unarmed deadline `after` from `now`; true if it has expired.
    fn check(&mut self, now: Nanos, after: Nanos) -> bool {
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
    fn wake_at(&self, now: Nanos) -> Nanos {
        self.0.map_or(now, NonZeroU64::get)
    }
}

/// Keepalive's state while the connection is open; the time it refers to
/// is kept beside it in [`Phase::Open`] (so that the phase stays small).
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
    /// CLOSED: nothing more will be read or sent. `reported`: the caller has
    /// been given the outcome.
    Closed {
        outcome: CloseOutcome,
        reported: bool,
    },
}

/// The connection state, named after RFC 6455 §4 and §7.
///
/// ```text
///   Open ──close()──► Closing ──peer's Close──► Closed (server)
///    │                   │                      ClosedAwaitingEof (client)
///    │ peer's Close      │ timeout, EOF,               │ EOF or
///    ▼                   ▼ violation                   ▼ close_linger
///   Closed (server) /  Closed                        Closed
///   ClosedAwaitingEof (client)
///
///   Open ── violation, EOF, keepalive timeout ──► Closed
/// ```
///
/// However it gets there, a connection that reaches `Closed` reports it once
/// with [`Event::Closed`](crate::Event::Closed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum State {
    /// OPEN: data can flow both ways.
    Open,
    /// CLOSING: we sent Close and wait for the peer's (data can still be
    /// received).
    Closing,
    /// Client: the close handshake is done; the server should close the
    /// transport. Keep reading until EOF; the machine gives up after
    /// [`Config::close_linger`](crate::Config::close_linger).
    ClosedAwaitingEof,
    /// CLOSED: nothing more happens. Close the transport once the output is
    /// written.
    Closed,
}

/// What a clock reading asks the connection to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tick {
    Nothing,
    /// Keepalive: the peer has been quiet for the idle span; send a ping.
    Ping,
}

impl Phase {
    /// OPEN, keepalive not started.
    pub(crate) const OPEN: Phase = Phase::Open {
        watch: Watch::Unarmed,
        at: 0,
    };

    const fn closed(code: CloseCode, clean: bool, cause: CloseCause) -> Phase {
        Phase::Closed {
            outcome: CloseOutcome { code, clean, cause },
            reported: false,
        }
    }

    pub(crate) fn public(&self) -> State {
        match self {
            Phase::Open { .. } => State::Open,
            Phase::CloseSent { .. } => State::Closing,
            Phase::AwaitingEof { .. } => State::ClosedAwaitingEof,
            Phase::Closed { .. } => State::Closed,
        }
    }

    /// OPEN (RFC 6455 §4): data may still be sent.
    #[inline]
    pub(crate) fn is_open(&self) -> bool {
        matches!(self, Phase::Open { .. })
    }

    /// Incoming frames are still processed (until the peer's Close).
    #[inline]
    pub(crate) fn is_reading(&self) -> bool {
        matches!(self, Phase::Open { .. } | Phase::CloseSent { .. })
    }

    pub(crate) fn outcome(&self) -> Option<CloseOutcome> {
        match *self {
            Phase::Closed { outcome, .. } => Some(outcome),
            _ => None,
        }
    }

    /// The outcome, the first time it is asked for after the connection
    /// closed.
    #[inline]
    pub(crate) fn take_report(&mut self) -> Option<CloseOutcome> {
        match self {
            Phase::Closed { outcome, reported } if !*reported => {
                *reported = true;
                Some(*outcome)
            }
            _ => None,
        }
    }

    /// We queued our Close: OPEN → CLOSING. The close timeout starts.
    pub(crate) fn close_sent(&mut self) {
        debug_assert!(self.is_open());
        *self = Phase::CloseSent {
            deadline: Deadline::UNARMED,
        };
    }

    /// The peer's valid Close arrived. Returns whether we must answer it with
    /// a Close of our own.
    pub(crate) fn peer_close(&mut self, role: Role, code: Option<CloseCode>) -> bool {
        // RFC 6455 §5.5.1: "If an endpoint receives a Close frame and did not
        // previously send a Close frame, the endpoint MUST send a Close frame
        // in response".
        let reply = self.is_open();
        let initiated_locally = !reply;
        let code = code.unwrap_or(CloseCode::NO_STATUS);
        *self = match role {
            // RFC 6455 §7.1.1: "the underlying TCP connection, in most normal
            // cases, SHOULD be closed first by the server".
            Role::Server => Phase::closed(code, true, CloseCause::Handshake { initiated_locally }),
            Role::Client => Phase::AwaitingEof {
                code,
                initiated_locally,
                deadline: Deadline::UNARMED,
            },
        };
        reply
    }

    /// _Fail the WebSocket Connection_ (RFC 6455 §7.1.7) for the peer's
    /// violation. Returns whether a Close frame may still be sent (none went
    /// out yet).
    pub(crate) fn fail(&mut self, error: ProtocolError) -> bool {
        let may_send_close = self.is_open();
        *self = Phase::closed(CloseCode::ABNORMAL, false, CloseCause::Violation(error));
        may_send_close
    }

    /// The transport ended. Before the close handshake completed this is an
    /// abnormal closure (1006).
    pub(crate) fn eof(&mut self) {
        *self = match *self {
            Phase::Open { .. } | Phase::CloseSent { .. } => {
                Phase::closed(CloseCode::ABNORMAL, false, CloseCause::Eof)
            }
            Phase::AwaitingEof {
                code,
                initiated_locally,
                ..
            } => Phase::closed(code, true, CloseCause::Handshake { initiated_locally }),
            closed @ Phase::Closed { .. } => closed,
        }
    }

    /// A clock reading: arms and checks the deadline of the current state.
    /// `heard`: bytes arrived from the peer since the last reading.
    pub(crate) fn clock(&mut self, now: Nanos, settings: &Settings, heard: bool) -> Tick {
        match self {
            Phase::Closed { .. } => {}
            Phase::CloseSent { deadline } => {
                if deadline.check(now, settings.close_timeout()) {
                    *self = Phase::closed(CloseCode::ABNORMAL, false, CloseCause::CloseTimeout);
                }
            }
            Phase::AwaitingEof {
                code,
                initiated_locally,
                deadline,
            } => {
                // RFC 6455 §7.1.1: the client waits for the server to close
                // TCP, then closes itself after a reasonable time.
                if deadline.check(now, settings.close_linger()) {
                    let cause = CloseCause::Handshake {
                        initiated_locally: *initiated_locally,
                    };
                    *self = Phase::closed(*code, true, cause);
                }
            }
            Phase::Open { watch, at } => {
                let Some((idle, timeout)) = settings.keepalive() else {
                    return Tick::Nothing;
                };
                if heard || *watch == Watch::Unarmed {
                    *watch = Watch::Heard;
                    *at = now;
                }
                match *watch {
                    Watch::PingSent if now >= at.saturating_add(timeout) => {
                        let cause = CloseCause::KeepaliveTimeout;
                        *self = Phase::closed(CloseCode::ABNORMAL, false, cause);
                    }
                    Watch::Heard if now >= at.saturating_add(idle) => {
                        *watch = Watch::PingSent;
                        *at = now;
                        return Tick::Ping;
                    }
                    _ => {}
                }
            }
        }
        Tick::Nothing
    }

    /// When the state next needs the clock: `None` for never, a time not
    /// later than `now` for at once.
    pub(crate) fn wake_at(&self, now: Nanos, settings: &Settings) -> Option<Nanos> {
        match *self {
            Phase::Closed { .. } => None,
            Phase::CloseSent { deadline } => Some(deadline.wake_at(now)),
            Phase::AwaitingEof { deadline, .. } => Some(deadline.wake_at(now)),
            Phase::Open { watch, at } => {
                let (idle, timeout) = settings.keepalive()?;
                Some(match watch {
                    Watch::Unarmed => now,
                    Watch::PingSent => at.saturating_add(timeout),
                    Watch::Heard => at.saturating_add(idle),
                })
            }
        }
    }
}
