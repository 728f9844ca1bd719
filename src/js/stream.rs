//! `stream()`: the connection as an async iterator of message data, for `for await`.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::{Rc, Weak};

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;

use crate::connection::Control;

#[wasm_bindgen(module = "/src/js/support.js")]
extern "C" {
    /// Gives the iterator class `[Symbol.asyncIterator]() { return this }`, so `for await` takes it.
    fn make_async_iterable(iterator: JsValue) -> JsValue;
}

/// What the connection has produced and the iterator not yet handed out.
pub(crate) struct Queue {
    items: RefCell<VecDeque<Result<JsValue, JsValue>>>,
    /// A `next()` waiting for an item: its promise's resolve and reject.
    waiting: RefCell<Option<(Function, Function)>>,
    ended: Cell<bool>,
    /// The connection, closed when the iterator stops or throws.
    connection: RefCell<Option<Weak<dyn Control>>>,
}

impl Queue {
    pub(crate) fn new() -> Rc<Self> {
        Rc::new(Queue {
            items: RefCell::new(VecDeque::new()),
            waiting: RefCell::new(None),
            ended: Cell::new(false),
            connection: RefCell::new(None),
        })
    }

    /// The iterator's connection, once it is open.
    pub(crate) fn attach(&self, connection: Weak<dyn Control>) {
        *self.connection.borrow_mut() = Some(connection);
    }

    /// A value to yield (`Ok`) or an error to throw (`Err`).
    pub(crate) fn push(&self, item: Result<JsValue, JsValue>) {
        if self.ended.get() {
            return;
        }
        match self.waiting.borrow_mut().take() {
            Some((resolve, reject)) => settle(&resolve, &reject, item),
            None => self.items.borrow_mut().push_back(item),
        }
    }

    /// An error to throw. It ends the iteration (`for await` does not call `return()` after a
    /// throw), so the connection is closed too.
    pub(crate) fn fail(&self, error: JsValue) {
        self.push(Err(error));
        self.close();
    }

    /// Disconnects and ends: `break`, or a thrown error.
    fn close(&self) {
        let connection = self.connection.borrow().as_ref().and_then(Weak::upgrade);
        if let Some(connection) = connection {
            connection.disconnect();
        }
        self.end();
    }

    /// No more items: a waiting `next()` (and every later one) gets `done`.
    pub(crate) fn end(&self) {
        self.ended.set(true);
        if let Some((resolve, _)) = self.waiting.borrow_mut().take() {
            let _ = resolve.call1(&JsValue::UNDEFINED, &done());
        }
    }
}

fn result(value: &JsValue, done: bool) -> JsValue {
    let result = Object::new();
    let _ = Reflect::set(&result, &"value".into(), value);
    let _ = Reflect::set(&result, &"done".into(), &done.into());
    result.into()
}

fn done() -> JsValue {
    result(&JsValue::UNDEFINED, true)
}

fn settle(resolve: &Function, reject: &Function, item: Result<JsValue, JsValue>) {
    let _ = match item {
        Ok(value) => resolve.call1(&JsValue::UNDEFINED, &result(&value, false)),
        Err(error) => reject.call1(&JsValue::UNDEFINED, &error),
    };
}

/// The async iterator `stream()` returns (typed as `AsyncIterableIterator<unknown>`).
#[wasm_bindgen(skip_typescript)]
pub struct SseStreamIterator {
    queue: Rc<Queue>,
}

impl SseStreamIterator {
    pub(crate) fn into_js(queue: Rc<Queue>) -> JsValue {
        make_async_iterable(SseStreamIterator { queue }.into())
    }
}

impl std::fmt::Debug for SseStreamIterator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SseStreamIterator").finish_non_exhaustive()
    }
}

#[wasm_bindgen]
impl SseStreamIterator {
    /// The next message's data; `done` after a normal completion; rejects with an `SSEError`.
    pub fn next(&self) -> Promise {
        if let Some(item) = self.queue.items.borrow_mut().pop_front() {
            return match item {
                Ok(value) => Promise::resolve(&result(&value, false)),
                Err(error) => Promise::reject(&error),
            };
        }
        if self.queue.ended.get() {
            return Promise::resolve(&done());
        }
        Promise::new(&mut |resolve, reject| {
            *self.queue.waiting.borrow_mut() = Some((resolve, reject));
        })
    }

    /// Called by `break` in a `for await` loop: disconnects.
    #[wasm_bindgen(js_name = "return")]
    pub fn stop(&self) -> Promise {
        self.queue.close();
        Promise::resolve(&done())
    }
}
