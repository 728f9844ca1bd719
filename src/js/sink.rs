//! Where a JS stream reports: the *sink*, a JS object of `pkg-template/` with one method per
//! thing that happens. The sink calls the user's functions and never throws (it catches and
//! logs what they throw), so no exception ever crosses the wasm frames.

use crate::prelude::*;
use wasm_bindgen::prelude::*;

use super::settings::Targets;
use crate::handler::{Handler, Target};
use crate::reconnect::ReconnectInfo;
use crate::transport::{failure_record, EventKind};
use crate::{Message, SseError};

#[wasm_bindgen]
extern "C" {
    /// The JS receiving end of one stream.
    pub type Sink;

    /// The stream opened; with the fetch transport, `response` is the `Response`.
    #[wasm_bindgen(method)]
    fn open(this: &Sink, response: &JsValue);

    /// A decoded message for `target` (`-1`: unnamed events; `i`: the `i`th named event), with
    /// the `MessageEvent` when that target declared it wants it (else `undefined`).
    #[wasm_bindgen(method)]
    fn message(this: &Sink, target: i32, data: &JsValue, event: &JsValue);

    /// An event of a hub's connection: its type, data, last event id and origin.
    #[wasm_bindgen(method)]
    fn relay(this: &Sink, event_type: &str, data: &JsValue, last_event_id: &str, origin: &str);

    /// Whether `data` is the last message (`isFinal`; one that throws says no).
    #[wasm_bindgen(method, js_name = isFinal)]
    fn is_final(this: &Sink, data: &JsValue) -> bool;

    /// A completion rule matched; the connection is closed.
    #[wasm_bindgen(method)]
    fn complete(this: &Sink);

    /// A transient loss: reconnection attempt `attempt`, after `delay` ms if known.
    #[wasm_bindgen(method)]
    fn reconnecting(
        this: &Sink,
        attempt: u32,
        last_event_id: &str,
        delay: Option<f64>,
        status: Option<u16>,
    );

    /// An error: `failed` (the stream is over, why in `failure`: the `[code, status, text,
    /// detail]` of a hub's `FAILED` record) or a parse error (with the raw `data`).
    #[wasm_bindgen(method)]
    fn error(this: &Sink, failed: bool, message: &str, data: Option<String>, failure: Vec<JsValue>);
}

/// A connection's (or a subscriber's) handler that reports to a sink.
pub(super) struct JsHandler {
    sink: Sink,
    targets: Targets,
}

impl JsHandler {
    pub(super) fn new(sink: Sink, targets: Targets) -> Self {
        JsHandler { sink, targets }
    }
}

impl Handler<JsValue> for JsHandler {
    fn target(&self, kind: EventKind) -> Target {
        match kind {
            _ if self.targets.hub => Target::OnMessage,
            EventKind::Message if self.targets.on_message => Target::OnMessage,
            EventKind::Named(index) if index < self.targets.events => Target::Event(index),
            _ => Target::Nowhere,
        }
    }

    fn has_predicate(&self) -> bool {
        self.targets.is_final
    }

    fn is_final(&mut self, data: &JsValue) -> bool {
        self.targets.is_final && self.sink.is_final(data)
    }

    fn open(&mut self, response: Option<&JsValue>) {
        self.sink.open(response.unwrap_or(&JsValue::UNDEFINED));
    }

    fn message(&mut self, target: Target, message: Message<JsValue>) {
        let index = match target {
            Target::OnMessage => -1,
            Target::Event(index) => index as i32,
            Target::Nowhere => return,
        };
        let (data, event) = message.into_raw();
        if self.targets.hub {
            let (event_type, id) = (event.event_type(), event.last_event_id());
            return self.sink.relay(&event_type, &data, &id, &event.origin());
        }
        let takes_event = self.targets.takes_event.get((index + 1) as usize);
        let event = if takes_event == Some(&true) {
            event.event().into()
        } else {
            JsValue::UNDEFINED
        };
        self.sink.message(index, &data, &event);
    }

    fn complete(&mut self) {
        self.sink.complete();
    }

    fn reconnecting(&mut self, info: ReconnectInfo) {
        let delay = info.delay.map(|delay| delay.as_millis() as f64);
        let ReconnectInfo {
            attempt,
            last_event_id,
            status,
            ..
        } = info;
        self.sink
            .reconnecting(attempt, &last_event_id, delay, status);
    }

    fn error(&mut self, error: SseError) {
        let (data, failure) = match &error {
            SseError::Parse { data, .. } => (Some(data.clone()), Vec::new()),
            SseError::Failed(reason) => (None, failure_record(reason).to_vec()),
            // Thrown by `open`, never reported.
            _ => return,
        };
        let failed = data.is_none();
        self.sink.error(failed, &error.message(), data, failure);
    }

    fn disconnected(&mut self) {
        // The JS side closed it, and knows.
    }
}
