//! Calling user callbacks so that one that panics (Rust) or throws (JS) cannot stop later events.
//!
//! On `wasm32-unknown-unknown` a panic aborts by trapping, and the trap unwinds as a JS exception.
//! The callback runs inside a JS `try`/`catch`, so the trap stops at this boundary: the service's
//! own frames, and the borrows they hold, finish normally and the next event is delivered. The
//! error is logged to the console, as the browser does for a throwing event listener. What the
//! panicking callback itself held (its own `RefCell` borrows, say) is not released, since
//! nothing unwinds; later panics are contained the same way (tested with two in a row).

use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/support.js")]
extern "C" {
    fn wasm_sse_guard(f: &mut dyn FnMut());
}

/// Calls `callback(argument)`, containing any panic or exception it raises.
pub(crate) fn call<A>(callback: &mut dyn FnMut(A), argument: A) {
    let mut argument = Some(argument);
    wasm_sse_guard(&mut || {
        if let Some(argument) = argument.take() {
            callback(argument);
        }
    });
}

/// Calls `predicate(value)`; a predicate that fails counts as `false`.
pub(crate) fn test<T>(predicate: &dyn Fn(&T) -> bool, value: &T) -> bool {
    let mut answer = false;
    wasm_sse_guard(&mut || answer = predicate(value));
    answer
}
