//! `fetch` as a transport: the request is ours (any method, headers, a body), the response body
//! is read chunk by chunk into wasm-sse's own parser, and reconnection follows the spec's rules
//! plus what chat APIs need: `Last-Event-ID` on every retry, the server's `retry:` as the floor of
//! an exponential backoff with jitter, `Retry-After` honoured, an idle timeout, and a non-GET
//! request repeated only when it can resume.
//!
//! One attempt is one `async` task; everything it started (the request, through an
//! `AbortController`; its timers) is cancelled when the transport is dropped. Nothing here knows
//! about completion rules or budgets: the connection decides, from the signals.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use std::time::Duration;

use gloo_timers::callback::Timeout;
use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::{
    AbortController, MessageEvent, MessageEventInit, ReadableStream, ReadableStreamDefaultReader,
    Response,
};

use super::request::{Request, Sent};
use super::{EventKind, Loss, Transport, TransportEvents};
use crate::parser::{Event, Parser, Sink};
use crate::reconnect::{retry_delay, ReconnectMode, DEFAULT_RETRY};
use crate::{FailReason, ReadyState};

/// How much of an error response's body is kept.
const ERROR_BODY_LIMIT: usize = 64 * 1024;

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

struct Inner {
    url: String,
    /// The origin of `url`, for each `MessageEvent`.
    origin: String,
    request: Rc<Request>,
    config: FetchConfig,
    names: Vec<String>,
    sink: Weak<dyn TransportEvents>,
    parser: RefCell<Parser>,
    state: Cell<ReadyState>,
    cancelled: Cell<bool>,
    /// The current attempt's, so that dropping the transport aborts it.
    controller: RefCell<Option<AbortController>>,
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
    /// The transport was dropped meanwhile: say nothing.
    Cancelled,
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
            origin: url.origin(),
            url: url.href(),
            request,
            config,
            names: names.to_vec(),
            sink,
            parser: RefCell::new(parser),
            state: Cell::new(ReadyState::Connecting),
            cancelled: Cell::new(false),
            controller: RefCell::new(None),
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
}

impl Drop for FetchTransport {
    fn drop(&mut self) {
        let inner = &self.inner;
        inner.cancelled.set(true);
        inner.state.set(ReadyState::Closed);
        drop(inner.retry_timer.borrow_mut().take());
        drop(inner.idle_timer.borrow_mut().take());
        if let Some(controller) = inner.controller.borrow_mut().take() {
            controller.abort();
        }
    }
}

/// `url` resolved against the global scope's location (a page or a worker); absolute URLs only
/// where there is none (Node).
fn resolve(url: &str) -> Result<web_sys::Url, String> {
    let base = Reflect::get(&js_sys::global(), &JsValue::from_str("location"))
        .ok()
        .filter(|location| location.is_object())
        .and_then(|location| Reflect::get(&location, &JsValue::from_str("href")).ok())
        .and_then(|href| href.as_string());
    match base {
        Some(base) => web_sys::Url::new_with_base(url, &base),
        None => web_sys::Url::new(url),
    }
    .map_err(|error| crate::decode::js_error_message(&error))
}

impl Inner {
    /// Starts one attempt in its own task.
    fn start(this: &Rc<Self>) {
        let inner = this.clone();
        spawn_local(async move {
            let outcome = inner.attempt().await;
            drop(inner.idle_timer.borrow_mut().take());
            inner.settle(outcome);
        });
    }

    fn sink(&self) -> Option<Rc<dyn TransportEvents>> {
        if self.cancelled.get() {
            return None;
        }
        self.sink.upgrade()
    }

    /// One request, read to its end.
    async fn attempt(self: &Rc<Self>) -> Outcome {
        let Ok(controller) = AbortController::new() else {
            return Outcome::Failed(FailReason::Request("no AbortController".into()));
        };
        let signal = controller.signal();
        *self.controller.borrow_mut() = Some(controller);
        self.state.set(ReadyState::Connecting);
        self.idle_fired.set(false);
        self.touch();
        self.arm_idle_timer();

        let last_event_id = self.parser.borrow().last_event_id().to_owned();
        let sent = self.request.send(&self.url, &last_event_id, &signal).await;
        if self.cancelled.get() {
            return Outcome::Cancelled;
        }
        let response: Response = match sent {
            Ok(response) => response.unchecked_into(),
            Err(Sent::Refused(message)) => return Outcome::Failed(FailReason::Request(message)),
            Err(Sent::Network(_)) if self.idle_fired.get() => return Outcome::Lost(None),
            Err(Sent::Network(message)) => return Outcome::Lost(Some(message)),
        };
        let status = response.status();
        let content_type = response
            .headers()
            .get("content-type")
            .ok()
            .flatten()
            .unwrap_or_default();
        if !(200..300).contains(&status) || status == 204 {
            let body = self.read_text(&response).await;
            return match status {
                408 | 429 | 500..=599 => Outcome::Retry {
                    status,
                    body,
                    retry_after: retry_after(&response),
                },
                _ => Outcome::Failed(FailReason::Http { status, body }),
            };
        }
        if !is_event_stream(&content_type) {
            let body = self.read_text(&response).await;
            return Outcome::Failed(FailReason::ContentType {
                status,
                content_type,
                body,
            });
        }

        self.state.set(ReadyState::Open);
        self.parser.borrow_mut().reset();
        match self.sink() {
            Some(sink) => sink.opened(Some(JsValue::clone(response.as_ref()))),
            None => return Outcome::Cancelled,
        }
        let Some(reader) = reader(&response) else {
            return Outcome::Lost(None);
        };
        loop {
            let read = JsFuture::from(reader.read()).await;
            if self.cancelled.get() {
                return Outcome::Cancelled;
            }
            let Ok(read) = read else {
                // A network error, or our own abort for the idle timeout.
                return Outcome::Lost(None);
            };
            let Some(chunk) = chunk_of(&read) else {
                let flush = self.config.flush_at_end;
                let ended = self.parser.borrow_mut().finish(flush, &mut Deliver(self));
                return match ended {
                    Err(too_large) => Outcome::Failed(FailReason::EventTooLarge {
                        limit: too_large.limit,
                    }),
                    Ok(()) if self.cancelled.get() => Outcome::Cancelled,
                    Ok(()) => Outcome::Lost(None),
                };
            };
            self.touch();
            let fed = self.parser.borrow_mut().feed(&chunk, &mut Deliver(self));
            if self.cancelled.get() {
                return Outcome::Cancelled;
            }
            if let Err(too_large) = fed {
                return Outcome::Failed(FailReason::EventTooLarge {
                    limit: too_large.limit,
                });
            }
        }
    }

    /// What to do after an attempt: retry after a delay, or report the end.
    fn settle(self: &Rc<Self>, outcome: Outcome) {
        let loss = match outcome {
            Outcome::Cancelled => return,
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
            let controller = inner.controller.borrow().clone();
            if let Some(controller) = controller {
                controller.abort();
            }
        });
        *self.idle_timer.borrow_mut() = Some(timer);
    }

    /// The start of an error response's body, as text (at most [`ERROR_BODY_LIMIT`] bytes).
    async fn read_text(&self, response: &Response) -> String {
        let mut bytes = Vec::new();
        if let Some(reader) = reader(response) {
            while bytes.len() < ERROR_BODY_LIMIT {
                let Ok(read) = JsFuture::from(reader.read()).await else {
                    break;
                };
                match chunk_of(&read) {
                    Some(chunk) => bytes.extend_from_slice(&chunk),
                    None => break,
                }
            }
            let _ = reader.cancel();
        }
        bytes.truncate(ERROR_BODY_LIMIT);
        let mut text = String::from_utf8_lossy(&bytes).into_owned();
        if bytes.len() == ERROR_BODY_LIMIT {
            // The cut may have split a character: drop the replacement it made.
            if text.ends_with('\u{FFFD}') {
                text.pop();
            }
        }
        text
    }
}

/// Hands what the parser finds to the connection, as `MessageEvent`s.
struct Deliver<'a>(&'a Inner);

impl Sink for Deliver<'_> {
    fn event(&mut self, event: Event<'_>) {
        let inner = self.0;
        let kind = if event.event_type == "message" {
            EventKind::Message
        } else {
            match inner.names.iter().position(|name| name == event.event_type) {
                Some(index) => EventKind::Named(index),
                // Nobody listens: an EventSource would not deliver it either.
                None => return,
            }
        };
        let Some(sink) = inner.sink() else { return };
        inner.failures.set(0);
        let init = MessageEventInit::new();
        init.set_data(&JsValue::from_str(event.data));
        init.set_last_event_id(event.last_event_id);
        init.set_origin(&inner.origin);
        if let Ok(message) = MessageEvent::new_with_event_init_dict(event.event_type, &init) {
            sink.message(kind, message);
        }
    }

    fn last_event_id(&mut self, id: &str) {
        if let Some(sink) = self.0.sink() {
            sink.id_changed(id);
        }
    }

    fn retry(&mut self, ms: u64) {
        // Clamped here, before any timer sees it: above 2^31 - 1, setTimeout fires at once.
        self.0.retry_ms.set(ms.min(i32::MAX as u64) as u32);
    }
}

/// The body's reader, if the response has a body.
fn reader(response: &Response) -> Option<ReadableStreamDefaultReader> {
    let body: ReadableStream = response.body()?;
    Some(body.get_reader().unchecked_into())
}

/// The bytes of a `{ done, value }` read result, or `None` when done.
fn chunk_of(read: &JsValue) -> Option<Vec<u8>> {
    let done = Reflect::get(read, &JsValue::from_str("done")).ok()?;
    if done.is_truthy() {
        return None;
    }
    let value = Reflect::get(read, &JsValue::from_str("value")).ok()?;
    Some(value.unchecked_into::<Uint8Array>().to_vec())
}

/// Whether a `Content-Type` names `text/event-stream` (parameters allowed).
fn is_event_stream(content_type: &str) -> bool {
    content_type
        .split(';')
        .next()
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("text/event-stream"))
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
