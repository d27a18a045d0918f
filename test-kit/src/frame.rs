//! Frames written and read by hand, independently of the library's encoder
//! and decoder.

use wsmachine::Role;

/// Appends a frame with `first_byte` (FIN, RSV, opcode) and `payload`, with
/// the shortest length form that fits, masked with `key` when given.
pub fn encode_frame(out: &mut Vec<u8>, first_byte: u8, payload: &[u8], key: Option<[u8; 4]>) {
    out.push(first_byte);
    let mask_bit = if key.is_some() { 0x80 } else { 0 };
    match payload.len() {
        n @ 0..=125 => out.push(mask_bit | n as u8),
        n @ 126..=0xFFFF => {
            out.push(mask_bit | 126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(mask_bit | 127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    match key {
        None => out.extend_from_slice(payload),
        Some(key) => {
            out.extend_from_slice(&key);
            out.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
        }
    }
}

/// One frame, as [`encode_frame`] writes it.
pub fn raw_frame(first_byte: u8, payload: &[u8], key: Option<[u8; 4]>) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 14);
    encode_frame(&mut out, first_byte, payload, key);
    out
}

/// A frame as a client sends it (masked).
pub fn client_frame(first_byte: u8, payload: &[u8]) -> Vec<u8> {
    raw_frame(first_byte, payload, Some([0xA1, 0x07, 0x5C, 0xE3]))
}

/// A frame as a server sends it (unmasked).
pub fn server_frame(first_byte: u8, payload: &[u8]) -> Vec<u8> {
    raw_frame(first_byte, payload, None)
}

/// A frame as the peer of `role` sends it: masked to a server, unmasked to a
/// client.
pub fn peer_frame(role: Role, first_byte: u8, payload: &[u8]) -> Vec<u8> {
    match role {
        Role::Server => client_frame(first_byte, payload),
        Role::Client => server_frame(first_byte, payload),
    }
}

/// One frame as it lies on the wire, borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WireFrame<'a> {
    /// FIN, RSV and opcode.
    pub first_byte: u8,
    /// The masking key of a masked frame.
    pub key: Option<[u8; 4]>,
    /// The payload as sent (masked if `key` is set).
    pub payload: &'a [u8],
}

impl WireFrame<'_> {
    /// The payload byte at `i`, unmasked.
    pub fn byte(&self, i: usize) -> u8 {
        self.payload[i] ^ self.key.map_or(0, |k| k[i % 4])
    }

    /// The payload, unmasked.
    pub fn unmasked(&self) -> Vec<u8> {
        (0..self.payload.len()).map(|i| self.byte(i)).collect()
    }

    /// The status code of a Close frame (FIN, no RSV bit) that has one.
    pub fn close_code(&self) -> Option<u16> {
        (self.first_byte == 0x88 && self.payload.len() >= 2)
            .then(|| u16::from_be_bytes([self.byte(0), self.byte(1)]))
    }
}

/// The frames of a byte stream, in order, without allocating (so that a
/// fuzz target can walk output inside a heap measurement).
///
/// Stops before a frame the bytes end inside; [`FrameWalker::rest`] then
/// holds it.
#[derive(Debug, Clone)]
pub struct FrameWalker<'a> {
    rest: &'a [u8],
}

/// Walks the frames of `wire`.
pub fn walk(wire: &[u8]) -> FrameWalker<'_> {
    FrameWalker { rest: wire }
}

impl<'a> FrameWalker<'a> {
    /// The bytes not walked yet: empty once every frame was whole.
    pub fn rest(&self) -> &'a [u8] {
        self.rest
    }

    fn next_frame(&self) -> Option<(WireFrame<'a>, &'a [u8])> {
        let (&first_byte, tail) = self.rest.split_first()?;
        let (&b1, tail) = tail.split_first()?;
        let (len, tail) = match b1 & 0x7F {
            126 => {
                let (n, tail) = split_array::<2>(tail)?;
                (u64::from(u16::from_be_bytes(n)), tail)
            }
            127 => {
                let (n, tail) = split_array::<8>(tail)?;
                (u64::from_be_bytes(n), tail)
            }
            n => (u64::from(n), tail),
        };
        let (key, tail) = if b1 & 0x80 != 0 {
            let (k, tail) = split_array::<4>(tail)?;
            (Some(k), tail)
        } else {
            (None, tail)
        };
        let len = usize::try_from(len).ok()?;
        let payload = tail.get(..len)?;
        let frame = WireFrame {
            first_byte,
            key,
            payload,
        };
        Some((frame, &tail[len..]))
    }
}

fn split_array<const N: usize>(bytes: &[u8]) -> Option<([u8; N], &[u8])> {
    let head = bytes.get(..N)?.try_into().ok()?;
    Some((head, &bytes[N..]))
}

impl<'a> Iterator for FrameWalker<'a> {
    type Item = WireFrame<'a>;

    fn next(&mut self) -> Option<WireFrame<'a>> {
        let (frame, rest) = self.next_frame()?;
        self.rest = rest;
        Some(frame)
    }
}

/// The last frame of `wire`, if `wire` is whole frames and not empty.
pub fn last_frame(wire: &[u8]) -> Option<WireFrame<'_>> {
    let mut frames = walk(wire);
    let last = frames.by_ref().last();
    if frames.rest().is_empty() {
        last
    } else {
        None
    }
}

/// Every frame in `wire` as (first byte, unmasked payload). Panics if
/// `wire` ends inside a frame.
#[track_caller]
pub fn frames(wire: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut walker = walk(wire);
    let all = walker
        .by_ref()
        .map(|f| (f.first_byte, f.unmasked()))
        .collect();
    assert_eq!(walker.rest(), [], "the bytes end inside a frame");
    all
}

/// The status code of the Close frame that ends `wire`. Panics if `wire`
/// is not whole frames ending with a Close.
#[track_caller]
pub fn sent_close_code(wire: &[u8]) -> Option<u16> {
    let all = frames(wire);
    let (b0, payload) = all.last().expect("no frame sent");
    assert_eq!(*b0, 0x88, "last frame is not a Close: {all:x?}");
    (payload.len() >= 2).then(|| u16::from_be_bytes([payload[0], payload[1]]))
}
