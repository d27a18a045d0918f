//! The small public wire types on their own: the frame header codec, close
//! codes and the incremental UTF-8 validator.

use wsmachine::frame::{FrameHeader, MAX_HEADER_LEN};
use wsmachine::{CloseCode, OpCode, Status};

#[test]
fn every_field_round_trips() {
    let opcodes = [
        OpCode::Continuation,
        OpCode::Text,
        OpCode::Binary,
        OpCode::Close,
        OpCode::Ping,
        OpCode::Pong,
    ];
    let mut out = [0u8; MAX_HEADER_LEN];
    for opcode in opcodes {
        for rsv in 0..8 {
            for mask in [None, Some([0xA1, 0x07, 0x5C, 0xE3])] {
                for payload_len in [0, 1, 125, 126, 0xFFFF, 0x1_0000, u64::MAX >> 1] {
                    let control = opcode.is_control();
                    if control && payload_len > 125 {
                        continue;
                    }
                    for fin in [true, false] {
                        if control && !fin {
                            continue;
                        }
                        let h = FrameHeader {
                            fin,
                            rsv,
                            opcode,
                            mask,
                            payload_len,
                        };
                        let n = h.encode(&mut out);
                        assert_eq!(FrameHeader::decode(&out[..n]), Ok(Status::Complete((h, n))));
                    }
                }
            }
        }
    }
}

#[test]
fn first_byte_layout() {
    // RSV1 is 0x40, RSV2 0x20, RSV3 0x10 (RFC 6455 §5.2).
    let mut out = [0u8; MAX_HEADER_LEN];
    for (rsv, first) in [(0b100, 0xC1), (0b010, 0xA1), (0b001, 0x91), (0b111, 0xF1)] {
        let h = FrameHeader {
            fin: true,
            rsv,
            opcode: OpCode::Text,
            mask: None,
            payload_len: 0,
        };
        assert_eq!(h.encode(&mut out), 2);
        assert_eq!(out[..2], [first, 0x00]);
    }
}

#[test]
fn close_codes_convert_and_print_as_numbers() {
    assert_eq!(u16::from(CloseCode::GOING_AWAY), 1001);
    assert_eq!(CloseCode::from(4000), CloseCode(4000));
    assert_eq!(format!("{}", CloseCode::MESSAGE_TOO_BIG), "1009");
    assert_eq!(format!("{:?}", CloseCode::NORMAL), "CloseCode(1000)");
}
