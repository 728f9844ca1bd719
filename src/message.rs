//! A delivered message: the decoded data plus the browser's event.

use web_sys::MessageEvent;

/// One event from the stream: its decoded `data`, and the `MessageEvent` it came in, read lazily
/// so that a message costs no string copies it does not need.
///
/// # Example
/// ```no_run
/// use wasm_sse::{Message, SseOptions};
/// let options = SseOptions::<String>::text().on_message(|message: Message<String>| {
///     let id = message.last_event_id();
///     let text: String = message.data;
///     let _ = (id, text);
/// });
/// ```
#[derive(Debug, Clone)]
pub struct Message<T> {
    /// The decoded data.
    pub data: T,
    event: MessageEvent,
}

impl<T> Message<T> {
    pub(crate) fn new(data: T, event: MessageEvent) -> Self {
        Message { data, event }
    }

    /// The event's type: `"message"` for unnamed events, else the `event:` field.
    pub fn event_type(&self) -> String {
        self.event.type_()
    }

    /// The stream's last event id when this event arrived (`""` if none was ever sent).
    pub fn last_event_id(&self) -> String {
        self.event.last_event_id()
    }

    /// The browser's event, for anything else (`origin`, the raw `data`).
    pub fn event(&self) -> &MessageEvent {
        &self.event
    }

    /// The decoded data and the browser's event, by value.
    pub fn into_parts(self) -> (T, MessageEvent) {
        (self.data, self.event)
    }
}
