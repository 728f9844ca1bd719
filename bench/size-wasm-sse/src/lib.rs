//! Size benchmark: the smallest useful typed SSE app with wasm-sse. It streams `{text, status}`
//! chunks, logs each text, stops on `status == 1` and logs errors. `bench/size-gloo` is the same
//! app with gloo-net; `cargo xtask bench` builds both (release, wasm-opt -Oz) and compares their
//! gzipped wasm + JS glue.
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;

use serde::Deserialize;
use wasm_bindgen::prelude::*;
use wasm_sse::{SseOptions, SseService};

#[derive(Deserialize)]
struct Chunk {
    text: String,
    status: u8,
}

thread_local! {
    static SSE: RefCell<SseService> = RefCell::new(SseService::new());
}

/// Streams `url` until its last chunk.
#[wasm_bindgen]
pub fn start(url: &str) {
    let options = SseOptions::<Chunk>::json()
        .on_message(|message| web_sys::console::log_1(&message.data.text.into()))
        .complete_when(|chunk| chunk.status == 1)
        .on_error(|error| web_sys::console::error_1(&error.to_string().into()));
    SSE.with(|sse| {
        if let Err(error) = sse.borrow_mut().connect(url, options) {
            web_sys::console::error_1(&error.to_string().into());
        }
    });
}
