//! The wasm side of the npm package (feature `js`). The package's classes (`SSEService`,
//! `SSESubscription`, the `stream()` iterator) are written in JS (`pkg-template/`): they check
//! the options, hold the objects' lifetimes (a live stream is kept alive as the browser keeps a
//! live `EventSource`) and call the user's functions; a shared stream's hub is `hub.js`. This
//! module only converts: it opens a connection (a hub's, or a subscriber's whose transport is
//! its hub) from a compact settings array, hands out a numbered handle, and reports what
//! happens to a JS *sink*.

mod settings;
mod sink;

use crate::prelude::*;
use js_sys::Array;
use wasm_bindgen::prelude::*;

use crate::connection::Connection;
use crate::handles;
use crate::{CloseReason, SseError};
use sink::{JsHandler, Sink};

/// The npm package's allocator: smaller than std's dlmalloc. Only this `js` build (a cdylib of
/// its own) sets it; a library never chooses the allocator of a Rust app.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// Opens `url` with `settings` (see `settings.rs`), reporting to `sink`; returns its handle. A
/// shared stream's subscriber (settings with a hub) is a connection whose transport is the hub.
///
/// @throws {SyntaxError} if the URL is refused; {TypeError} if the settings contradict themselves.
#[wasm_bindgen]
pub fn open(url: &str, settings: &Array, sink: Sink) -> Result<u32, JsValue> {
    let (options, targets, hub) = settings::read(settings);
    let handler = Box::new(JsHandler::new(sink, targets));
    let connection = match hub {
        Some(hub) => Connection::open_shared(url, options, handler, hub),
        None => Connection::open_with(url, options, handler),
    };
    Ok(handles::insert(connection.map_err(thrown)?))
}

/// Closes a connection or leaves a shared stream, as the client's choice. Idempotent.
#[wasm_bindgen]
pub fn close(handle: u32) {
    if let Some(stream) = handles::get(handle) {
        stream.disconnect();
    }
}

/// Listens (`on`) for events named `name` too, or no longer (a hub's connection).
#[wasm_bindgen]
pub fn listen(handle: u32, name: &str, on: bool) {
    if let Some(stream) = handles::get(handle) {
        stream.listen(name, on);
    }
}

/// Forgets a handle: the connection (closed) is freed once nothing else uses it.
#[wasm_bindgen]
pub fn release(handle: u32) {
    handles::remove(handle);
}

/// The state of a stream in one number: bits 0-1 the ready state, bit 2 whether it is closing,
/// bits 3-4 how it ended (0 not yet, 1 completed, 2 disconnected, 3 failed).
#[wasm_bindgen]
pub fn state(handle: u32) -> u32 {
    let Some(stream) = handles::get(handle) else {
        return 2;
    };
    let reason = match stream.close_reason() {
        None => 0,
        Some(CloseReason::Completed) => 1,
        Some(CloseReason::Disconnected) => 2,
        Some(_) => 3,
    };
    stream.ready_state() as u32 | u32::from(stream.is_closing()) << 2 | reason << 3
}

/// The last event id a stream has seen (`""` if none).
#[wasm_bindgen(js_name = lastEventId)]
pub fn last_event_id(handle: u32) -> String {
    handles::get(handle).map_or_else(String::new, |stream| stream.last_event_id())
}

/// What `open` and `join` throw: `SyntaxError` for a URL the browser refuses (as
/// `new EventSource` does), `TypeError` for options that contradict themselves.
fn thrown(error: SseError) -> JsValue {
    match error {
        SseError::InvalidUrl(message) => js_sys::SyntaxError::new(&message).into(),
        other => js_sys::TypeError::new(&other.message()).into(),
    }
}
