#!/usr/bin/env python3
"""Writes the seed corpora (fuzz/corpus/<target>/seed-*) from the test vectors:
the RFC 6455 examples, the real requests and responses of tests/handshake.rs,
and the extension values of the unit tests. Run from the repository root;
the fuzzers grow the corpora from these.

Targets that take "bytes in arbitrary splits" read two bytes first (flags and
the number of cut points, see fuzz/src/lib.rs); seeds use a few settings.
"""

import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def frame(first, payload, key=None):
    """One frame, with the shortest length form, masked when a key is given."""
    n = len(payload)
    mask_bit = 0x80 if key else 0
    if n < 126:
        head = bytes([first, mask_bit | n])
    elif n < 65536:
        head = bytes([first, mask_bit | 126]) + struct.pack(">H", n)
    else:
        head = bytes([first, mask_bit | 127]) + struct.pack(">Q", n)
    if key:
        return head + bytes(key) + bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    return head + payload


KEY = [0x37, 0xFA, 0x21, 0x3D]  # RFC 6455 §5.7


def stream(key):
    """The RFC 6455 §5.7 examples and the cases around them, as one stream each."""
    f = lambda first, payload: frame(first, payload, key)
    return {
        "hello": f(0x81, b"Hello"),
        "fragmented": f(0x01, b"Hel") + f(0x80, b"lo"),
        "ping-pong": f(0x89, b"Hello") + f(0x8A, b"Hello"),
        "binary-256": f(0x82, bytes(256)),
        "binary-64k-header-only": f(0x82, bytes(65536))[:14],
        "ping-inside-fragments": f(0x01, b"Hel") + f(0x89, b"") + f(0x80, b"lo"),
        "close-1000": f(0x88, struct.pack(">H", 1000) + b"bye"),
        "close-empty": f(0x88, b""),
        "close-1005": f(0x88, struct.pack(">H", 1005)),
        "close-bad-utf8": f(0x88, struct.pack(">H", 1000) + b"\xff"),
        "text-bad-utf8": f(0x81, b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80edited"),
        "text-split-codepoint": f(0x01, b"\xce") + f(0x80, b"\xba"),
        "reserved-opcode": f(0x83, b""),
        "rsv1": f(0xC1, b"x"),
        "long-ping": bytes([0x89, (0x80 if key else 0) | 126, 0, 126]) + bytes(key or []) + bytes(126),
        "huge-length": bytes([0x82, (0x80 if key else 0) | 127]) + b"\x7f" + b"\xff" * 7 + bytes(key or []),
        "ping-flood": f(0x89, b"p" * 125) * 20,
        "many-fragments": f(0x02, b"a") + f(0x00, b"b") * 50 + f(0x80, b"c"),
    }


def split_input(flags, cuts, data):
    return bytes([flags, len(cuts)]) + b"".join(struct.pack("<H", c) for c in cuts) + data


CHROMIUM = (
    b"GET /chat HTTP/1.1\r\nHost: localhost:8080\r\nConnection: Upgrade\r\n"
    b"Pragma: no-cache\r\nCache-Control: no-cache\r\n"
    b"User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36\r\n"
    b"Upgrade: websocket\r\nOrigin: http://localhost:8080\r\nSec-WebSocket-Version: 13\r\n"
    b"Accept-Encoding: gzip, deflate, br, zstd\r\nAccept-Language: en-US,en;q=0.9\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    b"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n"
)
RFC_REQUEST = (
    b"GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\n"
    b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    b"Origin: http://example.com\r\nSec-WebSocket-Protocol: chat, superchat\r\n"
    b"Sec-WebSocket-Version: 13\r\n\r\n"
)
PLAIN_GET = b"GET /index.html HTTP/1.1\r\nHost: example.com\r\n\r\n"
NODE_101 = (
    b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"
)
# After the status line and accept value the target writes for flag bit 0.
REST_OF_101 = b"Upgrade: websocket\r\nConnection: Upgrade\r\n"
REFUSALS = {
    "403-length": b"HTTP/1.1 403 Forbidden\r\nContent-Length: 5\r\n\r\nnope!",
    "401-chunked": b"HTTP/1.1 401 Unauthorized\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nauth\r\n0\r\n\r\n",
    "500-eof": b"HTTP/1.1 500 Internal Server Error\r\n\r\nbody until the end",
    "100-then-101": b"HTTP/1.1 100 Continue\r\n\r\n" + NODE_101,
    "302": b"HTTP/1.1 302 Found\r\nLocation: wss://other.example/chat\r\nContent-Length: 0\r\n\r\n",
}
EXTENSIONS = [
    b"permessage-deflate",
    b"permessage-deflate; client_max_window_bits",
    b"permessage-deflate; client_max_window_bits=10; server_no_context_takeover, permessage-deflate",
    b'x-foo; a="1", , x-bar;b',
    b'a; b="\\"q\\""',
    b"a;;b",
    b"",
]


# RFC 7692 §7.2.3: (first byte, payload) of each frame.
HELLO = bytes([0xF2, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00])
DEFLATE = {
    "hello": [(0xC1, HELLO)],
    "fragmented": [(0x41, HELLO[:3]), (0x80, HELLO[3:])],
    "shared-window": [(0xC1, HELLO), (0xC1, bytes([0xF2, 0x00, 0x11, 0x00, 0x00]))],
    "stored": [(0xC1, bytes([0x00, 0x05, 0x00, 0xFA, 0xFF]) + b"Hello" + b"\x00")],
    "bfinal": [(0xC1, bytes([0xF3, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00, 0x00]))],
    "two-blocks": [(0xC1, bytes([0xF2, 0x48, 0x05, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xCA, 0xC9, 0xC9, 0x07, 0x00]))],
    "ping-between": [(0x41, HELLO[:3]), (0x89, b"p"), (0x80, HELLO[3:])],
    "empty": [(0xC2, b"\x00")],
}


def write(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def main():
    for name, data in stream(KEY).items():
        write("connection_server", name, split_input(0, [], data))
        write("frame_differential", name, data)
        write("frame_header", name, data[:14])
    for name, data in stream(None).items():
        write("connection_client", name, split_input(0, [], data))
        write("frame_differential", "unmasked-" + name, data)
    # Delivery modes, caller buffer, no output drained, EOF, clock, limits.
    hello = stream(KEY)["fragmented"] + stream(KEY)["ping-inside-fragments"]
    for flags in [0b1, 0b10, 0b1000, 0b10000, 0b100000, 0b01000000, 0b10000001]:
        write("connection_server", "flags-%02x" % flags, split_input(flags, [3, 7, 8], hello))
        write("connection_client", "flags-%02x" % flags,
              split_input(flags, [3, 7, 8], stream(None)["fragmented"] + stream(None)["ping-pong"]))
    # permessage-deflate: RFC 7692 §7.2.3's examples, to a server (masked,
    # role byte 0) and to a client (role byte 1).
    for name, data in DEFLATE.items():
        write("connection_deflate", "server-" + name,
              b"\x00" + split_input(0, [], b"".join(frame(b0, p, KEY) for b0, p in data)))
        write("connection_deflate", "client-" + name,
              b"\x01" + split_input(0, [4], b"".join(frame(b0, p) for b0, p in data)))
    for name, req in [("chromium", CHROMIUM), ("rfc", RFC_REQUEST), ("plain-get", PLAIN_GET)]:
        write("handshake_server", name, split_input(0, [], req))
        write("handshake_server", name + "-accept-split", split_input(3, [10, 11, 60], req + frame(0x81, b"hi", KEY)))
    # The densest lists: the most heap per header byte (flags 3: accept the
    # first subprotocol and extension).
    start = RFC_REQUEST[: RFC_REQUEST.index(b"Origin")] + b"Sec-WebSocket-Version: 13\r\n"
    for name, line in [
        ("worst-extension-params", b"Sec-WebSocket-Extensions: a" + b";b" * 1900),
        ("worst-subprotocols", b"Sec-WebSocket-Protocol: a" + b",b" * 1900),
        ("worst-extensions", b"Sec-WebSocket-Extensions: a" + b",b" * 1900),
    ]:
        request = start + line[: 4096 - len(start) - 4] + b"\r\n\r\n"
        write("handshake_server", name, split_input(3, [], request))
    write("handshake_server", "too-many-headers",
          split_input(0, [], b"GET / HTTP/1.1\r\n" + b"X: y\r\n" * 40 + b"\r\n"))
    write("handshake_client", "node-101", split_input(0, [], NODE_101))
    write("handshake_client", "valid-101-with-frame", split_input(1, [], REST_OF_101 + b"\r\n" + frame(0x81, b"hi")))
    write("handshake_client", "valid-101-protocol", split_input(1, [5], REST_OF_101 + b"Sec-WebSocket-Protocol: chat\r\n"
          b"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=10\r\n\r\n"))
    for name, resp in REFUSALS.items():
        write("handshake_client", name, split_input(2, [7], resp))
    for i, value in enumerate(EXTENSIONS):
        write("extensions", "value-%d" % i, value)
    # The structured target decodes any bytes; seed it with a few patterns.
    for i in range(4):
        write("pair", "bytes-%d" % i, bytes((i * 37 + j * 11) % 256 for j in range(64 * (i + 1))))


if __name__ == "__main__":
    main()
