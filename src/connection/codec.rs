//! The extension's slot in the connection lives with the extensions.

pub(crate) use crate::extension::slot::{check_rsv, decode, CodecSlot};
