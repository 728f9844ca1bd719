//! Reading an `SSEConnectOptions` object into the core's `SseOptions`. `support.js` checks it
//! first, throwing a `TypeError` that names an unknown key or a value of the wrong type.

use std::time::Duration;

use js_sys::{Array, Function, Object, Reflect};
use wasm_bindgen::prelude::*;

use crate::js::handler::{JsHandler, MessageCallback};
use crate::transport::Part;
use crate::{ReconnectMode, SseOptions, TransportKind};

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = r#"
/** What `onReconnecting` is told about a transient loss. */
export interface SSEReconnectInfo {
  /** Which reconnection attempt this is since the last event arrived, from 1. */
  attempt: number;
  /** The last event id seen (`""` if none); the browser resends it as `Last-Event-ID`. */
  lastEventId: string;
}

/** The error passed to `onError` and thrown by `stream()`: a real `Error` with `name` "SSEError". */
export interface SSEError extends Error {
  /** `"failed"`: the connection is over. `"parse"`: a message's data was not valid JSON; the stream goes on. */
  kind: "failed" | "parse";
  /** Human-readable. */
  message: string;
  /** With kind `"parse"`: the raw data text, so nothing is lost. */
  data?: string;
  /** The ready state when the error happened (`2` for `"failed"`). */
  readyState: 0 | 1 | 2;
}

/**
 * Options for `SSEService.connect` and `SSEService.stream`. Every key is optional; an unknown
 * key or a value of the wrong type throws a `TypeError` naming it, at connect time.
 */
export interface SSEConnectOptions {
  /** Send cookies on a cross-origin request (`EventSource` `withCredentials`). Default `false`. */
  withCredentials?: boolean;
  /** Parse each message's data with `JSON.parse` (default `true`); `false` passes the raw string. */
  json?: boolean;
  /** Called each time the connection opens, reconnections included. */
  onOpen?: () => void;
  /** Called for each unnamed (`message`) event with its (parsed) data and the raw event (passed only to a function that declares it). */
  onMessage?: (data: unknown, event: MessageEvent) => void;
  /** Handlers for named events (the `event:` field), by event name; the event is passed as for `onMessage`. */
  events?: Record<string, (data: unknown, event: MessageEvent) => void>;
  /** A message for which this returns true is the last: it is delivered, then the connection closes as a normal completion (e.g. `d => d.status === 1`). */
  isFinal?: (data: unknown) => boolean;
  /** A named event that marks normal completion (e.g. `"done"`); its data goes to `events[doneEvent]` first, if present. */
  doneEvent?: string;
  /** A raw data value that marks completion (e.g. `"[DONE]"`); it is neither parsed nor delivered. */
  doneData?: string;
  /** Called once, after a normal completion closed the connection. */
  onComplete?: () => void;
  /** Called on a transient loss: the browser is reconnecting (sending `Last-Event-ID`). Not an error. */
  onReconnecting?: (info: SSEReconnectInfo) => void;
  /** Called for real errors only, never after a completion or a disconnect began. */
  onError?: (error: SSEError) => void;
  /** Failed reconnection attempts in a row (no event in between) before giving up with an `SSEError` of kind `"failed"`. Default 5; `0` never reconnects. */
  maxReconnectAttempts?: number;
}
"#;

#[wasm_bindgen]
extern "C" {
    /// The options object, typed for TypeScript.
    #[wasm_bindgen(typescript_type = "SSEConnectOptions")]
    pub type ConnectOptions;
}

#[wasm_bindgen(module = "/src/js/support.js")]
extern "C" {
    #[wasm_bindgen(catch)]
    fn validate_options(options: &JsValue, for_stream: bool) -> Result<(), JsValue>;
}

/// Checks `options` (which may be `undefined`) and reads it into the core's options and a
/// handler of its JS callbacks. `for_stream` refuses the callbacks that `stream()` takes over.
pub(crate) fn read(
    options: Option<ConnectOptions>,
    for_stream: bool,
) -> Result<(SseOptions<JsValue>, JsHandler), JsValue> {
    let options = options.map_or(JsValue::UNDEFINED, JsValue::from);
    validate_options(&options, for_stream)?;
    let get = |key: &str| {
        (!options.is_undefined() && !options.is_null())
            .then(|| Reflect::get(&options, &key.into()).ok())
            .flatten()
            .filter(|value| !value.is_undefined())
    };
    let function = |key: &str| get(key).map(JsCast::unchecked_into::<Function>);

    let json = get("json").is_none_or(|v| v.is_truthy());
    let mut core = if json {
        SseOptions::json_value()
    } else {
        SseOptions::raw()
    };
    if let Some(v) = get("withCredentials") {
        core = core.with_credentials(v.is_truthy());
    }
    let mut events = Vec::new();
    if let Some(handlers) = get("events") {
        for entry in Object::entries(handlers.unchecked_ref()).iter() {
            let entry: Array = entry.unchecked_into();
            core = core.event(&entry.get(0).as_string().unwrap_or_default());
            events.push(MessageCallback::new(entry.get(1).unchecked_into()));
        }
    }
    if let Some(name) = get("doneEvent").and_then(|v| v.as_string()) {
        core = core.done_event(&name);
    }
    if let Some(data) = get("doneData").and_then(|v| v.as_string()) {
        core = core.done_data(&data);
    }
    if let Some(attempts) = get("maxReconnectAttempts").and_then(|v| v.as_f64()) {
        core = core.max_retries(attempts as u32);
    }
    core = read_fetch_options(core, &get);
    let handler = JsHandler {
        on_open: function("onOpen"),
        on_message: function("onMessage").map(MessageCallback::new),
        events,
        is_final: function("isFinal"),
        on_complete: function("onComplete"),
        on_reconnecting: function("onReconnecting"),
        on_error: function("onError"),
        stream: None,
    };
    Ok((core, handler))
}

/// The transport choice and the fetch transport's options (already checked by `support.js`).
fn read_fetch_options(
    mut core: SseOptions<JsValue>,
    get: &impl Fn(&str) -> Option<JsValue>,
) -> SseOptions<JsValue> {
    let string = |key: &str| get(key).and_then(|v| v.as_string());
    match string("transport").as_deref() {
        Some("fetch") => core = core.transport(TransportKind::Fetch),
        Some("eventsource") => core = core.transport(TransportKind::EventSource),
        _ => {}
    }
    if let Some(method) = string("method") {
        core = core.method(&method);
    }
    if let Some(headers) = get("headers") {
        core.request.headers.push(Part::Value(headers));
    }
    if let Some(body) = get("body").filter(|body| !body.is_null()) {
        core.request.body = Some(Part::Value(body));
    }
    if let Some(fetch) = get("fetch") {
        core = core.fetch_function(fetch.unchecked_into());
    }
    if let Some(signal) = get("signal") {
        core = core.signal(signal.unchecked_into());
    }
    if let Some(id) = string("lastEventId") {
        core = core.last_event_id(&id);
    }
    if let Some(ms) = get("idleTimeout").and_then(|v| v.as_f64()) {
        core = core.idle_timeout(Duration::from_micros((ms * 1000.0) as u64));
    }
    match string("reconnect").as_deref() {
        Some("always") => core = core.reconnect_mode(ReconnectMode::Always),
        Some("never") => core = core.reconnect_mode(ReconnectMode::Never),
        Some(_) => core = core.reconnect_mode(ReconnectMode::Auto),
        None => {}
    }
    if get("flushAtEnd").is_some_and(|v| v.is_truthy()) {
        core = core.flush_at_end(true);
    }
    if let Some(bytes) = get("maxEventSize").and_then(|v| v.as_f64()) {
        core = core.max_event_size(bytes as usize);
    }
    core
}
