//! Incomplete input is a status, not an error.

/// The result of parsing input that may be cut short (after httparse).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status<T> {
    /// The input held a whole item.
    Complete(T),
    /// More input is needed; nothing is wrong so far.
    Partial,
}
