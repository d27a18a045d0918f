//! Differential: a byte stream cut into frames by our decoder and by
//! tungstenite's (an independent implementation) must give the same frames —
//! FIN, RSV, opcode, masking key and unmasked payload — and stop at the same
//! offset, both accepting a partial frame or both rejecting.
//!
//! tungstenite's `FrameHeader::parse` decodes the bits and rejects reserved
//! opcodes; it leaves the other header-only rules of RFC 6455 §5.2 and §5.5
//! to its protocol layer or does not check them. The reference applies them
//! on top of its decoding, each written out below:
//! - a control frame must have FIN and at most 125 bytes (§5.5);
//! - a 64-bit length must have the top bit clear (§5.2);
//! - the length must be minimal (§5.2): tungstenite re-encodes minimally, so
//!   the header must equal its own re-encoding.
//!
//! Our decoder sees a bad opcode, FIN or control length in the first two
//! bytes, where tungstenite waits for the whole header; the reference
//! applies those rules as soon as two bytes are in.
#![no_main]

use std::io::Cursor;

use libfuzzer_sys::fuzz_target;
use tungstenite::protocol::frame::coding::{Control, Data, OpCode};
use tungstenite::protocol::frame::{Frame, FrameHeader as TheirHeader};
use wsmachine::frame::FrameHeader;
use wsmachine::Status;

#[derive(Debug, PartialEq, Eq)]
struct Decoded {
    fin: bool,
    rsv: u8,
    opcode: u8,
    mask: Option<[u8; 4]>,
    payload: Vec<u8>,
}

#[derive(Debug, PartialEq, Eq)]
enum End {
    /// All bytes were whole frames.
    Done,
    /// The frame at this offset is incomplete.
    Partial(usize),
    /// The frame at this offset is invalid.
    Reject(usize),
}

fuzz_target!(|data: &[u8]| {
    let (decoded, peak) = wsmachine_fuzz::peak_heap(|| ours(data));
    // Our side allocates only the harness's copies: a 32-byte record per
    // frame (a frame takes at least 2 input bytes) in a vector grown by
    // doubling, and the payloads, which are input bytes.
    let bound = 64 * data.len() + 1024;
    assert!(peak <= bound, "heap peak {peak} over {bound}");
    assert_eq!(decoded, theirs(data));
});

fn ours(data: &[u8]) -> (Vec<Decoded>, End) {
    let mut frames = Vec::new();
    let mut pos = 0;
    while pos < data.len() {
        let (h, n) = match FrameHeader::decode(&data[pos..]) {
            Ok(Status::Complete(r)) => r,
            Ok(Status::Partial) => return (frames, End::Partial(pos)),
            Err(_) => return (frames, End::Reject(pos)),
        };
        let start = pos + n;
        let Some(end) = usize::try_from(h.payload_len)
            .ok()
            .and_then(|len| start.checked_add(len))
            .filter(|&end| end <= data.len())
        else {
            return (frames, End::Partial(pos));
        };
        let mut payload = data[start..end].to_vec();
        if let Some(key) = h.mask {
            wsmachine::fuzzing::apply_mask(&mut payload, key, 0);
        }
        frames.push(Decoded {
            fin: h.fin,
            rsv: h.rsv,
            opcode: h.opcode.as_u8(),
            mask: h.mask,
            payload,
        });
        pos = end;
    }
    (frames, End::Done)
}

fn is_control(op: OpCode) -> bool {
    matches!(op, OpCode::Control(_))
}

fn is_reserved(op: OpCode) -> bool {
    matches!(
        op,
        OpCode::Control(Control::Reserved(_)) | OpCode::Data(Data::Reserved(_))
    )
}

/// The rules decidable from the first two bytes.
fn early_reject(b0: u8, b1: u8) -> bool {
    let op = OpCode::from(b0 & 0x0F);
    is_reserved(op) || (is_control(op) && (b0 & 0x80 == 0 || b1 & 0x7F > 125))
}

fn theirs(data: &[u8]) -> (Vec<Decoded>, End) {
    let mut frames = Vec::new();
    let mut pos = 0;
    while pos < data.len() {
        let rest = &data[pos..];
        if rest.len() >= 2 && early_reject(rest[0], rest[1]) {
            return (frames, End::Reject(pos));
        }
        let mut cursor = Cursor::new(rest);
        let (header, len) = match TheirHeader::parse(&mut cursor) {
            Ok(Some(r)) => r,
            Ok(None) => return (frames, End::Partial(pos)),
            Err(_) => return (frames, End::Reject(pos)),
        };
        let n = cursor.position() as usize;
        if len >> 63 != 0 {
            return (frames, End::Reject(pos));
        }
        let mut reencoded = Vec::new();
        header.format(len, &mut reencoded).expect("writes to a Vec");
        if reencoded != rest[..n] {
            return (frames, End::Reject(pos));
        }
        let start = pos + n;
        let Some(end) = usize::try_from(len)
            .ok()
            .and_then(|len| start.checked_add(len))
            .filter(|&end| end <= data.len())
        else {
            return (frames, End::Partial(pos));
        };
        // `Frame::format` applies the header's mask to the payload it writes:
        // given the masked bytes it writes them unmasked.
        let mut wire = Vec::new();
        Frame::from_payload(header.clone(), data[start..end].to_vec().into())
            .format(&mut wire)
            .expect("writes to a Vec");
        let payload = wire[wire.len() - (end - start)..].to_vec();
        frames.push(Decoded {
            fin: header.is_final,
            rsv: u8::from(header.rsv1) << 2 | u8::from(header.rsv2) << 1 | u8::from(header.rsv3),
            opcode: u8::from(header.opcode),
            mask: header.mask,
            payload,
        });
        pos = end;
    }
    (frames, End::Done)
}
