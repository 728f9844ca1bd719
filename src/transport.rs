//! The transport seam: what carries the stream, and the few signals the connection logic needs
//! from it. Today the only transport is the browser's native `EventSource`; a fetch-based one
//! (POST bodies, headers) would implement the same signals, building `MessageEvent`s itself.

use std::borrow::Cow;
use std::rc::Weak;

use gloo_events::EventListener;
use wasm_bindgen::JsCast;
use web_sys::{EventSource, EventSourceInit, MessageEvent};

use crate::decode::js_error_message;
use crate::ReadyState;

/// Which listener an event came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EventKind {
    /// An unnamed event (type `message`).
    Message,
    /// The named event at this index of the names the transport was opened with.
    Named(usize),
}

/// What a listener reports.
#[derive(Clone, Copy)]
enum Signal {
    Open,
    Error,
    Message(EventKind),
}

/// The signals a transport sends to the connection logic.
pub(crate) trait TransportEvents {
    /// The stream is open (again).
    fn opened(&self);
    /// An event arrived.
    fn message(&self, kind: EventKind, event: MessageEvent);
    /// The stream was lost: `retrying` if the transport tries again by itself, else it is over.
    fn errored(&self, retrying: bool);
}

/// A native `EventSource` and its listeners. Dropping it closes the source and removes every
/// listener (each lives in a `gloo_events::EventListener`).
pub(crate) struct EventSourceTransport {
    source: EventSource,
    _listeners: Vec<EventListener>,
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

        // One closure type for every listener keeps the wasm small.
        let listen = |name: Cow<'static, str>, signal: Signal| {
            let sink = sink.clone();
            EventListener::new(&source, name, move |event| {
                let Some(sink) = sink.upgrade() else { return };
                match signal {
                    Signal::Open => sink.opened(),
                    Signal::Error => {
                        let source: Option<EventSource> =
                            event.target().map(JsCast::unchecked_into);
                        let state = source.map_or(ReadyState::Closed, |s| s.ready_state().into());
                        sink.errored(state == ReadyState::Connecting);
                    }
                    Signal::Message(kind) => sink.message(kind, event.clone().unchecked_into()),
                }
            })
        };
        let mut listeners = vec![
            listen("open".into(), Signal::Open),
            listen("error".into(), Signal::Error),
            listen("message".into(), Signal::Message(EventKind::Message)),
        ];
        for (index, name) in names.iter().enumerate() {
            listeners.push(listen(
                name.clone().into(),
                Signal::Message(EventKind::Named(index)),
            ));
        }
        Ok(EventSourceTransport {
            source,
            _listeners: listeners,
        })
    }

    /// The source's ready state.
    pub(crate) fn ready_state(&self) -> ReadyState {
        ReadyState::from(self.source.ready_state())
    }
}

impl Drop for EventSourceTransport {
    fn drop(&mut self) {
        // Close first, so no event can be queued while the listeners are being removed.
        self.source.close();
    }
}
