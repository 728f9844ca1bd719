//! Running Rust code in a microtask (after the caller returns, before any other task), without
//! wasm-bindgen-futures' executor: that executor is about 1.5 KB gzipped of the npm package,
//! which has no other use for it.

use std::cell::RefCell;

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = queueMicrotask)]
    fn queue_microtask(callback: &js_sys::Function);
}

thread_local! {
    /// The callbacks waiting for the next microtask, in order.
    static QUEUE: RefCell<Vec<Box<dyn FnOnce()>>> = const { RefCell::new(Vec::new()) };
    /// The one JS function that runs them, made on first use; it lives as long as the module.
    static RUN: Closure<dyn FnMut()> = Closure::new(run_queue);
}

/// Runs `callback` in a microtask, after those deferred before it.
pub(crate) fn defer(callback: impl FnOnce() + 'static) {
    let first = QUEUE.with(|queue| {
        let mut queue = queue.borrow_mut();
        queue.push(Box::new(callback));
        queue.len() == 1
    });
    if first {
        RUN.with(|run| queue_microtask(run.as_ref().unchecked_ref()));
    }
}

/// Runs what is queued; a callback that defers more gets a new microtask.
fn run_queue() {
    let callbacks = QUEUE.with(|queue| std::mem::take(&mut *queue.borrow_mut()));
    for callback in callbacks {
        callback();
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use std::cell::RefCell;
    use std::rc::Rc;

    use super::defer;

    #[wasm_bindgen_test::wasm_bindgen_test]
    async fn runs_after_the_caller_in_order() {
        let log = Rc::new(RefCell::new(Vec::new()));
        let push = |n: u32| {
            let log = log.clone();
            move || log.borrow_mut().push(n)
        };
        let (one, three) = (push(1), push(3));
        defer(move || {
            one();
            defer(three);
        });
        defer(push(2));
        log.borrow_mut().push(0);
        assert_eq!(*log.borrow(), [0]);
        // A timer is a task: every microtask has run before it.
        gloo_timers::future::TimeoutFuture::new(0).await;
        assert_eq!(*log.borrow(), [0, 1, 2, 3]);
    }
}
