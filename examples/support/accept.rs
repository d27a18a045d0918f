//! What the example servers agree to in the handshake.

use wsmachine::handshake::Accept;

/// No subprotocol; permessage-deflate when built with the `deflate` feature
/// (browsers always offer it).
pub(crate) fn options() -> Accept {
    let accept = Accept::new();
    #[cfg(feature = "deflate")]
    let accept = accept.negotiate(wsmachine::extension::deflate::DeflateConfig::default());
    accept
}
