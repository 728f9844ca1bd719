//! What a connection should do: decoding, callbacks, completion rules and reconnection.

use crate::prelude::*;
use alloc::rc::Rc;
use core::fmt;
use core::future::Future;
use core::time::Duration;

use serde::de::DeserializeOwned;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::future_to_promise;

use crate::connection::Recreation;
use crate::decode::{self, Decoder};
use crate::handler::{Handlers, Predicate};
use crate::reconnect::{ReconnectInfo, ReconnectMode, ReconnectPolicy, DEFAULT_MAX_RETRIES};
use crate::transport::{Part, Request, TransportKind};
use crate::{Message, SseError};

/// Event types the browser itself uses; a named event cannot take them.
const RESERVED_EVENT_NAMES: [&str; 3] = ["message", "open", "error"];

/// How to connect and what to do with what arrives, for messages decoded into `T`.
///
/// Pick the decoding with the constructor: [`SseOptions::json`] (also [`SseOptions::new`] and
/// `Default`) deserializes each message's data into `T` with serde_json, in wasm;
/// [`SseOptions::text`] hands over the raw string; [`SseOptions::json_value`]
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
    pub(crate) transport: TransportKind,
    /// What the fetch transport sends (its `include_credentials` follows `with_credentials`).
    pub(crate) request: Request,
    pub(crate) fetch: FetchSettings,
    pub(crate) signal: Option<web_sys::AbortSignal>,
    /// A problem a setter found, reported by `connect`.
    pub(crate) invalid: Option<String>,
}

/// The fetch transport's settings beyond the request; any of them chooses that transport.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct FetchSettings {
    pub(crate) last_event_id: Option<String>,
    pub(crate) idle_timeout: Option<Duration>,
    pub(crate) reconnect: Option<ReconnectMode>,
    pub(crate) flush_at_end: bool,
    pub(crate) max_event_size: Option<usize>,
}

/// The rules that mark a normal end of stream.
pub(crate) struct Completion<T> {
    pub(crate) predicate: Option<Predicate<T>>,
    pub(crate) done_event: Option<String>,
    pub(crate) done_data: Option<String>,
}

impl<T: DeserializeOwned> SseOptions<T> {
    /// JSON data deserialized into `T` with serde_json (the default decoding), in wasm: with the
    /// fetch transport the text never crosses to JS; with `EventSource` it is copied into wasm
    /// memory once.
    ///
    /// serde_json weighs about 15 KB gzipped in an app that does not use it already. The
    /// smallest alternative, slower per message: `JSON.parse` and serde-wasm-bindgen through
    /// [`SseOptions::with_decoder`].
    pub fn json() -> Self {
        Self::decoded(Decoder::Text(decode::json::<T>))
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
        Self::decoded(Decoder::Text(decode::text))
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
    /// Your own decoding of the raw data (a JS string): e.g. `JSON.parse` then
    /// `serde_wasm_bindgen::from_value`, which links less code than serde_json. An `Err` is
    /// reported as [`SseError::Parse`].
    ///
    /// # Example
    /// ```no_run
    /// use wasm_bindgen::JsCast;
    /// use wasm_sse::SseOptions;
    /// // The data's length in UTF-16 units, read without copying it into Rust.
    /// let options = SseOptions::<u32>::with_decoder(|data| {
    ///     let text = data.dyn_ref::<js_sys::JsString>().ok_or("not a string")?;
    ///     Ok(text.length())
    /// });
    /// ```
    pub fn with_decoder(decode: fn(&JsValue) -> Result<T, String>) -> Self {
        Self::decoded(Decoder::Js(decode))
    }

    fn decoded(decode: Decoder<T>) -> Self {
        SseOptions {
            decode,
            with_credentials: false,
            handlers: Handlers::listening(Vec::new()),
            completion: Completion {
                predicate: None,
                done_event: None,
                done_data: None,
            },
            max_retries: DEFAULT_MAX_RETRIES,
            recreation: None,
            last_event_id_param: None,
            transport: TransportKind::Auto,
            request: Request::default(),
            fetch: FetchSettings::default(),
            signal: None,
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

    /// Which transport carries the connection (default [`TransportKind::Auto`]: `EventSource`
    /// unless a fetch-only option is set, the global scope has no `EventSource`, or it is a
    /// service worker).
    pub fn transport(mut self, transport: TransportKind) -> Self {
        self.transport = transport;
        self
    }

    /// The request method (fetch transport; default `"GET"`).
    pub fn method(mut self, method: &str) -> Self {
        self.request.method = method.to_owned();
        self
    }

    /// A request header (fetch transport). Later headers of the same name win.
    ///
    /// ```no_run
    /// # let token = "t";
    /// let options = wasm_sse::SseOptions::<String>::text()
    ///     .method("POST")
    ///     .header("Authorization", &format!("Bearer {token}"));
    /// ```
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.request
            .headers
            .push(Part::Value(header_pair(name, value)));
        self
    }

    /// A request header whose value `value` computes before **every** request, reconnections
    /// included, so a refreshed token is used (fetch transport).
    ///
    /// ```no_run
    /// use std::{cell::RefCell, rc::Rc};
    /// let token = Rc::new(RefCell::new(String::from("first")));
    /// let current = token.clone();
    /// let options = wasm_sse::SseOptions::<String>::text().header_with("Authorization", move || {
    ///     let bearer = format!("Bearer {}", current.borrow());
    ///     async move { bearer }
    /// });
    /// ```
    pub fn header_with<F, Fut>(mut self, name: &str, value: F) -> Self
    where
        F: Fn() -> Fut + 'static,
        Fut: Future<Output = String> + 'static,
    {
        let name = name.to_owned();
        self.request.headers.push(Part::Get(Rc::new(move || {
            let (name, value) = (name.clone(), value());
            future_to_promise(async move { Ok(header_pair(&name, &value.await)) })
        })));
        self
    }

    /// The request body (fetch transport; not with GET): a string, or any JS `BodyInit`.
    pub fn body(mut self, body: impl Into<JsValue>) -> Self {
        self.request.body = Some(Part::Value(body.into()));
        self
    }

    /// A request body that `body` computes before **every** request (fetch transport).
    pub fn body_with<F, Fut, B>(mut self, body: F) -> Self
    where
        F: Fn() -> Fut + 'static,
        Fut: Future<Output = B> + 'static,
        B: Into<JsValue>,
    {
        self.request.body = Some(Part::Get(Rc::new(move || {
            let body = body();
            future_to_promise(async move { Ok(body.await.into()) })
        })));
        self
    }

    /// The `fetch` function to use instead of the global one (fetch transport), called as
    /// `fetch(url, init)`.
    pub fn fetch_function(mut self, fetch: js_sys::Function) -> Self {
        self.request.fetch = Some(fetch);
        self
    }

    /// Aborting `signal` disconnects, like [`SseService::disconnect`](crate::SseService::disconnect)
    /// (no error callback); an already aborted signal never connects.
    pub fn signal(mut self, signal: web_sys::AbortSignal) -> Self {
        self.signal = Some(signal);
        self
    }

    /// The `Last-Event-ID` to send with the first request, to resume a stream (fetch transport).
    pub fn last_event_id(mut self, id: &str) -> Self {
        self.fetch.last_event_id = Some(id.to_owned());
        self
    }

    /// No byte at all (comments count) for this long counts as a lost connection, which is then
    /// retried like any other loss (fetch transport; default: none).
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.fetch.idle_timeout = Some(timeout);
        self
    }

    /// When a lost stream is requested again (fetch transport; default [`ReconnectMode::Auto`]).
    pub fn reconnect_mode(mut self, mode: ReconnectMode) -> Self {
        self.fetch.reconnect = Some(mode);
        self
    }

    /// Dispatch an event left without its closing blank line when the stream ends, for gateways
    /// that omit it (fetch transport; default `false`, as the standard says).
    pub fn flush_at_end(mut self, flush: bool) -> Self {
        self.fetch.flush_at_end = flush;
        self
    }

    /// The largest event, in bytes, before the connection fails with
    /// [`FailReason::EventTooLarge`](crate::FailReason::EventTooLarge) (fetch transport; default
    /// [`DEFAULT_MAX_EVENT_SIZE`](crate::DEFAULT_MAX_EVENT_SIZE)).
    pub fn max_event_size(mut self, bytes: usize) -> Self {
        self.fetch.max_event_size = Some(bytes);
        self
    }

    /// The first fetch-only option set, by its setter's name.
    pub(crate) fn fetch_only_option(&self) -> Option<&'static str> {
        let request = &self.request;
        let fetch = &self.fetch;
        [
            (request.method != "GET", "method"),
            (!request.headers.is_empty(), "header"),
            (request.body.is_some(), "body"),
            (request.fetch.is_some(), "fetch_function"),
            (fetch.last_event_id.is_some(), "last_event_id"),
            (fetch.idle_timeout.is_some(), "idle_timeout"),
            (fetch.reconnect.is_some(), "reconnect_mode"),
            (fetch.flush_at_end, "flush_at_end"),
            (fetch.max_event_size.is_some(), "max_event_size"),
        ]
        .into_iter()
        .find_map(|(set, name)| set.then_some(name))
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
        core::mem::replace(&mut self.handlers, Handlers::listening(events))
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
        if self.transport == TransportKind::EventSource {
            if let Some(option) = self.fetch_only_option() {
                return invalid([option, " needs the fetch transport, not EventSource"].concat());
            }
        }
        let method = &self.request.method;
        if method.is_empty()
            || !method
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
        {
            return invalid(["\"", method, "\" is not an HTTP method"].concat());
        }
        if self.request.body.is_some()
            && ["GET", "HEAD"].contains(&method.to_ascii_uppercase().as_str())
        {
            return invalid(["a ", method, " request cannot have a body"].concat());
        }
        if self.fetch.idle_timeout == Some(Duration::ZERO) {
            return invalid("idle_timeout must be above zero".into());
        }
        if self.fetch.max_event_size == Some(0) {
            return invalid("max_event_size must be above zero".into());
        }
        match &self.invalid {
            Some(problem) => invalid(problem.clone()),
            None => Ok(()),
        }
    }
}

/// One header as a `HeadersInit`: `[[name, value]]`.
fn header_pair(name: &str, value: &str) -> JsValue {
    let pair = js_sys::Array::of2(&JsValue::from_str(name), &JsValue::from_str(value));
    js_sys::Array::of1(&pair).into()
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
            .field("transport", &self.transport)
            .field("method", &self.request.method)
            .field("fetch", &self.fetch)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ReconnectPolicy;
    use core::time::Duration;

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
