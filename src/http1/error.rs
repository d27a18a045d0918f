//! Why a complete header block is not an HTTP/1.x message. The handshake
//! turns these into its own error kinds, with the status to answer.

/// What httparse refused in a complete header block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ParseError {
    /// More header fields than the parser's table holds.
    TooManyHeaders,
    /// Not a well-formed HTTP/1.x message (including obsolete line folding).
    Malformed,
}
