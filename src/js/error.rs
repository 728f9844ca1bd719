//! `SSEError`: a real JS `Error` carrying `kind`, `data` and `readyState`.

use wasm_bindgen::prelude::*;

use crate::SseError;

#[wasm_bindgen(module = "/src/js/support.js")]
extern "C" {
    fn sse_error(
        kind: &str,
        message: &str,
        data: Option<String>,
        ready_state: u8,
        status: Option<u16>,
        body: Option<String>,
    ) -> JsValue;
}

/// Builds the `SSEError` passed to `onError` and thrown by `stream()`, or `None` for errors that
/// are returned from `connect` instead (they never reach a callback).
pub(crate) fn to_js(error: &SseError) -> Option<JsValue> {
    let (kind, data, ready_state, reason) = match error {
        // Data arrives only while the connection is open.
        SseError::Parse { data, .. } => ("parse", Some(data.as_str()), 1, None),
        SseError::Failed(reason) => ("failed", None, 2, Some(reason)),
        _ => return None,
    };
    Some(sse_error(
        kind,
        &error.to_string(),
        data.map(str::to_owned),
        ready_state,
        reason.and_then(|r| r.status()),
        reason.and_then(|r| r.body()).map(str::to_owned),
    ))
}

/// The error `connect` throws: `SyntaxError` for a URL the browser refuses (as
/// `new EventSource` does), `TypeError` for options that contradict themselves.
pub(crate) fn thrown(error: SseError) -> JsValue {
    match error {
        SseError::InvalidUrl(message) => js_sys::SyntaxError::new(&message).into(),
        other => js_sys::TypeError::new(&other.to_string()).into(),
    }
}
