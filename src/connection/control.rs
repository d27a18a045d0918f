//! Control frames once whole: a Close's payload checked, a ping answered
//! (RFC 6455 §5.5).

use super::frames::{Pending, Source};
use super::Connection;
use crate::close_code::CloseCode;
use crate::error::Violation;
use crate::frame::OpCode;

impl Connection {
    /// Acts on a whole control frame: validates a Close, queues replies.
    pub(super) fn control_frame(
        &mut self,
        opcode: OpCode,
        src: Source,
        payload: &[u8],
    ) -> Result<Pending, Violation> {
        match opcode {
            OpCode::Ping => {
                // RFC 6455 §5.5.2: "Upon receipt of a Ping frame, an endpoint MUST
                // send a Pong frame in response, unless it already received a
                // Close frame." Once we sent Close we send nothing more.
                if self.settings.auto_pong {
                    self.push_auto_pong(payload);
                }
            }
            OpCode::Pong => {}
            _ => {
                let (code, reason) = close_payload(payload)?;
                self.on_peer_close(code, reason);
            }
        }
        Ok(Pending::Control(opcode, src))
    }
}

/// The code and reason of a Close frame's payload, checked.
pub(super) fn close_payload(payload: &[u8]) -> Result<(Option<CloseCode>, &str), Violation> {
    match payload.len() {
        0 => Ok((None, "")),
        // RFC 6455 §5.5.1: if there is a body, "the first two bytes of the
        // body MUST be a 2-byte unsigned integer".
        1 => Err(Violation::CloseTooShort),
        _ => {
            let code = u16::from_be_bytes([payload[0], payload[1]]);
            if !CloseCode(code).is_allowed_on_wire() {
                return Err(Violation::InvalidCloseCode(code));
            }
            // The reason is UTF-8 (§5.5.1); invalid data fails with 1007 (§8.1).
            let reason = core::str::from_utf8(&payload[2..]).map_err(|_| Violation::InvalidUtf8)?;
            Ok((Some(CloseCode(code)), reason))
        }
    }
}
