//! The base framing header (RFC 6455 §5.2).
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-------+-+-------------+-------------------------------+
//! |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
//! |I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
//! |N|V|V|V|       |S|             |   (if payload len==126/127)   |
//! | |1|2|3|       |K|             |                               |
//! +-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
//! |     Extended payload length continued, if payload len == 127  |
//! + - - - - - - - - - - - - - - - +-------------------------------+
//! |                               |Masking-key, if MASK set to 1  |
//! +-------------------------------+-------------------------------+
//! ```
//!
//! This module checks what can be checked from the header alone. Rules that
//! depend on the connection (masking by role, RSV bits an extension claimed,
//! continuation order, size limits) are the connection's.

use super::opcode::OpCode;
use crate::status::Status;

/// The longest header: 2 fixed bytes, 8 length bytes, 4 mask bytes.
pub const MAX_HEADER_LEN: usize = 14;

/// A decoded frame header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    /// FIN: this is the final fragment of a message.
    pub fin: bool,
    /// RSV1, RSV2, RSV3 as the low three bits (RSV1 = `0b100`).
    pub rsv: u8,
    /// The opcode.
    pub opcode: OpCode,
    /// The masking key, when the MASK bit is set.
    pub mask: Option<[u8; 4]>,
    /// The payload length.
    pub payload_len: u64,
}

/// A header that no endpoint may accept, whatever was negotiated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HeaderError {
    /// An opcode from the reserved ranges `0x3`–`0x7` or `0xB`–`0xF`.
    ReservedOpcode(u8),
    /// A control frame without FIN (RFC 6455 §5.5: "All control frames ... MUST
    /// NOT be fragmented").
    FragmentedControl,
    /// A control frame with a payload over 125 bytes (RFC 6455 §5.5).
    ControlTooLong,
    /// A 64-bit length with the most significant bit set (RFC 6455 §5.2).
    LengthHighBit,
    /// A length not in its shortest form (RFC 6455 §5.2: "the minimal number of
    /// bytes MUST be used to encode the length").
    NonMinimalLength,
}

impl FrameHeader {
    /// Decodes a header from the front of `buf`.
    ///
    /// Returns `Status::Partial` when `buf` does not yet hold the whole header,
    /// and otherwise the header with the number of bytes it took.
    #[inline]
    pub fn decode(buf: &[u8]) -> Result<Status<(FrameHeader, usize)>, HeaderError> {
        let (b0, b1) = match buf {
            [b0, b1, ..] => (*b0, *b1),
            _ => return Ok(Status::Partial),
        };
        let fin = b0 & 0x80 != 0;
        let rsv = (b0 >> 4) & 0x7;
        let opcode = OpCode::from_u8(b0 & 0x0F).ok_or(HeaderError::ReservedOpcode(b0 & 0x0F))?;
        let masked = b1 & 0x80 != 0;
        let len7 = b1 & 0x7F;
        if opcode.is_control() {
            // RFC 6455 §5.5: "All control frames MUST have a payload length of
            // 125 bytes or less and MUST NOT be fragmented."
            if !fin {
                return Err(HeaderError::FragmentedControl);
            }
            if len7 > 125 {
                return Err(HeaderError::ControlTooLong);
            }
        }
        let ext = match len7 {
            126 => 2,
            127 => 8,
            _ => 0,
        };
        let need = 2 + ext + if masked { 4 } else { 0 };
        if buf.len() < need {
            return Ok(Status::Partial);
        }
        let payload_len = match ext {
            0 => u64::from(len7),
            2 => {
                let n = u64::from(u16::from_be_bytes([buf[2], buf[3]]));
                // RFC 6455 §5.2: "the minimal number of bytes MUST be used".
                if n < 126 {
                    return Err(HeaderError::NonMinimalLength);
                }
                n
            }
            _ => {
                let mut b = [0u8; 8];
                b.copy_from_slice(&buf[2..10]);
                let n = u64::from_be_bytes(b);
                // RFC 6455 §5.2: "the most significant bit MUST be 0".
                if n >> 63 != 0 {
                    return Err(HeaderError::LengthHighBit);
                }
                if n <= 0xFFFF {
                    return Err(HeaderError::NonMinimalLength);
                }
                n
            }
        };
        let mask = masked.then(|| {
            let m = &buf[2 + ext..need];
            [m[0], m[1], m[2], m[3]]
        });
        Ok(Status::Complete((
            FrameHeader {
                fin,
                rsv,
                opcode,
                mask,
                payload_len,
            },
            need,
        )))
    }

    /// Encodes the header into `out`, returning the number of bytes written
    /// (at most [`MAX_HEADER_LEN`]). Lengths always take their shortest form.
    pub fn encode(&self, out: &mut [u8; MAX_HEADER_LEN]) -> usize {
        out[0] = (u8::from(self.fin) << 7) | ((self.rsv & 0x7) << 4) | self.opcode.as_u8();
        let mask_bit = if self.mask.is_some() { 0x80 } else { 0 };
        let mut n = 2;
        match self.payload_len {
            len @ 0..=125 => out[1] = mask_bit | len as u8,
            len @ 126..=0xFFFF => {
                out[1] = mask_bit | 126;
                out[2..4].copy_from_slice(&(len as u16).to_be_bytes());
                n = 4;
            }
            len => {
                out[1] = mask_bit | 127;
                out[2..10].copy_from_slice(&len.to_be_bytes());
                n = 10;
            }
        }
        if let Some(key) = self.mask {
            out[n..n + 4].copy_from_slice(&key);
            n += 4;
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(buf: &[u8]) -> Result<Status<(FrameHeader, usize)>, HeaderError> {
        FrameHeader::decode(buf)
    }

    fn h(opcode: OpCode, len: u64, mask: Option<[u8; 4]>) -> FrameHeader {
        FrameHeader {
            fin: true,
            rsv: 0,
            opcode,
            mask,
            payload_len: len,
        }
    }

    #[test]
    fn rfc_length_examples() {
        // RFC 6455 §5.7: 256 bytes binary in a single unmasked message.
        assert_eq!(
            decode(&[0x82, 0x7E, 0x01, 0x00]),
            Ok(Status::Complete((h(OpCode::Binary, 256, None), 4)))
        );
        // 64 KiB binary in a single unmasked message.
        assert_eq!(
            decode(&[0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0]),
            Ok(Status::Complete((h(OpCode::Binary, 65536, None), 10)))
        );
        let mut out = [0u8; MAX_HEADER_LEN];
        let n = h(OpCode::Binary, 256, None).encode(&mut out);
        assert_eq!(&out[..n], &[0x82, 0x7E, 0x01, 0x00]);
        let n = h(OpCode::Binary, 65536, None).encode(&mut out);
        assert_eq!(&out[..n], &[0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0]);
    }

    #[test]
    fn every_prefix_of_a_header_is_partial() {
        let mut out = [0u8; MAX_HEADER_LEN];
        for len in [0, 125, 126, 65535, 65536, u64::MAX >> 1] {
            let hdr = h(OpCode::Binary, len, Some([1, 2, 3, 4]));
            let n = hdr.encode(&mut out);
            for cut in 0..n {
                assert_eq!(
                    decode(&out[..cut]),
                    Ok(Status::Partial),
                    "len {len} cut {cut}"
                );
            }
            assert_eq!(decode(&out[..n]), Ok(Status::Complete((hdr, n))));
        }
    }

    #[test]
    fn wire_level_violations() {
        assert_eq!(decode(&[0x83, 0x00]), Err(HeaderError::ReservedOpcode(3)));
        assert_eq!(decode(&[0x8F, 0x00]), Err(HeaderError::ReservedOpcode(0xF)));
        assert_eq!(decode(&[0x09, 0x00]), Err(HeaderError::FragmentedControl));
        assert_eq!(decode(&[0x89, 0x7E]), Err(HeaderError::ControlTooLong));
        assert_eq!(
            decode(&[0x82, 0x7E, 0x00, 0x7D]),
            Err(HeaderError::NonMinimalLength)
        );
        assert_eq!(
            decode(&[0x82, 0x7F, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF]),
            Err(HeaderError::NonMinimalLength)
        );
        assert_eq!(
            decode(&[0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0]),
            Err(HeaderError::LengthHighBit)
        );
        // 125 is the largest control payload and is fine.
        assert!(matches!(
            decode(&[0x89, 0x7D]),
            Ok(Status::Partial) | Ok(Status::Complete(_))
        ));
    }
}
