//! The JavaScript face of the crate (feature `js`, used to build the npm package): an
//! `SSEService` class that only converts JS values and calls the Rust core.

mod error;
mod handler;
mod options;
mod stream;
mod subscription;

use std::rc::Rc;

use wasm_bindgen::prelude::*;

use crate::{SseOptions, SseService};
use handler::JsHandler;
use options::ConnectOptions;
use stream::{Queue, SseStreamIterator};
use subscription::JsSubscription;

/// The npm package's allocator: smaller than std's dlmalloc. Only this `js` build (a cdylib of
/// its own) sets it; a library never chooses the allocator of a Rust app.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// A Server-Sent Events client over the browser's `EventSource`: JSON parsing, named events,
/// and a completion guard that tells the server's final message apart from a real error.
///
/// ```js
/// import init, { SSEService } from "wasm-sse";
/// await init();
/// const sse = new SSEService();
/// sse.connect(`/api/chat?q=${encodeURIComponent(prompt)}`, {
///   onMessage: (data) => render(data.text),
///   isFinal: (data) => data.status === 1,
///   onComplete: () => console.log("done"),
///   onError: (error) => console.error(error.kind, error.message),
/// });
/// ```
#[wasm_bindgen(js_name = SSEService)]
pub struct JsSseService {
    service: SseService,
    /// The queue of the iterator `stream()` returned last, ended when its connection goes.
    stream: Option<Rc<Queue>>,
}

#[wasm_bindgen(js_class = SSEService)]
impl JsSseService {
    /// A service with no connection yet (`readyState` 2).
    #[wasm_bindgen(constructor)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> JsSseService {
        JsSseService {
            service: SseService::new(),
            stream: None,
        }
    }

    /// Opens `url`, closing any previous connection first.
    ///
    /// @param url - the stream's URL, absolute or relative to the page.
    /// @param options - callbacks, completion rules and connection settings.
    /// @throws {SyntaxError} if the browser refuses the URL.
    /// @throws {TypeError} for an unknown option or a value of the wrong type.
    pub fn connect(&mut self, url: String, options: Option<ConnectOptions>) -> Result<(), JsValue> {
        let (core, handler) = options::read(options, false)?;
        self.open(&url, core, handler)
    }

    /// Closes the connection. Never calls `onError`; idempotent; `readyState` becomes 2.
    pub fn disconnect(&mut self) {
        self.service.disconnect();
        self.end_stream();
    }

    /// True from the moment a normal completion or a disconnect begins.
    #[wasm_bindgen(getter, js_name = isClosing)]
    pub fn is_closing(&self) -> bool {
        self.service.is_closing()
    }

    /// 0 CONNECTING (also while reconnecting), 1 OPEN, 2 CLOSED (also before the first connect).
    #[wasm_bindgen(getter, js_name = readyState, unchecked_return_type = "0 | 1 | 2")]
    pub fn ready_state(&self) -> u16 {
        self.service.ready_state() as u16
    }

    /// How the connection ended: `"completed"` (a completion rule matched), `"disconnected"`
    /// (`disconnect()`, an aborted `signal`, a new `connect`), `"failed"`; `null` while it is
    /// going or before the first connect. Tells a `stream()` loop that completed from one that
    /// was ended by a disconnect.
    #[wasm_bindgen(getter, js_name = closeReason, unchecked_return_type = "\"completed\" | \"disconnected\" | \"failed\" | null")]
    pub fn close_reason(&self) -> JsValue {
        match self.service.close_reason() {
            None => JsValue::NULL,
            Some(crate::CloseReason::Completed) => "completed".into(),
            Some(crate::CloseReason::Disconnected) => "disconnected".into(),
            Some(_) => "failed".into(),
        }
    }

    /// The last event id seen; `""` until an event with an id arrives.
    #[wasm_bindgen(getter, js_name = lastEventId)]
    pub fn last_event_id(&self) -> String {
        self.service.last_event_id()
    }

    /// Connects (closing any previous connection) and returns an async iterator of each
    /// message's data: it returns on normal completion, throws an `SSEError` on failure, and
    /// `break` disconnects. Parse errors go to `options.onError` if given (the stream goes on),
    /// else they are thrown, which ends the loop and closes the connection. Messages are the
    /// iterator's: `onMessage` and `onComplete` are not accepted here.
    ///
    /// ```js
    /// for await (const chunk of sse.stream("/api/chat?q=hi", { isFinal: (d) => d.status === 1 })) {
    ///   answer += chunk.text;
    /// }
    /// ```
    /// @throws {SyntaxError} if the browser refuses the URL.
    /// @throws {TypeError} for an unknown option, a value of the wrong type, `onMessage` or `onComplete`.
    #[wasm_bindgen(unchecked_return_type = "AsyncIterableIterator<unknown>")]
    pub fn stream(
        &mut self,
        url: String,
        options: Option<ConnectOptions>,
    ) -> Result<JsValue, JsValue> {
        let (core, mut handler) = options::read(options, true)?;
        let queue = Queue::new();
        handler.stream = Some(queue.clone());
        self.open(&url, core, handler)?;
        if let Some(connection) = self.service.connection() {
            queue.attach(Rc::downgrade(connection));
        }
        self.stream = Some(queue.clone());
        Ok(SseStreamIterator::into_js(queue))
    }
}

#[wasm_bindgen(js_class = SSEService)]
impl JsSseService {
    /// Subscribes to a shared stream: subscribers to the same URL and connection settings share
    /// one connection (in this page, or with `share: "tabs"` between the tabs of this origin).
    /// Each has its own callbacks, named events, parsing and completion rule; the connection
    /// closes when the last one unsubscribes. GET only.
    ///
    /// ```js
    /// const bell = SSEService.subscribe("/notifications", { onMessage: (n) => ring(n) });
    /// const list = SSEService.subscribe("/notifications", { onMessage: (n) => add(n), replayLast: true });
    /// bell.unsubscribe(); // the list still listens on the same connection
    /// ```
    /// @param url - the stream's URL, absolute or relative to the page.
    /// @param options - the `connect` options, plus `share` and `replayLast`.
    /// @throws {SyntaxError} if the URL is refused.
    /// @throws {TypeError} for an unknown option, a value of the wrong type, or a stream that
    /// cannot be shared (a method other than GET, a body, a custom fetch, a headers function).
    pub fn subscribe(url: String, options: JsValue) -> Result<JsSubscription, JsValue> {
        subscription::subscribe(&url, options)
    }
}

impl JsSseService {
    fn open(
        &mut self,
        url: &str,
        options: SseOptions<JsValue>,
        handler: JsHandler,
    ) -> Result<(), JsValue> {
        self.end_stream();
        let handler = Box::new(handler);
        self.service
            .connect_with(url, options, handler)
            .map_err(error::thrown)
    }

    fn end_stream(&mut self) {
        if let Some(queue) = self.stream.take() {
            queue.end();
        }
    }
}

impl std::fmt::Debug for JsSseService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SSEService")
            .field("service", &self.service)
            .finish_non_exhaustive()
    }
}

impl Drop for JsSseService {
    fn drop(&mut self) {
        self.end_stream();
    }
}
