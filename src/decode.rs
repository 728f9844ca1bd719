//! Turning an event's raw data into the user's type, from whichever form suits the decoder: Rust
//! text (which the fetch transport already has) or the JS string (which `EventSource` has).

use crate::prelude::*;
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;

use crate::message::RawMessage;

#[wasm_bindgen]
extern "C" {
    /// `JSON.parse` on the JS string itself, so the data is never copied into Rust first.
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    fn json_parse(text: &JsValue) -> Result<JsValue, JsValue>;
}

/// A decoder: the raw data in, the typed value or a reason out.
pub(crate) enum Decoder<T> {
    /// Reads the data as a JS value.
    Js(fn(&JsValue) -> Result<T, String>),
    /// Reads the data as Rust text.
    Text(fn(&str) -> Result<T, String>),
}

impl<T> Decoder<T> {
    pub(crate) fn decode(&self, raw: &RawMessage) -> Result<T, String> {
        match self {
            Decoder::Js(decode) => decode(raw.data()),
            Decoder::Text(decode) => decode(raw.text()),
        }
    }
}

impl<T> Clone for Decoder<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Decoder<T> {}

/// serde_json into `T`, in wasm: with the fetch transport the text never crosses to JS.
pub(crate) fn json<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    serde_json::from_str(text).map_err(|error| error.to_string())
}

/// `JSON.parse` only: the parsed JS value.
pub(crate) fn json_value(data: &JsValue) -> Result<JsValue, String> {
    json_parse(data).map_err(|error| js_error_message(&error))
}

/// The data as a Rust string.
pub(crate) fn text(text: &str) -> Result<String, String> {
    Ok(text.to_owned())
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
