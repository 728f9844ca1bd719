//! A delivered message: the decoded data, and the event it came in.

use crate::prelude::*;
use alloc::rc::Rc;
use core::cell::OnceCell;

use js_sys::{JsString, Uint8Array};
use wasm_bindgen::prelude::*;
use web_sys::{MessageEvent, MessageEventInit};

/// One event from the stream: its decoded `data`, and the event it came in, whose fields are
/// read (and, for the fetch transport, whose `MessageEvent` is built) only when asked for.
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
    raw: RawMessage,
}

impl<T> Message<T> {
    pub(crate) fn new(data: T, raw: RawMessage) -> Self {
        Message { data, raw }
    }

    /// The event's type: `"message"` for unnamed events, else the `event:` field.
    pub fn event_type(&self) -> String {
        self.raw.event_type()
    }

    /// The stream's last event id when this event arrived (`""` if none was ever sent).
    pub fn last_event_id(&self) -> String {
        self.raw.last_event_id()
    }

    /// The browser's event, for anything else (`origin`, the raw `data`). With the fetch
    /// transport it is built on the first call.
    pub fn event(&self) -> &MessageEvent {
        self.raw.event()
    }

    /// The decoded data and the browser's event, by value.
    pub fn into_parts(self) -> (T, MessageEvent) {
        let event = self.raw.event().clone();
        (self.data, event)
    }

    /// The decoded data and the raw event (whose `MessageEvent` may not exist yet).
    pub(crate) fn into_raw(self) -> (T, RawMessage) {
        (self.data, self.raw)
    }
}

/// An event as a transport delivered it: the browser's `MessageEvent` (EventSource), what our
/// parser read (fetch), or the JS string another tab relayed. The `MessageEvent` is built, and
/// an `EventSource` event's data copied into Rust, only when asked for: a message costs no
/// `MessageEvent` and no copy that nobody reads. Clones share.
#[derive(Debug, Clone)]
pub(crate) struct RawMessage(Rc<Raw>);

#[derive(Debug)]
struct Raw {
    /// The type, id and origin; `None` when `event` holds them (an `EventSource` event).
    fields: Option<Fields>,
    text: OnceCell<Text>,
    data: OnceCell<JsValue>,
    event: OnceCell<MessageEvent>,
}

/// An event's fields besides its data, kept as Rust strings that the transport shares between
/// events (the type and origin never change, the id only when the stream sends a new one).
#[derive(Debug)]
pub(crate) struct Fields {
    pub(crate) event_type: Rc<str>,
    pub(crate) last_event_id: Rc<str>,
    pub(crate) origin: Rc<str>,
}

impl RawMessage {
    /// A browser's `MessageEvent`.
    pub(crate) fn native(event: MessageEvent) -> Self {
        Self::new(
            None,
            OnceCell::new(),
            OnceCell::new(),
            OnceCell::from(event),
        )
    }

    /// What our parser read: the data as text and as a JS string.
    pub(crate) fn parsed(text: Text, data: JsValue, fields: Fields) -> Self {
        let (text, data) = (OnceCell::from(text), OnceCell::from(data));
        Self::new(Some(fields), text, data, OnceCell::new())
    }

    /// Data that is already a JS value (relayed from another tab).
    pub(crate) fn relayed(data: JsValue, fields: Fields) -> Self {
        let data = OnceCell::from(data);
        Self::new(Some(fields), OnceCell::new(), data, OnceCell::new())
    }

    fn new(
        fields: Option<Fields>,
        text: OnceCell<Text>,
        data: OnceCell<JsValue>,
        event: OnceCell<MessageEvent>,
    ) -> Self {
        RawMessage(Rc::new(Raw {
            fields,
            text,
            data,
            event,
        }))
    }

    /// The data as a JS value (a string, for a stream).
    pub(crate) fn data(&self) -> &JsValue {
        // Only an `EventSource` event comes without it.
        self.0.data.get_or_init(|| self.event().data())
    }

    /// The data as Rust text.
    pub(crate) fn text(&self) -> &str {
        self.0
            .text
            .get_or_init(|| Text::whole(js_text(self.data())))
            .as_str()
    }

    /// Whether the data is `sentinel`, compared in whichever form the data already has.
    pub(crate) fn is(&self, sentinel: &Sentinel) -> bool {
        match self.0.text.get() {
            Some(text) => text.as_str() == sentinel.text,
            None => *self.data() == sentinel.js,
        }
    }

    pub(crate) fn event_type(&self) -> String {
        match &self.0.fields {
            Some(fields) => String::from(&*fields.event_type),
            None => self.event().type_(),
        }
    }

    pub(crate) fn last_event_id(&self) -> String {
        match &self.0.fields {
            Some(fields) => String::from(&*fields.last_event_id),
            None => self.event().last_event_id(),
        }
    }

    pub(crate) fn origin(&self) -> String {
        match &self.0.fields {
            Some(fields) => String::from(&*fields.origin),
            None => self.event().origin(),
        }
    }

    /// The `MessageEvent` (built on the first call for a fetch or relayed event).
    pub(crate) fn event(&self) -> &MessageEvent {
        let raw = &*self.0;
        raw.event.get_or_init(|| {
            let init = MessageEventInit::new();
            let event_type = match &raw.fields {
                Some(fields) => {
                    init.set_last_event_id(&fields.last_event_id);
                    init.set_origin(&fields.origin);
                    &*fields.event_type
                }
                None => "message",
            };
            init.set_data(self.data());
            // A runtime without `MessageEvent` gets a plain object with the same fields.
            MessageEvent::new_with_event_init_dict(event_type, &init).unwrap_or_else(|_| {
                let _ = js_sys::Reflect::set(&init, &"type".into(), &event_type.into());
                init.unchecked_into()
            })
        })
    }
}

/// An event's data as Rust text: a range of a text that the events of one chunk share, so
/// handing it over copies nothing.
#[derive(Debug)]
pub(crate) struct Text {
    all: Rc<String>,
    start: usize,
    end: usize,
}

impl Text {
    /// `all[start..end]`; a range that is not one reads as `""`.
    pub(crate) fn range(all: &Rc<String>, start: usize, end: usize) -> Self {
        Text {
            all: Rc::clone(all),
            start,
            end,
        }
    }

    pub(crate) fn whole(text: String) -> Self {
        let end = text.len();
        Text::range(&Rc::new(text), 0, end)
    }

    fn as_str(&self) -> &str {
        // `get`, not indexing: the panic path of a str slice links kilobytes of formatting.
        self.all.get(self.start..self.end).unwrap_or("")
    }
}

/// Strings at least this long (in UTF-16 units) are copied into wasm by `TextEncoder`, natively:
/// wasm-bindgen's `as_string` copies ASCII one `charCodeAt` at a time in JS, which for a 64 KB
/// event was a third of a typed message's CPU. Shorter ones are not worth the encoder's array.
const ENCODE_FROM: u32 = 1024;

#[wasm_bindgen]
extern "C" {
    type TextEncoder;
    #[wasm_bindgen(constructor)]
    fn new() -> TextEncoder;
    #[wasm_bindgen(method)]
    fn encode(this: &TextEncoder, text: &JsString) -> Uint8Array;
}

crate::local::local! {
    static ENCODER: TextEncoder = TextEncoder::new();
}

/// A JS value as Rust text (`""` if it is not a string).
fn js_text(value: &JsValue) -> String {
    match value.dyn_ref::<JsString>() {
        Some(text) if text.length() >= ENCODE_FROM => {
            let bytes = ENCODER.with(|encoder| encoder.encode(text)).to_vec();
            // `encode` writes UTF-8 (a lone surrogate as U+FFFD), as `as_string` would.
            String::from_utf8(bytes).unwrap_or_default()
        }
        _ => value.as_string().unwrap_or_default(),
    }
}

/// A completion sentinel (the done data), in both forms.
pub(crate) struct Sentinel {
    text: String,
    js: JsValue,
}

impl Sentinel {
    pub(crate) fn new(text: String) -> Self {
        let js = JsValue::from_str(&text);
        Sentinel { text, js }
    }
}
