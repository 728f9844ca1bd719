//! What happens to an event once it has arrived, alike for a connection and for a subscriber of
//! a shared stream: the done sentinel, decoding, delivery, and the completion rules.

use crate::prelude::*;
use core::cell::RefCell;

use crate::decode::Decoder;
use crate::handler::{Handler, Target};
use crate::message::{RawMessage, Sentinel};
use crate::transport::EventKind;
use crate::{Message, SseError};

/// One consumer's rules for the events it receives.
pub(crate) struct Rules<T> {
    decode: Decoder<T>,
    /// Every named event listened for: the handlers' names, then the done event.
    pub(crate) names: Vec<String>,
    done_index: Option<usize>,
    done_data: Option<Sentinel>,
}

/// What the owner must do after an event: report a parse error (the stream goes on), then
/// complete.
pub(crate) struct Verdict {
    pub(crate) error: Option<SseError>,
    pub(crate) complete: bool,
}

impl<T> Rules<T> {
    /// Rules for the named events `names`, plus `done_event` (added to them if absent).
    pub(crate) fn new(
        decode: Decoder<T>,
        mut names: Vec<String>,
        done_event: Option<String>,
        done_data: Option<String>,
    ) -> Self {
        let done_index = done_event.map(|done| {
            names
                .iter()
                .position(|name| *name == done)
                .unwrap_or_else(|| {
                    names.push(done);
                    names.len() - 1
                })
        });
        Rules {
            decode,
            names,
            done_index,
            done_data: done_data.map(Sentinel::new),
        }
    }

    /// Hands `event` to `handler`. The done sentinel completes the stream undelivered; any
    /// other event first runs `accepted`, then is decoded and delivered if anyone listens, and
    /// a done event or a final message completes the stream after it.
    pub(crate) fn apply(
        &self,
        handler: &RefCell<Box<dyn Handler<T>>>,
        kind: EventKind,
        event: &RawMessage,
        accepted: impl FnOnce(),
    ) -> Verdict {
        let verdict = |error, complete| Verdict { error, complete };
        if self.done_data.as_ref().is_some_and(|done| event.is(done)) {
            return verdict(None, true);
        }
        accepted();
        let is_done_event =
            matches!(kind, EventKind::Named(index) if Some(index) == self.done_index);
        let (target, has_predicate) = {
            let handler = handler.borrow();
            (handler.target(kind), handler.has_predicate())
        };
        if target == Target::Nowhere && !has_predicate {
            return verdict(None, is_done_event);
        }
        match self.decode.decode(event) {
            Ok(value) => {
                let mut handler = handler.borrow_mut();
                let is_last = is_done_event || handler.is_final(&value);
                handler.message(target, Message::new(value, event.clone()));
                verdict(None, is_last)
            }
            Err(message) => {
                let data = event.text().to_owned();
                verdict(Some(SseError::Parse { data, message }), is_done_event)
            }
        }
    }
}
