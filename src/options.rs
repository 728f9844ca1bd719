//! What a connection should do: decoding, callbacks, completion rules and reconnection.

use std::fmt;

use serde::de::DeserializeOwned;
use wasm_bindgen::JsValue;

use crate::connection::Recreation;
use crate::decode::{self, Decoder};
use crate::reconnect::{ReconnectInfo, ReconnectPolicy, DEFAULT_MAX_RETRIES};
use crate::{Message, SseError};

type Callback<A> = Box<dyn FnMut(A)>;

/// A completion predicate on decoded data.
pub(crate) type Predicate<T> = Box<dyn Fn(&T) -> bool>;

/// Event types the browser itself uses; a named event cannot take them.
const RESERVED_EVENT_NAMES: [&str; 3] = ["message", "open", "error"];

/// How to connect and what to do with what arrives, for messages decoded into `T`.
///
/// Pick the decoding with the constructor: [`SseOptions::json`] (also [`SseOptions::new`] and
/// `Default`) parses each message's data with `JSON.parse` and deserializes it into `T` with
/// serde-wasm-bindgen; [`SseOptions::text`] hands over the raw string; [`SseOptions::json_value`]
/// and [`SseOptions::raw`] give the parsed or raw `JsValue`. Data that cannot be decoded is
/// reported to `on_error` as [`SseError::Parse`] with the raw text, and the stream goes on.
///
/// Defaults: no credentials; no callbacks; no completion rule; the browser may retry
/// [`DEFAULT_MAX_RETRIES`] times in a row before the service gives up; no re-creation after a
/// fatal failure; no last-event-id query parameter.
///
/// # Example
/// ```no_run
/// use serde::Deserialize;
/// use wasm_sse::{SseOptions, SseService};
///
/// #[derive(Deserialize)]
/// struct Chunk {
///     text: String,
///     status: u8,
/// }
///
/// let options = SseOptions::<Chunk>::json()
///     .on_message(|message| web_sys::console::log_1(&message.data.text.into()))
///     .complete_when(|chunk| chunk.status == 1)
///     .on_complete(|| web_sys::console::log_1(&"done".into()))
///     .on_error(|error| web_sys::console::error_1(&error.to_string().into()));
/// let mut sse = SseService::new();
/// sse.connect("/chat?q=hello", options).expect("a valid URL");
/// ```
pub struct SseOptions<T> {
    pub(crate) decode: Decoder<T>,
    pub(crate) with_credentials: bool,
    pub(crate) handlers: Handlers<T>,
    pub(crate) completion: Completion<T>,
    pub(crate) max_retries: u32,
    pub(crate) recreation: Option<Recreation<T>>,
    pub(crate) last_event_id_param: Option<String>,
    /// A problem a setter found, reported by `connect`.
    pub(crate) invalid: Option<String>,
}

/// The user's callbacks.
pub(crate) struct Handlers<T> {
    pub(crate) on_open: Option<Callback<()>>,
    pub(crate) on_message: Option<Callback<Message<T>>>,
    /// Named events, each with its own callback or `None` to go to `on_message`.
    pub(crate) events: Vec<(String, Option<Callback<Message<T>>>)>,
    pub(crate) on_complete: Option<Callback<()>>,
    pub(crate) on_reconnecting: Option<Callback<ReconnectInfo>>,
    pub(crate) on_error: Option<Callback<SseError>>,
}

/// The rules that mark a normal end of stream.
pub(crate) struct Completion<T> {
    pub(crate) predicate: Option<Predicate<T>>,
    pub(crate) done_event: Option<String>,
    pub(crate) done_data: Option<String>,
}

impl<T: DeserializeOwned> SseOptions<T> {
    /// JSON data deserialized into `T` (the default decoding).
    ///
    /// Each `String` field is copied from JS into wasm memory. For large text that only goes
    /// back to the DOM, keep it a JS string instead:
    /// `#[serde(with = "serde_wasm_bindgen::preserve")] text: js_sys::JsString`.
    pub fn json() -> Self {
        Self::with_decoder(decode::json::<T>)
    }

    /// The same as [`SseOptions::json`].
    pub fn new() -> Self {
        Self::json()
    }
}

impl<T: DeserializeOwned> Default for SseOptions<T> {
    fn default() -> Self {
        Self::json()
    }
}

impl SseOptions<String> {
    /// The data as it came, a `String` (JSON decoding off).
    pub fn text() -> Self {
        Self::with_decoder(decode::text)
    }
}

impl SseOptions<JsValue> {
    /// The data parsed with `JSON.parse`, as a JS value (no serde).
    pub fn json_value() -> Self {
        Self::with_decoder(decode::json_value)
    }

    /// The data as it came, as a JS string (no copy into Rust).
    pub fn raw() -> Self {
        Self::with_decoder(decode::raw)
    }
}

impl<T> SseOptions<T> {
    /// Your own decoding of the raw data (a JS string): e.g. `serde_json` on
    /// `data.as_string()`. An `Err` is reported as [`SseError::Parse`].
    pub fn with_decoder(decode: fn(&JsValue) -> Result<T, String>) -> Self {
        SseOptions {
            decode,
            with_credentials: false,
            handlers: Handlers {
                on_open: None,
                on_message: None,
                events: Vec::new(),
                on_complete: None,
                on_reconnecting: None,
                on_error: None,
            },
            completion: Completion {
                predicate: None,
                done_event: None,
                done_data: None,
            },
            max_retries: DEFAULT_MAX_RETRIES,
            recreation: None,
            last_event_id_param: None,
            invalid: None,
        }
    }

    /// Send cookies on a cross-origin request (`withCredentials`; default `false`).
    pub fn with_credentials(mut self, with_credentials: bool) -> Self {
        self.with_credentials = with_credentials;
        self
    }

    /// Called each time the connection opens, reconnections included.
    pub fn on_open(mut self, mut callback: impl FnMut() + 'static) -> Self {
        self.handlers.on_open = Some(Box::new(move |()| callback()));
        self
    }

    /// Called for each unnamed (`message`) event, and for named events added with
    /// [`SseOptions::event`].
    pub fn on_message(mut self, callback: impl FnMut(Message<T>) + 'static) -> Self {
        self.handlers.on_message = Some(Box::new(callback));
        self
    }

    /// Called for each event of type `name` (the `event:` field).
    pub fn on_event(mut self, name: &str, callback: impl FnMut(Message<T>) + 'static) -> Self {
        self.handlers
            .events
            .push((name.to_owned(), Some(Box::new(callback))));
        self
    }

    /// Listens for events of type `name` and delivers them to `on_message` (or to the stream);
    /// [`Message::event_type`] tells them apart.
    pub fn event(mut self, name: &str) -> Self {
        self.handlers.events.push((name.to_owned(), None));
        self
    }

    /// A message whose decoded data satisfies `predicate` is the last one: it is delivered, then
    /// the connection closes as a normal completion, before the server's end of stream could make
    /// the browser reconnect. The write-up's convention is `|m| m.status == 1`.
    pub fn complete_when(mut self, predicate: impl Fn(&T) -> bool + 'static) -> Self {
        self.completion.predicate = Some(Box::new(predicate));
        self
    }

    /// An event of type `name` (e.g. `"done"`) marks the normal end of the stream. Its data goes
    /// to the callback registered for `name` first, if any.
    pub fn done_event(mut self, name: &str) -> Self {
        self.completion.done_event = Some(name.to_owned());
        self
    }

    /// A message whose raw data equals `data` (e.g. `"[DONE]"`) marks the normal end of the
    /// stream. It is neither decoded nor delivered.
    pub fn done_data(mut self, data: &str) -> Self {
        self.completion.done_data = Some(data.to_owned());
        self
    }

    /// Called once, after a normal completion closed the connection.
    pub fn on_complete(mut self, mut callback: impl FnMut() + 'static) -> Self {
        self.handlers.on_complete = Some(Box::new(move |()| callback()));
        self
    }

    /// Called on a transient loss: the browser is retrying, or the service will re-create the
    /// connection. Not an error.
    pub fn on_reconnecting(mut self, callback: impl FnMut(ReconnectInfo) + 'static) -> Self {
        self.handlers.on_reconnecting = Some(Box::new(callback));
        self
    }

    /// Called for real errors only: [`SseError::Parse`] (the stream goes on) and
    /// [`SseError::Failed`] (it is over). Never after a completion or a disconnect began.
    pub fn on_error(mut self, callback: impl FnMut(SseError) + 'static) -> Self {
        self.handlers.on_error = Some(Box::new(callback));
        self
    }

    /// How many reconnection attempts in a row the browser may make before the service gives up
    /// with [`FailReason::RetriesExhausted`](crate::FailReason::RetriesExhausted)
    /// (default [`DEFAULT_MAX_RETRIES`]; `0` means never reconnect). An attempt fails when it
    /// does not open, or opens but is lost before any event arrives (a server that accepts and
    /// hangs up at once would otherwise loop for ever); the count starts again with each event.
    pub fn max_retries(mut self, attempts: u32) -> Self {
        self.max_retries = attempts;
        self
    }

    /// After a fatal failure, re-create the connection following `policy` (default: never).
    pub fn reconnect(mut self, policy: ReconnectPolicy) -> Self
    where
        T: 'static,
    {
        if let Err(problem) = policy.validate() {
            self.invalid = Some(problem);
        }
        self.recreation = Some(Recreation::new(policy));
        self
    }

    /// When re-creating a connection, add the last event id to the URL as the query parameter
    /// `name` (e.g. `"lastEventId"`), since a new `EventSource` cannot send the header
    /// (default: off).
    pub fn last_event_id_param(mut self, name: &str) -> Self {
        self.last_event_id_param = Some(name.to_owned());
        self
    }

    /// Takes the callbacks out (the connection owns them from then on).
    pub(crate) fn take_handlers(&mut self) -> Handlers<T> {
        // The names stay: they say which events to listen for.
        let events = self
            .handlers
            .events
            .iter()
            .map(|(name, _)| (name.clone(), None))
            .collect();
        std::mem::replace(
            &mut self.handlers,
            Handlers {
                on_open: None,
                on_message: None,
                events,
                on_complete: None,
                on_reconnecting: None,
                on_error: None,
            },
        )
    }

    /// Checks what cannot be checked by the types.
    pub(crate) fn validate(&self) -> Result<(), SseError> {
        let invalid = |message: String| Err(SseError::InvalidOptions(message));
        let names: Vec<&String> = self.handlers.events.iter().map(|(name, _)| name).collect();
        for name in names.iter().copied().chain(&self.completion.done_event) {
            if name.is_empty() {
                return invalid("an event name cannot be empty".into());
            }
            if RESERVED_EVENT_NAMES.contains(&name.as_str()) {
                let reserved = "\" is not a named event: use on_message, on_open or on_error";
                return invalid(["\"", name, reserved].concat());
            }
        }
        for (index, name) in names.iter().enumerate() {
            if names.iter().take(index).any(|earlier| earlier == name) {
                return invalid(["the event \"", name, "\" is registered twice"].concat());
            }
        }
        if self.last_event_id_param.as_deref() == Some("") {
            return invalid("the last event id parameter needs a name".into());
        }
        match &self.invalid {
            Some(problem) => invalid(problem.clone()),
            None => Ok(()),
        }
    }
}

impl<T> fmt::Debug for SseOptions<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let events: Vec<&str> = self
            .handlers
            .events
            .iter()
            .map(|(name, _)| name.as_str())
            .collect();
        f.debug_struct("SseOptions")
            .field("with_credentials", &self.with_credentials)
            .field("events", &events)
            .field("done_event", &self.completion.done_event)
            .field("done_data", &self.completion.done_data)
            .field("max_retries", &self.max_retries)
            .field("reconnect", &self.recreation.as_ref().map(|r| &r.policy))
            .field("last_event_id_param", &self.last_event_id_param)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ReconnectPolicy;
    use std::time::Duration;

    fn invalid(options: SseOptions<String>) -> String {
        match options.validate() {
            Err(SseError::InvalidOptions(message)) => message,
            other => panic!("expected InvalidOptions, got {other:?}"),
        }
    }

    #[test]
    fn defaults_are_valid_and_documented() {
        let options = SseOptions::<String>::text();
        assert!(options.validate().is_ok());
        assert!(!options.with_credentials);
        assert_eq!(options.max_retries, DEFAULT_MAX_RETRIES);
        assert!(options.recreation.is_none() && options.last_event_id_param.is_none());
    }

    #[test]
    fn a_done_event_may_also_have_a_handler() {
        let options = SseOptions::<String>::text()
            .on_event("done", |_| {})
            .done_event("done");
        assert!(options.validate().is_ok());
    }

    #[test]
    fn rejects_reserved_empty_and_duplicate_event_names() {
        assert!(invalid(SseOptions::text().on_event("message", |_| {})).contains("\"message\""));
        assert!(invalid(SseOptions::text().done_event("error")).contains("\"error\""));
        assert!(invalid(SseOptions::text().event("")).contains("empty"));
        let twice = SseOptions::text().event("token").on_event("token", |_| {});
        assert!(invalid(twice).contains("twice"));
    }

    #[test]
    fn rejects_an_unnamed_parameter_and_a_bad_policy() {
        assert!(invalid(SseOptions::text().last_event_id_param("")).contains("name"));
        let policy = ReconnectPolicy::default().max_delay(Duration::from_millis(1));
        assert!(invalid(SseOptions::text().reconnect(policy)).contains("max_delay"));
    }
}
