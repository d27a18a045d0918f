//! Which end of the connection this machine plays.

/// The two roles of RFC 6455. They differ in masking (RFC 6455 §5.1) and in
/// who closes the TCP connection first (§7.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// The side that sent the opening handshake. Masks every frame it sends.
    Client,
    /// The side that accepted the opening handshake. Never masks.
    Server,
}

impl Role {
    /// Whether frames this role receives must be masked.
    #[inline]
    pub const fn expects_masked_input(self) -> bool {
        matches!(self, Role::Server)
    }
}
