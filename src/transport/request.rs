//! What the fetch transport sends: a method, headers and a body, each either fixed or produced
//! by a getter that runs before every request (so a refreshed token is used on a reconnect).

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, Headers};

/// A value computed before each request, possibly asynchronously.
pub(crate) type Getter = Rc<dyn Fn() -> Pin<Box<dyn Future<Output = Result<JsValue, JsValue>>>>>;

/// A fixed value, or a getter.
#[derive(Clone)]
pub(crate) enum Part {
    Value(JsValue),
    Get(Getter),
}

impl Part {
    /// A JS function (sync or returning a promise) as a getter.
    #[cfg_attr(not(feature = "js"), allow(dead_code))]
    pub(crate) fn js_function(function: Function) -> Part {
        Part::Get(Rc::new(move || {
            let value = function.call0(&JsValue::UNDEFINED);
            Box::pin(async move { JsFuture::from(Promise::resolve(&value?)).await })
        }))
    }

    async fn resolve(&self) -> Result<JsValue, JsValue> {
        match self {
            Part::Value(value) => Ok(value.clone()),
            Part::Get(get) => get().await,
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
    /// Runs the getters and starts the request; resolves to the `Response`. An error names what
    /// failed (a getter, or `fetch` itself).
    pub(crate) async fn send(
        &self,
        url: &str,
        last_event_id: &str,
        signal: &AbortSignal,
    ) -> Result<JsValue, Sent> {
        let headers = Headers::new().map_err(Sent::refused)?;
        for part in &self.headers {
            let init = part
                .resolve()
                .await
                .map_err(|e| Sent::getter("headers", e))?;
            let given = Headers::new_with_str_sequence_sequence(&init).map_err(Sent::refused)?;
            for entry in js_sys::try_iter(&given)
                .ok()
                .flatten()
                .into_iter()
                .flatten()
            {
                let entry: js_sys::Array = entry.map_err(Sent::refused)?.unchecked_into();
                let (name, value) = (entry.get(0), entry.get(1));
                headers
                    .set(
                        &name.as_string().unwrap_or_default(),
                        &value.as_string().unwrap_or_default(),
                    )
                    .map_err(Sent::refused)?;
            }
        }
        if !headers.has("accept").unwrap_or(true) {
            let _ = headers.set("accept", "text/event-stream");
        }
        if last_event_id.is_empty() {
            let _ = headers.delete("last-event-id");
        } else {
            // The id's UTF-8 bytes, one Latin-1 character each: what a native EventSource puts
            // on the wire, and a value `fetch` accepts whatever the id's characters.
            let bytes: String = last_event_id.bytes().map(char::from).collect();
            headers
                .set("last-event-id", &bytes)
                .map_err(Sent::refused)?;
        }

        let init = Object::new();
        let set = |key: &str, value: &JsValue| {
            let _ = Reflect::set(&init, &JsValue::from_str(key), value);
        };
        set("method", &JsValue::from_str(&self.method));
        set("headers", &headers);
        if let Some(body) = &self.body {
            let body = body.resolve().await.map_err(|e| Sent::getter("body", e))?;
            if !body.is_null() && !body.is_undefined() {
                set("body", &body);
            }
        }
        let credentials = if self.include_credentials {
            "include"
        } else {
            "same-origin"
        };
        set("credentials", &JsValue::from_str(credentials));
        set("cache", &JsValue::from_str("no-store"));
        set("signal", signal);

        let global = js_sys::global();
        let fetch = match &self.fetch {
            Some(fetch) => fetch.clone(),
            None => Reflect::get(&global, &JsValue::from_str("fetch"))
                .ok()
                .and_then(|f| f.dyn_into::<Function>().ok())
                .ok_or_else(|| Sent::Refused("this runtime has no fetch".into()))?,
        };
        let promise = fetch
            .call2(&global, &JsValue::from_str(url), &init)
            .map_err(Sent::refused)?;
        JsFuture::from(Promise::resolve(&promise))
            .await
            .map_err(|e| Sent::Network(crate::decode::js_error_message(&e)))
    }
}

/// Why a request produced no response.
#[derive(Debug)]
pub(crate) enum Sent {
    /// It could not be made: a getter failed, or a header or `fetch` refused the values. Not
    /// worth repeating.
    Refused(String),
    /// `fetch` rejected: a network error or a CORS refusal (which JS cannot tell apart), or an
    /// abort.
    Network(String),
}

impl Sent {
    fn refused(error: JsValue) -> Sent {
        Sent::Refused(crate::decode::js_error_message(&error))
    }

    fn getter(what: &str, error: JsValue) -> Sent {
        let message = crate::decode::js_error_message(&error);
        Sent::Refused([what, " getter failed: ", &message].concat())
    }
}
