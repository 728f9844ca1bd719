//! Turning an event's raw data (a JS string, never copied unless needed) into the user's type.

use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `JSON.parse` on the JS string itself, so the data is never copied into Rust first.
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    fn json_parse(text: &JsValue) -> Result<JsValue, JsValue>;
}

/// A decoder: the raw data in, the typed value or a reason out.
pub(crate) type Decoder<T> = fn(&JsValue) -> Result<T, String>;

/// `JSON.parse` then serde-wasm-bindgen into `T`.
pub(crate) fn json<T: DeserializeOwned>(data: &JsValue) -> Result<T, String> {
    serde_wasm_bindgen::from_value(json_value(data)?).map_err(|error| error.to_string())
}

/// `JSON.parse` only: the parsed JS value.
pub(crate) fn json_value(data: &JsValue) -> Result<JsValue, String> {
    json_parse(data).map_err(|error| js_error_message(&error))
}

/// The data as a Rust string.
pub(crate) fn text(data: &JsValue) -> Result<String, String> {
    data.as_string()
        .ok_or_else(|| "the data is not a string".into())
}

/// The data untouched.
pub(crate) fn raw(data: &JsValue) -> Result<JsValue, String> {
    Ok(data.clone())
}

/// The `message` of a thrown JS value (an `Error` or `DOMException`), or its string form.
pub(crate) fn js_error_message(error: &JsValue) -> String {
    match error.dyn_ref::<js_sys::Error>() {
        Some(error) => String::from(error.message()),
        None => error
            .as_string()
            .unwrap_or_else(|| "the browser threw a value that is not an Error".into()),
    }
}
