//! `fetch` as a transport: the request is ours (any method, headers, a body), the response body
//! is read chunk by chunk into wasm-sse's own parser, and reconnection follows the spec's rules
//! plus what chat APIs need: `Last-Event-ID` on every retry, the server's `retry:` as the floor of
//! an exponential backoff with jitter, `Retry-After` honoured, an idle timeout, and a non-GET
//! request repeated only when it can resume.
//!
//! One attempt is a small JS routine (`fetch.js`: build the request, `fetch`, read the body)
//! that reports each step to one Rust closure; everything it started (the request, through its
//! `AbortController`; our timers) is cancelled when the transport is dropped. An `async` Rust
//! task did the same with a state machine and a futures executor: 5 KB more of the npm
//! package, gzipped, than this routine and its 1 KB of JS.
//! Nothing here knows about completion rules or budgets: the connection decides, from the
//! signals.

use crate::prelude::*;
use alloc::rc::{Rc, Weak};
use core::cell::{Cell, RefCell};
use core::time::Duration;

use crate::timer::Timeout;
use js_sys::{Function, JsString, Uint8Array};
use wasm_bindgen::prelude::*;
use web_sys::Response;

use super::request::Request;
use super::{EventKind, Loss, Transport, TransportEvents};
use crate::message::{Fields, RawMessage, Text};
use crate::parser::{Event, EventTooLarge, Parser, Sink};
use crate::reconnect::{retry_delay, ReconnectMode, DEFAULT_RETRY};
use crate::{FailReason, ReadyState};

#[wasm_bindgen(module = "/src/transport/fetch.js")]
extern "C" {
    /// One request and its response, driven in JS.
    type Attempt;

    #[wasm_bindgen(constructor)]
    fn new() -> Attempt;

    /// Starts the attempt; every step is reported to `on(kind, value)` (the kinds below), never
    /// synchronously and never after `stop()`.
    #[wasm_bindgen(method)]
    #[allow(clippy::too_many_arguments)]
    fn run(
        this: &Attempt,
        fetch: Option<Function>,
        url: &str,
        method: &str,
        headers: js_sys::Array,
        body: JsValue,
        with_credentials: bool,
        last_event_id: &str,
        on: &Closure<dyn FnMut(u32, JsValue) -> bool>,
    );

    /// Silences the attempt and aborts its request.
    #[wasm_bindgen(method)]
    fn stop(this: &Attempt);

    /// Aborts the request; the attempt then reports a loss.
    #[wasm_bindgen(method)]
    fn abort(this: &Attempt);
}

// The kinds of `on(kind, value)`, as in fetch.js.
/// The request could not be made (a getter failed, a header or `fetch` refused); a message.
const REFUSED: u32 = 0;
/// `fetch` rejected (a network error, a CORS refusal, our abort); a message.
const NETWORK: u32 = 1;
/// The `Response`; `on` answers whether to stream it (else its text is read).
const RESPONSE: u32 = 2;
/// The start of a response's body that is not streamed, as text.
const TEXT: u32 = 3;
/// Bytes of the event stream (a `Uint8Array`).
const CHUNK: u32 = 4;
/// The event stream ended.
const END: u32 = 5;
/// The body could not be read: a network error, or our abort for the idle timeout.
const LOST: u32 = 6;

/// The fetch transport's settings, beyond the request.
#[derive(Clone, Debug)]
pub(crate) struct FetchConfig {
    pub(crate) reconnect: ReconnectMode,
    pub(crate) idle_timeout: Option<Duration>,
    pub(crate) flush_at_end: bool,
    pub(crate) max_event_size: usize,
}

/// A fetch connection. Dropping it aborts the request and clears every timer.
pub(crate) struct FetchTransport {
    inner: Rc<Inner>,
}

/// The running attempt: dropping it silences and aborts it, and frees its callback.
struct Running {
    attempt: Attempt,
    _on: Closure<dyn FnMut(u32, JsValue) -> bool>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.attempt.stop();
    }
}

struct Inner {
    url: String,
    /// The origin of `url`, the type of unnamed events, the named events, and the last event id
    /// delivered: each event shares them.
    origin: Rc<str>,
    message_type: Rc<str>,
    /// The named events listened for; a removed one is left as `""`, which no event type is,
    /// so the others keep their index.
    names: RefCell<Vec<Rc<str>>>,
    last_id: RefCell<Rc<str>>,
    request: Rc<Request>,
    config: FetchConfig,
    sink: Weak<dyn TransportEvents>,
    parser: RefCell<Parser>,
    state: Cell<ReadyState>,
    cancelled: Cell<bool>,
    /// The current attempt, so that dropping the transport aborts it.
    running: RefCell<Option<Running>>,
    /// A response that is not an event stream, while its body's text is read.
    refused: RefCell<Option<Response>>,
    /// The wait before the next attempt.
    retry_timer: RefCell<Option<Timeout>>,
    idle_timer: RefCell<Option<Timeout>>,
    /// When the last byte (or the request's start) was seen, in ms.
    last_byte: Cell<f64>,
    idle_fired: Cell<bool>,
    /// The server's `retry:` (ms), the floor of every delay.
    retry_ms: Cell<u32>,
    /// Attempts that failed in a row (no event in between), for the backoff.
    failures: Cell<u32>,
}

/// How one attempt ended.
enum Outcome {
    /// Over for good.
    Failed(FailReason),
    /// The server asked to be asked again (408, 429, 5xx).
    Retry {
        status: u16,
        body: String,
        retry_after: Option<Duration>,
    },
    /// Lost after or before the response: end of stream, a dropped connection, the idle timeout,
    /// or a network error (its message).
    Lost(Option<String>),
}

impl FetchTransport {
    /// Resolves `url` (against the page or worker location, if any) and starts the first request.
    pub(crate) fn open(
        url: &str,
        request: Rc<Request>,
        config: FetchConfig,
        names: &[String],
        last_event_id: &str,
        sink: Weak<dyn TransportEvents>,
    ) -> Result<Self, String> {
        let url = resolve(url)?;
        let mut parser = Parser::new(config.max_event_size);
        parser.set_last_event_id(last_event_id);
        let inner = Rc::new(Inner {
            origin: url.origin().into(),
            message_type: "message".into(),
            names: RefCell::new(names.iter().map(|name| Rc::from(name.as_str())).collect()),
            last_id: RefCell::new(last_event_id.into()),
            url: url.href(),
            request,
            config,
            sink,
            parser: RefCell::new(parser),
            state: Cell::new(ReadyState::Connecting),
            cancelled: Cell::new(false),
            running: RefCell::new(None),
            refused: RefCell::new(None),
            retry_timer: RefCell::new(None),
            idle_timer: RefCell::new(None),
            last_byte: Cell::new(0.0),
            idle_fired: Cell::new(false),
            retry_ms: Cell::new(DEFAULT_RETRY.as_millis() as u32),
            failures: Cell::new(0),
        });
        Inner::start(&inner);
        Ok(FetchTransport { inner })
    }
}

impl Transport for FetchTransport {
    fn ready_state(&self) -> ReadyState {
        self.inner.state.get()
    }

    fn listen(&self, name: &str, on: bool) {
        let mut names = self.inner.names.borrow_mut();
        let slot = names.iter().position(|n| **n == *name);
        match (slot, on) {
            (None, true) => names.push(name.into()),
            (Some(index), false) => names[index] = "".into(),
            _ => {}
        }
    }
}

impl Drop for FetchTransport {
    fn drop(&mut self) {
        let inner = &self.inner;
        inner.cancelled.set(true);
        inner.state.set(ReadyState::Closed);
        drop(inner.retry_timer.borrow_mut().take());
        drop(inner.idle_timer.borrow_mut().take());
        drop(inner.running.borrow_mut().take());
    }
}

/// `url` resolved against the global scope's location (a page or a worker); absolute URLs only
/// where there is none (Node).
fn resolve(url: &str) -> Result<web_sys::Url, String> {
    match super::base_url() {
        Some(base) => web_sys::Url::new_with_base(url, &base),
        None => web_sys::Url::new(url),
    }
    .map_err(|error| crate::decode::js_error_message(&error))
}

impl Inner {
    /// Starts one attempt (its first step is reported after this returns).
    fn start(this: &Rc<Self>) {
        this.state.set(ReadyState::Connecting);
        this.idle_fired.set(false);
        this.touch();
        this.arm_idle_timer();

        let me = Rc::downgrade(this);
        let on = Closure::new(move |kind: u32, value: JsValue| {
            me.upgrade().is_some_and(|inner| inner.on(kind, value))
        });
        let attempt = Attempt::new();
        let request = &this.request;
        let (headers, body) = request.start_parts();
        attempt.run(
            request.fetch.clone(),
            &this.url,
            &request.method,
            headers,
            body,
            request.include_credentials,
            this.parser.borrow().last_event_id(),
            &on,
        );
        *this.running.borrow_mut() = Some(Running { attempt, _on: on });
    }

    fn sink(&self) -> Option<Rc<dyn TransportEvents>> {
        if self.cancelled.get() {
            return None;
        }
        self.sink.upgrade()
    }

    /// One step of the attempt (see the kinds); the answer matters for [`RESPONSE`] only.
    fn on(self: &Rc<Self>, kind: u32, value: JsValue) -> bool {
        if self.cancelled.get() {
            return false;
        }
        let outcome = match kind {
            REFUSED => Outcome::Failed(FailReason::Request(value.as_string().unwrap_or_default())),
            NETWORK if self.idle_fired.get() => Outcome::Lost(None),
            NETWORK => Outcome::Lost(value.as_string()),
            RESPONSE => return self.respond(value.unchecked_into()),
            TEXT => {
                let Some(response) = self.refused.borrow_mut().take() else {
                    return false;
                };
                refusal(&response, value.as_string().unwrap_or_default())
            }
            CHUNK => {
                self.touch();
                let chunk = value.unchecked_into::<Uint8Array>().to_vec();
                let fed = self.parse(Some(&chunk));
                match fed {
                    _ if self.cancelled.get() => return false,
                    Ok(()) => return true,
                    Err(too_large) => Outcome::Failed(FailReason::EventTooLarge {
                        limit: too_large.limit,
                    }),
                }
            }
            END => {
                let ended = self.parse(None);
                match ended {
                    _ if self.cancelled.get() => return false,
                    Ok(()) => Outcome::Lost(None),
                    Err(too_large) => Outcome::Failed(FailReason::EventTooLarge {
                        limit: too_large.limit,
                    }),
                }
            }
            LOST => Outcome::Lost(None),
            _ => return false,
        };
        drop(self.idle_timer.borrow_mut().take());
        self.settle(outcome);
        false
    }

    /// Runs the parser on a chunk, or on the end of the stream (`None`), then delivers its
    /// events. Their data crosses to JS as one string, cut into each event's: one `TextDecoder`
    /// call per chunk, not per event (it was a third of the time of a small message); a large
    /// event crosses alone, its text the parser's own buffer. An id committed with no delivered
    /// event to carry it is reported once, afterwards, so the common case (every event has its
    /// id) costs no extra copy per message.
    fn parse(&self, chunk: Option<&[u8]>) -> Result<(), EventTooLarge> {
        let mut batch = Batch {
            inner: self,
            text: String::new(),
            events: Vec::new(),
            id_changed: false,
        };
        let parsed = {
            let mut parser = self.parser.borrow_mut();
            match chunk {
                Some(chunk) => parser.feed(chunk, &mut batch),
                None => parser.finish(self.config.flush_at_end, &mut batch),
            }
        };
        let Batch {
            text,
            events,
            id_changed,
            ..
        } = batch;
        let shared = Rc::new(text);
        // Made at the first event that needs it: there may be only large ones.
        let mut all: Option<JsString> = None;
        let (mut byte, mut unit) = (0, 0);
        for event in events {
            let Some(sink) = self.sink() else { break };
            self.failures.set(0);
            let (text, data) = match event.own {
                Some(own) => {
                    let data = JsString::from(own.as_str());
                    (Text::whole(own), data)
                }
                None => {
                    let all = all.get_or_insert_with(|| JsString::from(shared.as_str()));
                    let data = all.substring(unit, unit + event.units);
                    let text = Text::range(&shared, byte, byte + event.bytes);
                    (byte, unit) = (byte + event.bytes, unit + event.units);
                    (text, data)
                }
            };
            let raw = RawMessage::parsed(text, data.into(), event.fields);
            sink.message(event.kind, raw);
        }
        if id_changed {
            if let Some(sink) = self.sink() {
                sink.id_changed(self.parser.borrow().last_event_id());
            }
        }
        parsed
    }

    /// The response arrived: stream it if it is an event stream, else have its text read.
    fn respond(&self, response: Response) -> bool {
        let status = response.status();
        if !(200..300).contains(&status)
            || status == 204
            || !is_event_stream(&content_type(&response))
        {
            *self.refused.borrow_mut() = Some(response);
            return false;
        }
        self.state.set(ReadyState::Open);
        self.parser.borrow_mut().reset();
        match self.sink() {
            Some(sink) => sink.opened(Some(JsValue::clone(response.as_ref()))),
            None => return false,
        }
        !self.cancelled.get()
    }

    /// What to do after an attempt: retry after a delay, or report the end.
    fn settle(self: &Rc<Self>, outcome: Outcome) {
        let loss = match outcome {
            Outcome::Failed(reason) => Loss::Failed(reason),
            Outcome::Retry { status, body, .. }
                if self.config.reconnect == ReconnectMode::Never =>
            {
                Loss::Failed(FailReason::Http { status, body })
            }
            Outcome::Retry {
                status,
                body,
                retry_after,
            } => {
                let delay = self.next_delay().max(retry_after.unwrap_or_default());
                self.schedule(delay);
                Loss::Retrying {
                    delay: Some(delay),
                    response: Some((status, body)),
                }
            }
            Outcome::Lost(error) if !self.may_repeat() => Loss::Failed(match error {
                Some(message) => FailReason::Request(message),
                None => FailReason::Lost,
            }),
            Outcome::Lost(_) => {
                let delay = self.next_delay();
                self.schedule(delay);
                Loss::Retrying {
                    delay: Some(delay),
                    response: None,
                }
            }
        };
        if matches!(loss, Loss::Failed(_)) {
            self.state.set(ReadyState::Closed);
        }
        if let Some(sink) = self.sink() {
            sink.lost(loss);
        }
    }

    /// Whether a lost stream may be requested again: GET always (as `EventSource` does), other
    /// methods only with an event id to resume from, unless the user said always or never.
    fn may_repeat(&self) -> bool {
        match self.config.reconnect {
            ReconnectMode::Always => true,
            ReconnectMode::Never => false,
            ReconnectMode::Auto => {
                self.request.method.eq_ignore_ascii_case("GET")
                    || !self.parser.borrow().last_event_id().is_empty()
            }
        }
    }

    /// The backoff delay of the next attempt: the server's `retry:` as the floor.
    fn next_delay(&self) -> Duration {
        let failures = self.failures.get() + 1;
        self.failures.set(failures);
        retry_delay(self.retry_ms.get(), failures, js_sys::Math::random())
    }

    /// Starts the next attempt after `delay`.
    fn schedule(self: &Rc<Self>, delay: Duration) {
        self.state.set(ReadyState::Connecting);
        let me = Rc::downgrade(self);
        let timer = Timeout::new(millis(delay), move || {
            if let Some(inner) = me.upgrade() {
                drop(inner.retry_timer.borrow_mut().take());
                if !inner.cancelled.get() {
                    Inner::start(&inner);
                }
            }
        });
        *self.retry_timer.borrow_mut() = Some(timer);
    }

    fn touch(&self) {
        self.last_byte.set(js_sys::Date::now());
    }

    /// With an idle timeout: checks for silence when it could have run out, and aborts the
    /// attempt (which then counts as lost) if it has.
    fn arm_idle_timer(self: &Rc<Self>) {
        let Some(idle) = self.config.idle_timeout else {
            return;
        };
        let idle_ms = idle.as_secs_f64() * 1000.0;
        let wait = (self.last_byte.get() + idle_ms - js_sys::Date::now()).max(1.0);
        let me = Rc::downgrade(self);
        let timer = Timeout::new(wait.min(i32::MAX as f64) as u32, move || {
            let Some(inner) = me.upgrade() else { return };
            if js_sys::Date::now() - inner.last_byte.get() < idle_ms {
                return inner.arm_idle_timer();
            }
            inner.idle_fired.set(true);
            if let Some(running) = &*inner.running.borrow() {
                running.attempt.abort();
            };
        });
        *self.idle_timer.borrow_mut() = Some(timer);
    }
}

/// How an attempt whose response is not an event stream ends, given its body's start.
fn refusal(response: &Response, body: String) -> Outcome {
    let status = response.status();
    if (200..300).contains(&status) && status != 204 {
        return Outcome::Failed(FailReason::ContentType {
            status,
            content_type: content_type(response),
            body,
        });
    }
    match status {
        408 | 429 | 500..=599 => Outcome::Retry {
            status,
            body,
            retry_after: retry_after(response),
        },
        _ => Outcome::Failed(FailReason::Http { status, body }),
    }
}

fn content_type(response: &Response) -> String {
    response
        .headers()
        .get("content-type")
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// An event larger than this crosses alone, its text the parser's buffer taken rather than copied
/// into the batch: beside its size, its own `TextDecoder` call costs nothing.
const ALONE_ABOVE: usize = 16 * 1024;

/// What the parser found in one chunk, to be delivered once it is parsed.
struct Batch<'a> {
    inner: &'a Inner,
    /// Every event's data, one after the other.
    text: String,
    events: Vec<Pending>,
    /// The id changed since the last event (which carries its id).
    id_changed: bool,
}

/// An event of a [`Batch`]: its data is its own (a large one), or the next `bytes` of the
/// batch's text (`units` UTF-16 units).
struct Pending {
    kind: EventKind,
    fields: Fields,
    own: Option<String>,
    bytes: usize,
    units: u32,
}

impl Sink for Batch<'_> {
    fn event(&mut self, event: Event<'_>) {
        let inner = self.inner;
        let (kind, event_type) = if event.event_type == "message" {
            (EventKind::Message, Rc::clone(&inner.message_type))
        } else {
            let names = inner.names.borrow();
            match names.iter().position(|name| **name == *event.event_type) {
                Some(index) => (EventKind::Named(index), Rc::clone(&names[index])),
                // Nobody listens: an EventSource would not deliver it either.
                None => return,
            }
        };
        let last_event_id = {
            let mut last_id = inner.last_id.borrow_mut();
            if **last_id != *event.last_event_id {
                *last_id = event.last_event_id.into();
            }
            Rc::clone(&last_id)
        };
        let fields = Fields {
            event_type,
            last_event_id,
            origin: Rc::clone(&inner.origin),
        };
        self.id_changed = false;
        // A large event takes the parser's buffer: no copy, and no batch it would hold in memory.
        let (own, bytes, units) = if event.data.len() > ALONE_ABOVE {
            (Some(core::mem::take(event.data)), 0, 0)
        } else {
            self.text.push_str(event.data);
            (None, event.data.len(), utf16_len(event.data))
        };
        self.events.push(Pending {
            kind,
            fields,
            own,
            bytes,
            units,
        });
    }

    fn last_event_id(&mut self, _id: &str) {
        self.id_changed = true;
    }

    fn retry(&mut self, ms: u64) {
        // Clamped here, before any timer sees it: above 2^31 - 1, setTimeout fires at once.
        self.inner.retry_ms.set(ms.min(i32::MAX as u64) as u32);
    }
}

/// The length of `text` in UTF-16 units, as JS counts it: one per character, two above U+FFFF
/// (a 4-byte sequence).
fn utf16_len(text: &str) -> u32 {
    if text.is_ascii() {
        return text.len() as u32;
    }
    text.bytes()
        .map(|byte| u32::from(byte & 0xC0 != 0x80) + u32::from(byte >= 0xF0))
        .sum()
}

/// Whether a `Content-Type` names `text/event-stream` (parameters allowed).
fn is_event_stream(content_type: &str) -> bool {
    // A byte search: `split(';')` would link a char searcher.
    let end = content_type
        .bytes()
        .position(|byte| byte == b';')
        .unwrap_or(content_type.len());
    content_type.as_bytes()[..end]
        .trim_ascii()
        .eq_ignore_ascii_case(b"text/event-stream")
}

/// The `Retry-After` header: seconds, or an HTTP date.
fn retry_after(response: &Response) -> Option<Duration> {
    let value = response.headers().get("retry-after").ok().flatten()?;
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = js_sys::Date::parse(value);
    (at.is_finite()).then(|| Duration::from_millis((at - js_sys::Date::now()).max(0.0) as u64))
}

/// A delay as `setTimeout` milliseconds (which overflow above 2^31 - 1).
fn millis(delay: Duration) -> u32 {
    delay.as_millis().min(i32::MAX as u128) as u32
}

#[cfg(test)]
mod tests {
    use super::utf16_len;

    #[test]
    fn utf16_lengths_are_what_js_counts() {
        assert_eq!(utf16_len(""), 0);
        assert_eq!(utf16_len("data"), 4);
        // 2-, 3- and 4-byte sequences: one, one and two units.
        assert_eq!(utf16_len("é中😀"), 4);
        assert_eq!(utf16_len("a\u{FFFD}b"), 3);
    }
}
