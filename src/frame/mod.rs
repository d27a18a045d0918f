//! The frame layer (RFC 6455 §5): the header, the opcode and payload masking.

mod header;
pub(crate) mod mask;
pub(crate) mod opcode;

pub use header::{FrameHeader, HeaderError, MAX_HEADER_LEN};
pub use opcode::OpCode;
