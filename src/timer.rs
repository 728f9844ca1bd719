//! A `setTimeout` that lives in an RAII handle (the shape of gloo-timers', written here so the
//! npm package needs no `std`): dropping it clears the timer and frees its callback.

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// The global `setTimeout` (a window's, a worker's or Node's, whose id is an object).
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(callback: &JsValue, millis: u32) -> JsValue;

    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);
}

/// Calls its callback once after a delay, unless dropped first.
#[must_use = "the timer is cleared when this is dropped"]
pub(crate) struct Timeout {
    id: JsValue,
    _callback: Closure<dyn FnMut()>,
}

impl Timeout {
    pub(crate) fn new(millis: u32, callback: impl FnOnce() + 'static) -> Self {
        let callback = Closure::once(callback);
        let id = set_timeout(callback.as_ref(), millis);
        Timeout {
            id,
            _callback: callback,
        }
    }
}

impl Drop for Timeout {
    fn drop(&mut self) {
        clear_timeout(&self.id);
    }
}
