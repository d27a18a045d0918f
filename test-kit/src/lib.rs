//! The test kit of wsmachine: what its tests, fuzz targets and benchmarks
//! share, so that no helper is written twice and drifts.
//!
//! - test randomness: [`TestRng`] (a fixed sequence), [`FixedRng`] (a fixed
//!   pattern, for known keys);
//! - frames written and read by hand, independently of the library:
//!   [`encode_frame`], [`client_frame`], [`server_frame`], [`peer_frame`],
//!   and the walker [`walk`] with [`frames`], [`last_frame`] and
//!   [`sent_close_code`] on top;
//! - events copied out of a connection ([`Ev`]), and bytes fed in as a
//!   driver would ([`feed`], [`feed_split`], [`drain`], …);
//! - the failure check: [`assert_fails`] / [`assert_failed`];
//! - connections alone ([`server`], [`client`], [`connection`]) or joined
//!   in memory ([`Pair`]), including a pair that starts with the opening
//!   handshake ([`Pair::handshake`], [`Handshake`]) and one that runs an
//!   agreed extension ([`Pair::negotiated`]);
//! - handshake requests fed to a server machine ([`request_with`],
//!   [`upgrade`], [`rejection`]).
//!
//! Integration tests start with `use wsmachine_testkit::*;`. Helpers panic
//! with a message on anything unexpected: that is the test failing.

mod event;
mod failure;
mod feed;
mod frame;
mod handshake;
mod pair;
mod rng;

pub use event::{
    handshake_closed, join_chunks, join_chunks_cut, violation_outcome, whole_message, Ev,
};
pub use failure::{assert_failed, assert_fails};
pub use feed::{
    drain, feed, feed_buffered, feed_received, feed_split, feed_split_buffered, poll_events,
    poll_final,
};
pub use frame::{
    client_frame, encode_frame, frames, last_frame, peer_frame, raw_frame, sent_close_code,
    server_frame, walk, FrameWalker, WireFrame,
};
pub use handshake::{rejection, request_with, server_feed, upgrade, Handshake};
pub use pair::{agreed_codecs, client, connection, server, Pair};
pub use rng::{FixedRng, TestRng};
