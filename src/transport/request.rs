//! What the fetch transport sends: a method, headers and a body, each either fixed or produced
//! by a getter that runs before every request (so a refreshed token is used on a reconnect).
//! `fetch.js` builds the request from them.

use crate::prelude::*;
use alloc::rc::Rc;

use js_sys::{Array, Function, Promise};
use wasm_bindgen::JsValue;

/// A Rust getter: called before each request, it starts the computation and returns its
/// promise. Only the Rust setters (`header_with`, `body_with`) make one, so only a build that
/// calls them links a futures executor.
pub(crate) type Getter = Rc<dyn Fn() -> Promise>;

/// A fixed value (a JS function among them: `fetch.js` calls it before each request and awaits
/// what it returns), or a Rust getter.
#[derive(Clone)]
pub(crate) enum Part {
    Value(JsValue),
    Get(Getter),
}

impl Part {
    /// What `fetch.js` resolves: the value (or JS function) itself, or a Rust getter's promise.
    fn start(&self) -> JsValue {
        match self {
            Part::Value(value) => value.clone(),
            Part::Get(get) => get().into(),
        }
    }
}

/// The request of a fetch connection.
#[derive(Clone)]
pub(crate) struct Request {
    /// `GET` unless set.
    pub(crate) method: String,
    /// Each resolves to a `HeadersInit`; a later one overrides an earlier one's names.
    pub(crate) headers: Vec<Part>,
    pub(crate) body: Option<Part>,
    /// `credentials: "include"` (from `with_credentials`), else `"same-origin"`.
    pub(crate) include_credentials: bool,
    /// The user's `fetch`; `globalThis.fetch` if `None`.
    pub(crate) fetch: Option<Function>,
}

impl Default for Request {
    fn default() -> Self {
        Request {
            method: "GET".into(),
            headers: Vec::new(),
            body: None,
            include_credentials: false,
            fetch: None,
        }
    }
}

impl Request {
    /// Starts the Rust getters of one request: the header parts and the body part (`undefined`
    /// for none), as `fetch.js` takes them.
    pub(crate) fn start_parts(&self) -> (Array, JsValue) {
        let headers = self.headers.iter().map(Part::start).collect();
        let body = self.body.as_ref().map_or(JsValue::UNDEFINED, Part::start);
        (headers, body)
    }
}
