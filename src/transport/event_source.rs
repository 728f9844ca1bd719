//! The browser's native `EventSource` as a transport: the browser parses the stream and
//! reconnects by itself; this file only listens.

use std::borrow::Cow;
use std::rc::Weak;

use gloo_events::EventListener;
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
                    Signal::Open => sink.opened(None),
                    Signal::Error => {
                        let source: Option<EventSource> =
                            event.target().map(JsCast::unchecked_into);
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
                    Signal::Message(kind) => {
                        sink.message(kind, RawMessage::native(event.clone().unchecked_into()))
                    }
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
}

impl Transport for EventSourceTransport {
    fn ready_state(&self) -> ReadyState {
        ReadyState::from(self.source.ready_state())
    }
}

impl Drop for EventSourceTransport {
    fn drop(&mut self) {
        // Close first, so no event can be queued while the listeners are being removed.
        self.source.close();
    }
}
