//! Size benchmark: the app of `bench/size-wasm-sse` written with gloo-net's `EventSource` and
//! serde-wasm-bindgen: it streams `{text, status}` chunks, logs each text, stops on
//! `status == 1` and logs errors.
#![cfg(target_arch = "wasm32")]

use futures_util::StreamExt;
use gloo_net::eventsource::futures::EventSource;
use serde::Deserialize;
use wasm_bindgen::prelude::*;

#[derive(Deserialize)]
struct Chunk {
    text: String,
    status: u8,
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    fn json_parse(text: &JsValue) -> Result<JsValue, JsValue>;
}

fn log_error(error: impl std::fmt::Display) {
    web_sys::console::error_1(&error.to_string().into());
}

/// Streams `url` until its last chunk.
#[wasm_bindgen]
pub fn start(url: &str) {
    let mut source = match EventSource::new(url) {
        Ok(source) => source,
        Err(error) => return log_error(error),
    };
    let mut messages = match source.subscribe("message") {
        Ok(messages) => messages,
        Err(error) => return log_error(error),
    };
    wasm_bindgen_futures::spawn_local(async move {
        while let Some(item) = messages.next().await {
            let event = match item {
                Ok((_, event)) => event,
                Err(error) => return log_error(error),
            };
            let chunk = json_parse(&event.data())
                .map_err(|e| format!("{e:?}"))
                .and_then(|v| {
                    serde_wasm_bindgen::from_value::<Chunk>(v).map_err(|e| e.to_string())
                });
            match chunk {
                Ok(chunk) => {
                    web_sys::console::log_1(&chunk.text.into());
                    if chunk.status == 1 {
                        break;
                    }
                }
                Err(error) => log_error(error),
            }
        }
        source.close();
    });
}
