//! The client side of the loopback benchmarks, over plain blocking sockets:
//! the upgrade request, pre-encoded masked frames, and a reader that takes
//! whole messages from a server. The same bytes go to every server, so the
//! client costs the same against each.

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, TcpStream};
use std::time::Duration;

use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use wsmachine::extension::deflate::DeflateConfig;
use wsmachine::extension::{parse_extensions, Negotiate};
use wsmachine::{Config, Connection, OsRandom};

/// The permessage-deflate offer of a browser (Chromium's).
pub const DEFLATE_OFFER: &str = "permessage-deflate; client_max_window_bits";

/// How long one read, write or connect may block.
const IO_TIMEOUT: Duration = Duration::from_secs(30);

/// The opening request for `addr`, with an extension offer if given.
pub fn request(addr: SocketAddr, extensions: Option<&str>) -> Vec<u8> {
    let offer = extensions.map_or_else(String::new, |e| {
        format!("Sec-WebSocket-Extensions: {e}\r\n")
    });
    format!(
        "GET / HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n{offer}\r\n"
    )
    .into_bytes()
}

/// A TCP connection from `source` (any port) to `server`, blocking, with
/// `TCP_NODELAY` and read and write timeouts. Spreading connections over
/// several 127.0.0.x sources keeps them clear of one address's ephemeral
/// ports.
pub fn connect_from(source: Ipv4Addr, server: SocketAddr) -> io::Result<TcpStream> {
    let socket = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP))?;
    socket.bind(&SockAddr::from(SocketAddrV4::new(source, 0)))?;
    socket.connect_timeout(&SockAddr::from(server), IO_TIMEOUT)?;
    let sock = TcpStream::from(socket);
    sock.set_nodelay(true)?;
    sock.set_read_timeout(Some(IO_TIMEOUT))?;
    sock.set_write_timeout(Some(IO_TIMEOUT))?;
    Ok(sock)
}

/// Reads from one socket: the response head, then whole messages.
pub struct Reader<'a> {
    sock: &'a mut TcpStream,
    /// Bytes read and not yet taken.
    buf: Vec<u8>,
}

impl<'a> Reader<'a> {
    /// A reader over `sock`, with nothing buffered.
    pub fn new(sock: &'a mut TcpStream) -> Self {
        Reader {
            sock,
            buf: Vec::new(),
        }
    }

    /// Writes all of `bytes` to the socket.
    pub fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.sock.write_all(bytes)
    }

    /// Bytes read and not yet taken.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Reads until at least `n` bytes are buffered.
    fn fill(&mut self, n: usize) -> io::Result<()> {
        while self.buf.len() < n {
            let old = self.buf.len();
            self.buf.resize(old + (n - old).max(16 << 10), 0);
            let got = self.sock.read(&mut self.buf[old..]);
            self.buf.truncate(old + *got.as_ref().unwrap_or(&0));
            if got? == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
        }
        Ok(())
    }

    /// Sends `request` and reads the response head; fails unless it is a
    /// 101 (and, when `extension` is given, unless it agrees to it).
    pub fn handshake(&mut self, request: &[u8], extension: Option<&str>) -> io::Result<()> {
        self.sock.write_all(request)?;
        let end = loop {
            if let Some(i) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            if self.buf.len() > 16 << 10 {
                return Err(io::Error::other("no end to the response head"));
            }
            let len = self.buf.len();
            self.fill(len + 1)?;
        };
        let head = String::from_utf8_lossy(&self.buf[..end]).to_ascii_lowercase();
        if !head.starts_with("http/1.1 101") {
            return Err(io::Error::other("the server refused the upgrade"));
        }
        if extension.is_some_and(|e| !head.contains(&e.to_ascii_lowercase())) {
            return Err(io::Error::other(
                "the server did not agree to the extension",
            ));
        }
        self.buf.drain(..end);
        Ok(())
    }

    /// Reads frames until a whole data message is in; returns its opcode and
    /// its payload's length on the wire. Pings and pongs are skipped; a
    /// Close is an error.
    pub fn message(&mut self) -> io::Result<(u8, usize)> {
        let (mut opcode, mut total) = (0, 0);
        loop {
            self.fill(2)?;
            let (b0, b1) = (self.buf[0], self.buf[1]);
            let (len, head) = match b1 & 0x7f {
                126 => {
                    self.fill(4)?;
                    (u16::from_be_bytes([self.buf[2], self.buf[3]]) as usize, 4)
                }
                127 => {
                    self.fill(10)?;
                    let mut n = [0u8; 8];
                    n.copy_from_slice(&self.buf[2..10]);
                    (u64::from_be_bytes(n) as usize, 10)
                }
                n => (n as usize, 2),
            };
            let head = head + if b1 & 0x80 != 0 { 4 } else { 0 };
            self.fill(head + len)?;
            self.buf.drain(..head + len);
            match b0 & 0x0f {
                0x8 => return Err(io::Error::other("the server closed the connection")),
                0x9 | 0xa => continue,
                0x0 => {}
                op => opcode = op,
            }
            total += len;
            if b0 & 0x80 != 0 {
                return Ok((opcode, total));
            }
        }
    }
}

/// A client connection as after a browser's permessage-deflate offer
/// ([`DEFLATE_OFFER`]) and wsmachine's default answer, compressing at
/// `level`.
pub fn deflate_client(level: u8) -> Connection {
    let mut cfg = DeflateConfig::default();
    cfg.level = level;
    let offer = parse_extensions(DEFLATE_OFFER.as_bytes()).expect("offer");
    let (answer, _) = cfg.accept_offers(&offer).expect("server side accepts");
    let codec = cfg
        .check_answers(&[answer])
        .expect("valid answer")
        .expect("agreed");
    Connection::client(Config::default(), OsRandom::new()).with_codec(Box::new(codec))
}

/// The frame of one text message sent by a fresh [`deflate_client`]: the
/// first message of a connection with permessage-deflate.
pub fn compressed_text_frame(text: &str, level: u8) -> Vec<u8> {
    let mut client = deflate_client(level);
    client.send_text(text).expect("send");
    client.poll_output().to_vec()
}
