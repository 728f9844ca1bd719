//! The JS face's receiving end: the user's JS functions, called directly (an exception is logged
//! and never stops the stream), or the queue of a `stream()` iterator.

use std::rc::Rc;

use js_sys::{Function, Object, Reflect};
use wasm_bindgen::JsValue;

use crate::handler::{Handler, Target};
use crate::js::error;
use crate::js::stream::Queue;
use crate::reconnect::ReconnectInfo;
use crate::transport::EventKind;
use crate::{Message, SseError};

/// The callbacks of an `SSEConnectOptions`.
pub(crate) struct JsHandler {
    pub(crate) on_open: Option<Function>,
    pub(crate) on_message: Option<MessageCallback>,
    /// The `events` handlers, in the order their names were given to the core.
    pub(crate) events: Vec<MessageCallback>,
    pub(crate) is_final: Option<Function>,
    pub(crate) on_complete: Option<Function>,
    pub(crate) on_reconnecting: Option<Function>,
    pub(crate) on_error: Option<Function>,
    /// For `stream()`: the iterator's queue takes the messages, the completion and the errors
    /// (parse errors go to `on_error` when there is one).
    pub(crate) stream: Option<Rc<Queue>>,
}

impl Handler<JsValue> for JsHandler {
    fn target(&self, kind: EventKind) -> Target {
        match kind {
            EventKind::Message if self.on_message.is_some() || self.stream.is_some() => {
                Target::OnMessage
            }
            EventKind::Named(index) if index < self.events.len() => Target::Event(index),
            _ => Target::Nowhere,
        }
    }

    fn has_predicate(&self) -> bool {
        self.is_final.is_some()
    }

    fn is_final(&mut self, data: &JsValue) -> bool {
        self.is_final.as_ref().is_some_and(|f| {
            f.call1(&JsValue::UNDEFINED, data)
                .map_err(report)
                .is_ok_and(|answer| answer.is_truthy())
        })
    }

    fn open(&mut self, response: Option<&JsValue>) {
        match response {
            Some(response) => call(self.on_open.as_ref(), std::slice::from_ref(response)),
            None => call(self.on_open.as_ref(), &[]),
        }
    }

    fn message(&mut self, target: Target, message: Message<JsValue>) {
        let (data, event) = message.into_raw();
        let callback = match target {
            Target::OnMessage => match &self.stream {
                Some(queue) => return queue.push(Ok(data)),
                None => self.on_message.as_ref(),
            },
            Target::Event(index) => self.events.get(index),
            Target::Nowhere => None,
        };
        let Some(callback) = callback else { return };
        if callback.takes_event {
            call(Some(&callback.f), &[data, event.event().into()]);
        } else {
            call(Some(&callback.f), &[data]);
        }
    }

    fn complete(&mut self) {
        match &self.stream {
            Some(queue) => queue.end(),
            None => call(self.on_complete.as_ref(), &[]),
        }
    }

    fn reconnecting(&mut self, info: ReconnectInfo) {
        if let Some(f) = &self.on_reconnecting {
            let js = Object::new();
            let set = |key: &str, value: JsValue| {
                let _ = Reflect::set(&js, &key.into(), &value);
            };
            set("attempt", info.attempt.into());
            set("lastEventId", info.last_event_id.into());
            if let Some(delay) = info.delay {
                set("delay", (delay.as_millis() as f64).into());
            }
            if let Some(status) = info.status {
                set("status", status.into());
            }
            call(Some(f), &[js.into()]);
        }
    }

    fn error(&mut self, error: SseError) {
        let Some(js) = error::to_js(&error) else {
            return;
        };
        match &self.stream {
            Some(queue)
                if !(matches!(error, SseError::Parse { .. }) && self.on_error.is_some()) =>
            {
                queue.fail(js)
            }
            _ => call(self.on_error.as_ref(), &[js]),
        }
    }

    fn disconnected(&mut self) {
        if let Some(queue) = &self.stream {
            queue.end();
        }
    }
}

/// A message callback, `(data, event) => …`.
pub(crate) struct MessageCallback {
    f: Function,
    /// Whether it declares the event parameter: only then is a `MessageEvent` built for a fetch
    /// event (a Blink object, a fifth of the cost of a small message).
    takes_event: bool,
}

impl MessageCallback {
    pub(crate) fn new(f: Function) -> Self {
        let takes_event = f.length() >= 2;
        MessageCallback { f, takes_event }
    }
}

/// Calls a user function, if any; an exception is logged, never propagated into the service.
fn call(f: Option<&Function>, args: &[JsValue]) {
    let Some(f) = f else { return };
    let result = match args {
        [] => f.call0(&JsValue::UNDEFINED),
        [a] => f.call1(&JsValue::UNDEFINED, a),
        [a, b, ..] => f.call2(&JsValue::UNDEFINED, a, b),
    };
    if let Err(exception) = result {
        report(exception);
    }
}

/// Reports an exception thrown by a user callback, as the browser does for event listeners.
fn report(exception: JsValue) {
    web_sys::console::error_2(&"wasm-sse: a callback threw:".into(), &exception);
}
