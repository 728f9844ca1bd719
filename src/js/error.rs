//! `SSEError`: a real JS `Error` carrying `kind`, `data` and `readyState`.

use js_sys::{Error, Reflect};
use wasm_bindgen::JsValue;

use crate::SseError;

/// Builds the `SSEError` passed to `onError` and thrown by `stream()`, or `None` for errors that
/// are returned from `connect` instead (they never reach a callback).
pub(crate) fn to_js(error: &SseError) -> Option<JsValue> {
    let (kind, data, ready_state) = match error {
        // Data arrives only while the connection is open.
        SseError::Parse { data, .. } => ("parse", Some(data.as_str()), 1),
        SseError::Failed(_) => ("failed", None, 2),
        _ => return None,
    };
    let js = Error::new(&error.to_string());
    js.set_name("SSEError");
    let set = |key: &str, value: JsValue| Reflect::set(&js, &key.into(), &value);
    let _ = set("kind", kind.into());
    if let Some(data) = data {
        let _ = set("data", data.into());
    }
    let _ = set("readyState", ready_state.into());
    Some(js.into())
}

/// The error `connect` throws: `SyntaxError` for a URL the browser refuses (as
/// `new EventSource` does), `TypeError` for options that contradict themselves.
pub(crate) fn thrown(error: SseError) -> JsValue {
    match error {
        SseError::InvalidUrl(message) => js_sys::SyntaxError::new(&message).into(),
        other => js_sys::TypeError::new(&other.to_string()).into(),
    }
}
