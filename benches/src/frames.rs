//! The workloads' bytes: payloads, the masked frames a client sends, and the
//! browser's upgrade request. Encoded here and in the test kit
//! (`wsmachine-testkit`: the generator, the frame encoder), independently of
//! every library under test.

use wsmachine_testkit::{encode_frame, TestRng};

/// Payload sizes of the message rows.
pub const SIZES: [usize; 5] = [16, 125, 4 << 10, 64 << 10, 1 << 20];

/// What a message carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Binary,
    /// Text, all ASCII.
    Ascii,
    /// Text with two-, three- and four-byte code points mixed with ASCII.
    MultiByte,
}

impl Kind {
    pub fn is_text(self) -> bool {
        self != Kind::Binary
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::Binary => "binary",
            Kind::Ascii => "text ascii",
            Kind::MultiByte => "text multi-byte",
        }
    }
}

/// A payload of exactly `len` bytes of the given kind (valid UTF-8 for text).
pub fn payload(kind: Kind, len: usize, rng: &mut TestRng) -> Vec<u8> {
    match kind {
        Kind::Binary => (0..len).map(|_| rng.next_u64() as u8).collect(),
        Kind::Ascii => (0..len)
            .map(|_| b'a' + (rng.next_u64() % 26) as u8)
            .collect(),
        Kind::MultiByte => {
            // Roughly a Greek / CJK / emoji mix with spaces: about a third of
            // the bytes start a multi-byte code point.
            const PIECES: [&str; 6] = ["κόσμε", " ", "日本語", "x", "𝄞", "éa"];
            let mut s = String::with_capacity(len + 4);
            while s.len() < len {
                let p = PIECES[(rng.next_u64() % PIECES.len() as u64) as usize];
                if s.len() + p.len() <= len {
                    s.push_str(p);
                } else {
                    s.push('.');
                }
            }
            s.into_bytes()
        }
    }
}

/// Where one frame's payload lies in a stream, and its masking key.
#[derive(Debug, Clone, Copy)]
pub struct FrameAt {
    pub start: usize,
    pub len: usize,
    pub key: [u8; 4],
}

/// A stream of masked client frames: `count` messages of `size` bytes.
pub struct ClientStream {
    pub bytes: Vec<u8>,
    pub messages: usize,
    /// Every frame's payload, in order (for the limit rows).
    pub frames: Vec<FrameAt>,
}

/// Most messages in one pass: enough for a stable timing, few enough that
/// the slowest contender's pass stays short.
pub const MAX_MESSAGES: usize = 1 << 18;

/// About `total` bytes of masked client frames with `size`-byte payloads (at
/// most [`MAX_MESSAGES`] of them). Eight distinct payloads and fresh keys
/// rotate through the stream.
pub fn client_stream(kind: Kind, size: usize, total: usize) -> ClientStream {
    let mut rng = TestRng(0x9e37_79b9_7f4a_7c15 ^ size as u64);
    let payloads: Vec<Vec<u8>> = (0..8).map(|_| payload(kind, size, &mut rng)).collect();
    let header = 2
        + 4
        + if size < 126 {
            0
        } else if size <= 0xffff {
            2
        } else {
            8
        };
    let messages = (total / (size + header)).clamp(1, MAX_MESSAGES);
    let mut bytes = Vec::with_capacity(messages * (size + header));
    let opcode = if kind.is_text() { 1 } else { 2 };
    let mut frames = Vec::with_capacity(messages);
    for i in 0..messages {
        let key = (rng.next_u64() as u32).to_ne_bytes();
        encode_frame(&mut bytes, 0x80 | opcode, &payloads[i % 8], Some(key));
        frames.push(FrameAt {
            start: bytes.len() - size,
            len: size,
            key,
        });
    }
    ClientStream {
        bytes,
        messages,
        frames,
    }
}

/// Size of the browser's upgrade request.
pub const REQUEST_LEN: usize = 558;

/// A Chromium-style upgrade request with a permessage-deflate offer,
/// [`REQUEST_LEN`] bytes long.
pub fn chromium_request() -> Vec<u8> {
    let head = "GET /chat?room=bench HTTP/1.1\r\n\
        Host: server.example.com:8080\r\n\
        Connection: Upgrade\r\n\
        Pragma: no-cache\r\n\
        Cache-Control: no-cache\r\n\
        User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) \
        Chrome/131.0.0.0 Safari/537.36\r\n\
        Upgrade: websocket\r\n\
        Origin: https://server.example.com\r\n\
        Sec-WebSocket-Version: 13\r\n\
        Accept-Encoding: gzip, deflate, br, zstd\r\n\
        Accept-Language: en-US,en;q=0.9\r\n\
        Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
        Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\
        Cookie: session=";
    let mut request = head.as_bytes().to_vec();
    let pad = REQUEST_LEN - request.len() - 4;
    request.extend(std::iter::repeat_n(b'7', pad));
    request.extend_from_slice(b"\r\n\r\n");
    assert_eq!(request.len(), REQUEST_LEN);
    request
}
