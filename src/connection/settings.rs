//! The connection's copy of its [`Config`], packed so that the connection
//! stays small (`size_of::<Connection>()` within 256 bytes): the four
//! timeouts as `u32` milliseconds instead of 16-byte `Duration`s, the flags
//! and the role in the bytes after them. Times on the connection's clock are
//! `u64` nanoseconds of the caller's clock.

use core::time::Duration;

use crate::config::{Config, Delivery, Keepalive};
use crate::role::Role;

/// A time or a span on the caller's clock, in nanoseconds (584 years).
pub(crate) type Nanos = u64;

/// `d` in nanoseconds, saturating.
pub(crate) fn nanos(d: Duration) -> Nanos {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// `d` in whole milliseconds, rounded up so that a timeout never fires early,
/// saturating at `u32::MAX` (49.7 days).
fn millis(d: Duration) -> u32 {
    u32::try_from(d.as_nanos().div_ceil(1_000_000)).unwrap_or(u32::MAX)
}

fn from_millis(ms: u32) -> Duration {
    Duration::from_millis(u64::from(ms))
}

fn millis_nanos(ms: u32) -> Nanos {
    u64::from(ms) * 1_000_000
}

/// [`Config`] and the role, as the connection keeps them.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) max_frame_size: u64,
    pub(crate) max_message_size: u64,
    pub(crate) max_output_buffer: usize,
    pub(crate) buffer_retain: usize,
    /// `Config::max_chunk_size`, between 1 and `u32::MAX`.
    max_chunk_size: u32,
    close_timeout: u32,
    close_linger: u32,
    keepalive_idle: u32,
    keepalive_timeout: u32,
    pub(crate) delivery: Delivery,
    pub(crate) auto_pong: bool,
    keepalive: bool,
    pub(crate) role: Role,
}

impl Settings {
    pub(crate) fn new(role: Role, c: &Config) -> Settings {
        Settings {
            max_frame_size: c.max_frame_size,
            max_message_size: c.max_message_size,
            max_output_buffer: c.max_output_buffer,
            buffer_retain: c.buffer_retain,
            max_chunk_size: u32::try_from(c.max_chunk_size).unwrap_or(u32::MAX).max(1),
            close_timeout: millis(c.close_timeout),
            close_linger: millis(c.close_linger),
            keepalive_idle: c.keepalive.map_or(0, |k| millis(k.idle)),
            keepalive_timeout: c.keepalive.map_or(0, |k| millis(k.timeout)),
            delivery: c.delivery,
            auto_pong: c.auto_pong,
            keepalive: c.keepalive.is_some(),
            role,
        }
    }

    /// The configuration, rebuilt (timeouts in whole milliseconds).
    pub(crate) fn config(&self) -> Config {
        Config {
            max_frame_size: self.max_frame_size,
            max_message_size: self.max_message_size,
            max_output_buffer: self.max_output_buffer,
            buffer_retain: self.buffer_retain,
            delivery: self.delivery,
            max_chunk_size: self.max_chunk_size(),
            auto_pong: self.auto_pong,
            close_timeout: from_millis(self.close_timeout),
            close_linger: from_millis(self.close_linger),
            keepalive: self.keepalive.then(|| Keepalive {
                idle: from_millis(self.keepalive_idle),
                timeout: from_millis(self.keepalive_timeout),
            }),
        }
    }

    pub(crate) fn max_chunk_size(&self) -> usize {
        usize::try_from(self.max_chunk_size).unwrap_or(usize::MAX)
    }

    pub(crate) fn close_timeout(&self) -> Nanos {
        millis_nanos(self.close_timeout)
    }

    pub(crate) fn close_linger(&self) -> Nanos {
        millis_nanos(self.close_linger)
    }

    /// Keepalive's idle span and ping timeout, if it is on.
    pub(crate) fn keepalive(&self) -> Option<(Nanos, Nanos)> {
        self.keepalive.then(|| {
            (
                millis_nanos(self.keepalive_idle),
                millis_nanos(self.keepalive_timeout),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_survives_the_round_trip_in_whole_milliseconds() {
        let c = Config {
            max_frame_size: 1 << 40,
            buffer_retain: 7,
            delivery: Delivery::Chunks,
            auto_pong: false,
            close_linger: Duration::from_micros(1500),
            keepalive: Some(Keepalive {
                idle: Duration::from_secs(30),
                timeout: Duration::ZERO,
            }),
            ..Config::default()
        };
        let back = Settings::new(Role::Client, &c).config();
        let mut expect = c.clone();
        // Rounded up, never down: a timeout does not fire early.
        expect.close_linger = Duration::from_millis(2);
        assert_eq!(back, expect);
        assert_eq!(
            Settings::new(Role::Server, &Config::default()).config(),
            Config::default()
        );
    }

    #[test]
    fn spans_saturate() {
        assert_eq!(nanos(Duration::MAX), u64::MAX);
        assert_eq!(millis(Duration::MAX), u32::MAX);
        assert_eq!(millis(Duration::from_nanos(1)), 1);
        assert_eq!(millis(Duration::ZERO), 0);
    }
}
