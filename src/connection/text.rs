//! Assembled text: a text message that arrives in pieces (not decoded, not
//! streamed) is appended to a string in the connection's extras, each piece
//! checked as it is appended (RFC 6455 §8.1: invalid UTF-8 MUST fail the
//! connection, here as soon as the offending byte arrives). The event's
//! `&str` then borrows the string: without `unsafe`, a `&str` over a byte
//! buffer costs a second pass of the validator, which is what an assembled
//! binary message's buffer would need.

use alloc::string::String;
use alloc::vec::Vec;

use super::frames::{Pending, Piece, Release, Source};
use super::{empty_within, Connection};
use crate::config::Delivery;
use crate::error::Violation;
use crate::event::MessageKind;

/// Room to make in the string for a piece of `len` bytes when it does not
/// fit: up to the rest of the frame, at most sixteen times what the message
/// holds (`held`, or the fill an announced length makes), as a direct read
/// into the message buffer has it, so that a large message is not copied
/// again at each doubling, while what the peer has sent pays for the room;
/// and at least what it holds, so that a message of many small fragments
/// still grows by doubling, not by each fragment (never past what the
/// message may still grow by, `left`).
fn text_room(held: usize, len: usize, rest: u64, fill: usize, left: usize) -> usize {
    let rest = usize::try_from(rest).unwrap_or(usize::MAX);
    held.saturating_mul(16)
        .max(fill)
        .min(len.saturating_add(rest))
        .max(held.min(left))
        .max(len)
}

impl Connection {
    /// A piece of a text message being assembled (not decoded, not
    /// streamed): checked once, in the pass that appends it to the extras'
    /// string, so that the event's `&str` needs no second pass.
    pub(super) fn text_piece(
        &mut self,
        piece: &[u8],
        p: Piece,
        buffer: &mut Vec<u8>,
    ) -> Result<Option<Pending>, Violation> {
        if piece.is_empty() && !p.last {
            // Nothing to keep (a frame's header ended the input, or an
            // empty fragment): no string yet, as the message may still end
            // whole in a later input.
            return Ok(None);
        }
        let fill = self.reserve_fill();
        let held = self.rx.buffered;
        let left = self.message_left(held);
        let extras = self.extras.get_or_insert_with(Default::default);
        let text = &mut extras.text;
        if text.capacity() == 0 && buffer.is_empty() {
            // The message buffer's allocation holds the text (no copy: it
            // is empty).
            *text = String::from_utf8(core::mem::take(buffer)).unwrap_or_default();
        }
        if text.capacity() - text.len() < piece.len() {
            text.reserve_exact(text_room(held, piece.len(), p.rest, fill, left));
        }
        let Some(msg) = self.rx.message.as_mut() else {
            return Err(Violation::UnexpectedContinuation);
        };
        msg.utf8
            .feed_into(piece, text)
            .map_err(|_| Violation::InvalidUtf8)?;
        self.rx.buffered += piece.len();
        if !p.last {
            return Ok(None);
        }
        msg.utf8.finish().map_err(|_| Violation::InvalidUtf8)?;
        self.rx.message = None;
        self.rx.release = Release::Text;
        self.rx.buffered = 0;
        Ok(Some(Pending::Whole(MessageKind::Text, Source::Text)))
    }

    /// The message being assembled is text in the extras' string
    /// ([`text_piece`](Self::text_piece)); the message buffer then holds only
    /// a cut control payload.
    #[inline]
    pub(super) fn text_in_string(&self) -> bool {
        self.settings.delivery == Delivery::Whole
            && self
                .rx
                .message
                .as_ref()
                .is_some_and(|m| m.kind == MessageKind::Text && !m.decoded)
    }

    /// Drops assembled text the last event borrowed: its string's
    /// allocation becomes the message buffer again, within `buffer_retain`.
    #[cold]
    pub(super) fn release_text(&mut self, buffer: &mut Vec<u8>) {
        let text = self.take_text();
        if text.capacity() > buffer.capacity() {
            *buffer = text.into_bytes();
        }
        empty_within(buffer, self.settings.buffer_retain);
        self.release_idle_inbox();
        self.drop_empty_extras();
    }

    /// The extras' text string if `pending` borrows it (assembled text),
    /// else nothing: other events do not look into the extras.
    #[inline(always)]
    pub(super) fn text_of(&self, pending: Pending) -> &str {
        match pending.source() {
            Source::Text => self.extras.as_deref().map_or("", |e| e.text.as_str()),
            _ => "",
        }
    }

    /// Takes the extras' text string (assembled text) out, leaving none.
    pub(super) fn take_text(&mut self) -> String {
        self.extras
            .as_deref_mut()
            .map(|e| core::mem::take(&mut e.text))
            .unwrap_or_default()
    }
}
