//! Reading an `SSEConnectOptions` object into the core's `SseOptions`: every key checked, and a
//! `TypeError` naming the option for an unknown key or a value of the wrong type.

use js_sys::{Function, Object, Reflect};
use wasm_bindgen::prelude::*;

use crate::js::error;
use crate::{Message, SseOptions};

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
  /** Called for each unnamed (`message`) event with its (parsed) data and the raw event. */
  onMessage?: (data: unknown, event: MessageEvent) => void;
  /** Handlers for named events (the `event:` field), by event name. */
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

const KEYS: [&str; 12] = [
    "withCredentials",
    "json",
    "onOpen",
    "onMessage",
    "events",
    "isFinal",
    "doneEvent",
    "doneData",
    "onComplete",
    "onReconnecting",
    "onError",
    "maxReconnectAttempts",
];

fn type_error(message: String) -> JsValue {
    js_sys::TypeError::new(&format!("SSEConnectOptions: {message}")).into()
}

/// An object's own enumerable keys.
fn keys(object: &JsValue) -> Vec<String> {
    let object: &Object = object.unchecked_ref();
    Object::keys(object)
        .iter()
        .filter_map(|key| key.as_string())
        .collect()
}

/// What a value is, for error messages.
fn describe(value: &JsValue) -> String {
    if value.is_null() {
        "null".into()
    } else if value.is_array() {
        "an array".into()
    } else {
        value.js_typeof().as_string().unwrap_or_default()
    }
}

/// The options as read from JS: the callbacks still JS functions.
#[derive(Default)]
pub(crate) struct JsOptions {
    pub(crate) on_error: Option<Function>,
    fields: Vec<(String, JsValue)>,
}

impl JsOptions {
    /// Checks every key of `options` (which may be `undefined`).
    pub(crate) fn read(options: Option<ConnectOptions>) -> Result<Self, JsValue> {
        let mut read = JsOptions::default();
        let Some(options) = options
            .map(JsValue::from)
            .filter(|o| !o.is_undefined() && !o.is_null())
        else {
            return Ok(read);
        };
        if !options.is_object() || options.is_array() {
            return Err(type_error(format!(
                "options must be an object, got {}",
                describe(&options)
            )));
        }
        for key in keys(&options) {
            if !KEYS.contains(&key.as_str()) {
                return Err(type_error(format!("unknown option \"{key}\"")));
            }
            let value = Reflect::get(&options, &key.as_str().into())?;
            if value.is_undefined() {
                continue;
            }
            check_type(&key, &value)?;
            if key == "onError" {
                read.on_error = Some(value.clone().unchecked_into());
            }
            read.fields.push((key, value));
        }
        Ok(read)
    }

    fn get(&self, key: &str) -> Option<&JsValue> {
        self.fields.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    fn function(&self, key: &str) -> Option<Function> {
        self.get(key).map(|f| f.clone().unchecked_into())
    }

    /// Whether a key was given (and not `undefined`).
    pub(crate) fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Builds the core options. `on_error` is left for the caller (the service and the stream
    /// route errors differently).
    pub(crate) fn into_core(self) -> SseOptions<JsValue> {
        let json = self.get("json").is_none_or(|v| v.is_truthy());
        let mut options = if json {
            SseOptions::json_value()
        } else {
            SseOptions::raw()
        };
        if let Some(v) = self.get("withCredentials") {
            options = options.with_credentials(v.is_truthy());
        }
        if let Some(f) = self.function("onOpen") {
            options = options.on_open(move || call(&f, &[]));
        }
        if let Some(f) = self.function("onMessage") {
            options = options.on_message(move |m| deliver(&f, m));
        }
        if let Some(events) = self.get("events") {
            for name in keys(events) {
                let f: Function = Reflect::get(events, &name.as_str().into())
                    .unwrap_or_default()
                    .unchecked_into();
                options = options.on_event(&name, move |m| deliver(&f, m));
            }
        }
        if let Some(f) = self.function("isFinal") {
            options = options.complete_when(move |data| {
                f.call1(&JsValue::UNDEFINED, data)
                    .map_err(report)
                    .is_ok_and(|answer| answer.is_truthy())
            });
        }
        if let Some(name) = self.get("doneEvent").and_then(JsValue::as_string) {
            options = options.done_event(&name);
        }
        if let Some(data) = self.get("doneData").and_then(JsValue::as_string) {
            options = options.done_data(&data);
        }
        if let Some(f) = self.function("onComplete") {
            options = options.on_complete(move || call(&f, &[]));
        }
        if let Some(f) = self.function("onReconnecting") {
            options = options.on_reconnecting(move |info| {
                let js = Object::new();
                let _ = Reflect::set(&js, &"attempt".into(), &info.attempt.into());
                let _ = Reflect::set(&js, &"lastEventId".into(), &info.last_event_id.into());
                call(&f, &[js.into()]);
            });
        }
        if let Some(attempts) = self.get("maxReconnectAttempts").and_then(JsValue::as_f64) {
            options = options.max_retries(attempts as u32);
        }
        options
    }
}

/// Checks one option's type; the message names the option and what it got.
fn check_type(key: &str, value: &JsValue) -> Result<(), JsValue> {
    let expected = match key {
        "withCredentials" | "json" if value.as_bool().is_none() => "a boolean",
        "doneEvent" | "doneData" if value.as_string().is_none() => "a string",
        "maxReconnectAttempts" => match value.as_f64() {
            Some(n) if n >= 0.0 && n.fract() == 0.0 && n <= u32::MAX as f64 => return Ok(()),
            _ => "a whole number of at least 0",
        },
        "events" => {
            if !value.is_object() || value.is_array() || value.is_function() {
                "an object of functions"
            } else {
                for name in keys(value) {
                    let handler = Reflect::get(value, &name.as_str().into())?;
                    if !handler.is_function() {
                        return Err(type_error(format!(
                            "events[\"{name}\"] must be a function, got {}",
                            describe(&handler)
                        )));
                    }
                }
                return Ok(());
            }
        }
        "onOpen" | "onMessage" | "isFinal" | "onComplete" | "onReconnecting" | "onError"
            if !value.is_function() =>
        {
            "a function"
        }
        _ => return Ok(()),
    };
    Err(type_error(format!(
        "{key} must be {expected}, got {}",
        describe(value)
    )))
}

/// Calls a user function; an exception is logged, never propagated into the service.
pub(crate) fn call(f: &Function, args: &[JsValue]) {
    let result = match args {
        [] => f.call0(&JsValue::UNDEFINED),
        [a] => f.call1(&JsValue::UNDEFINED, a),
        [a, b, ..] => f.call2(&JsValue::UNDEFINED, a, b),
    };
    if let Err(exception) = result {
        report(exception);
    }
}

fn deliver(f: &Function, message: Message<JsValue>) {
    let (data, event) = message.into_parts();
    call(f, &[data, event.into()]);
}

/// Reports an exception thrown by a user callback, as the browser does for event listeners.
fn report(exception: JsValue) {
    web_sys::console::error_2(&"wasm-sse: a callback threw:".into(), &exception);
}

/// Passes an error to `onError`, if any, as an `SSEError`.
pub(crate) fn report_error(on_error: Option<&Function>, error: &crate::SseError) {
    if let (Some(f), Some(js)) = (on_error, error::to_js(error)) {
        call(f, &[js]);
    }
}
