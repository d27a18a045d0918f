//! The frame layer: header encoding and decoding (RFC 6455 §5.2).

mod header;

pub use header::{FrameHeader, HeaderError, MAX_HEADER_LEN};
