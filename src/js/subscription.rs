//! `SSEService.subscribe`: a subscription to a shared stream (`SSESubscription`).

use std::rc::Rc;

use js_sys::Array;
use wasm_bindgen::prelude::*;

use crate::js::{error, options};
use crate::share::{self, Share, ShareOptions, Subscriber};

#[wasm_bindgen(module = "/src/js/support.js")]
extern "C" {
    #[wasm_bindgen(catch)]
    fn subscribe_options(options: &JsValue) -> Result<Array, JsValue>;
}

/// Subscribes `options`' callbacks to the shared stream of `url`.
pub(crate) fn subscribe(url: &str, options: JsValue) -> Result<JsSubscription, JsValue> {
    let split = subscribe_options(&options)?;
    let rest = split.get(0);
    let scope = match split.get(1).as_string().as_deref() {
        Some("tabs") => Share::Tabs,
        _ => Share::Page,
    };
    let share = ShareOptions::new()
        .scope(scope)
        .replay_last(split.get(2).is_truthy());
    let (core, handler) = options::read(Some(rest.unchecked_into()), false)?;
    let member = share::join(url, core, Box::new(handler), share).map_err(error::thrown)?;
    Ok(JsSubscription { member })
}

/// A subscription to a shared stream: its own callbacks over a connection shared with every
/// subscriber to the same URL and settings. `unsubscribe()` (or `using`) leaves it.
#[wasm_bindgen(js_name = SSESubscription)]
pub struct JsSubscription {
    member: Rc<Subscriber<JsValue>>,
}

#[wasm_bindgen(js_class = SSESubscription)]
impl JsSubscription {
    /// Leaves the shared stream: no callback fires afterwards; the last subscriber to leave
    /// closes the connection. Idempotent.
    pub fn unsubscribe(&self) {
        self.member.leave(crate::CloseReason::Disconnected);
    }

    /// 0 CONNECTING (also while reconnecting or a new leader tab connects), 1 OPEN, 2 CLOSED
    /// (after unsubscribing, completing or failing).
    #[wasm_bindgen(getter, js_name = readyState, unchecked_return_type = "0 | 1 | 2")]
    pub fn ready_state(&self) -> u16 {
        self.member.ready_state() as u16
    }

    /// The shared stream's last event id; `""` until an event with an id arrives.
    #[wasm_bindgen(getter, js_name = lastEventId)]
    pub fn last_event_id(&self) -> String {
        self.member.last_event_id()
    }

    /// How this subscription ended: `"completed"` (its own completion rule), `"disconnected"`
    /// (`unsubscribe()`, its `signal`), `"failed"` (the shared connection failed); `null` while
    /// it goes on.
    #[wasm_bindgen(getter, js_name = closeReason, unchecked_return_type = "\"completed\" | \"disconnected\" | \"failed\" | null")]
    pub fn close_reason(&self) -> JsValue {
        match self.member.close_reason() {
            None => JsValue::NULL,
            Some(crate::CloseReason::Completed) => "completed".into(),
            Some(crate::CloseReason::Disconnected) => "disconnected".into(),
            Some(_) => "failed".into(),
        }
    }
}

impl Drop for JsSubscription {
    fn drop(&mut self) {
        self.member.leave(crate::CloseReason::Disconnected);
    }
}

impl std::fmt::Debug for JsSubscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SSESubscription")
            .field("ready_state", &self.member.ready_state())
            .finish_non_exhaustive()
    }
}
