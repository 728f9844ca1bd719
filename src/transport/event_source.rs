//! The browser's native `EventSource` as a transport: the browser parses the stream and
//! reconnects by itself; this file only listens.

use crate::prelude::*;
use alloc::borrow::Cow;
use alloc::rc::Weak;
use core::cell::RefCell;

use crate::listener::EventListener;
use wasm_bindgen::JsCast;
use web_sys::{EventSource, EventSourceInit};

use super::{EventKind, Loss, Transport, TransportEvents};
use crate::decode::js_error_message;
use crate::message::RawMessage;
use crate::{FailReason, ReadyState};

/// What a listener reports.
#[derive(Clone, Copy)]
enum Signal {
    Open,
    Error,
    Message(EventKind),
}

/// A native `EventSource` and its listeners. Dropping it closes the source and removes every
/// listener (each lives in an [`EventListener`]).
pub(crate) struct EventSourceTransport {
    source: EventSource,
    sink: Weak<dyn TransportEvents>,
    _listeners: [EventListener; 3],
    /// One listener per named event, at the index its events report (`None` once removed).
    named: RefCell<Vec<(String, Option<EventListener>)>>,
}

impl EventSourceTransport {
    /// Opens `url`, listening for `open`, `error`, `message` and each of `names`. Events go to
    /// `sink` for as long as it lives; the listeners never keep it alive.
    pub(crate) fn open(
        url: &str,
        with_credentials: bool,
        names: &[String],
        sink: Weak<dyn TransportEvents>,
    ) -> Result<Self, String> {
        let init = EventSourceInit::new();
        init.set_with_credentials(with_credentials);
        let source = EventSource::new_with_event_source_init_dict(url, &init)
            .map_err(|error| js_error_message(&error))?;
        let listeners = [
            listen(&source, &sink, "open".into(), Signal::Open),
            listen(&source, &sink, "error".into(), Signal::Error),
            listen(
                &source,
                &sink,
                "message".into(),
                Signal::Message(EventKind::Message),
            ),
        ];
        let transport = EventSourceTransport {
            source,
            sink,
            _listeners: listeners,
            named: RefCell::new(Vec::new()),
        };
        for name in names {
            transport.listen(name, true);
        }
        Ok(transport)
    }
}

/// One listener; every listener has the same closure type, which keeps the wasm small.
fn listen(
    source: &EventSource,
    sink: &Weak<dyn TransportEvents>,
    name: Cow<'static, str>,
    signal: Signal,
) -> EventListener {
    let sink = sink.clone();
    EventListener::new(source, name, move |event| {
        let Some(sink) = sink.upgrade() else { return };
        match signal {
            Signal::Open => sink.opened(None),
            Signal::Error => {
                let source: Option<EventSource> = event.target().map(JsCast::unchecked_into);
                let state = source.map_or(ReadyState::Closed, |s| s.ready_state().into());
                sink.lost(if state == ReadyState::Connecting {
                    Loss::Retrying {
                        delay: None,
                        response: None,
                    }
                } else {
                    Loss::Failed(FailReason::Refused)
                });
            }
            Signal::Message(kind) => sink.message(kind, RawMessage::native(event.unchecked_into())),
        }
    })
}

impl Transport for EventSourceTransport {
    fn ready_state(&self) -> ReadyState {
        ReadyState::from(self.source.ready_state())
    }

    fn listen(&self, name: &str, on: bool) {
        let mut named = self.named.borrow_mut();
        let slot = named.iter().position(|(n, _)| n == name);
        match (slot, on) {
            (Some(index), true) if named[index].1.is_none() => {
                let kind = Signal::Message(EventKind::Named(index));
                named[index].1 = Some(listen(
                    &self.source,
                    &self.sink,
                    name.to_owned().into(),
                    kind,
                ));
            }
            (None, true) => {
                let kind = Signal::Message(EventKind::Named(named.len()));
                let listener = listen(&self.source, &self.sink, name.to_owned().into(), kind);
                named.push((name.to_owned(), Some(listener)));
            }
            (Some(index), false) => named[index].1 = None,
            _ => {}
        }
    }
}

impl Drop for EventSourceTransport {
    fn drop(&mut self) {
        // Close first, so no event can be queued while the listeners are being removed.
        self.source.close();
    }
}
