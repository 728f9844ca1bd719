//! Tabs mode: one tab leads (it holds a Web Lock and the connection) and relays every event,
//! state change and failure over a `BroadcastChannel`; the other tabs' hubs deliver what it
//! relays. When the leader goes (closed, crashed, or its last subscriber left) the browser
//! grants the lock to the next tab, which connects with the last event id it saw, so the server
//! resumes where the relay stopped.
//!
//! Messages (plain objects): `{k: "event", type, data, id}`, `{k: "open"}`,
//! `{k: "reconnecting", attempt, id}`, `{k: "failed", status?, body?, attempts?}`,
//! `{k: "leader"}` (a new leader connects), `{k: "hello"}` (a tab joined) answered by the leader
//! with `{k: "state", state, id}`.

use std::rc::Weak;

use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;

use super::Hub;
use crate::message::{Fields, RawMessage};
use crate::reconnect::ReconnectInfo;
use crate::{FailReason, ReadyState, SseError};

#[wasm_bindgen(module = "/src/share/tabs.js")]
extern "C" {
    fn tabs_supported() -> bool;

    type TabPort;

    #[wasm_bindgen(constructor)]
    fn new(
        name: &str,
        on_message: &Closure<dyn FnMut(JsValue)>,
        on_lead: &Closure<dyn FnMut()>,
    ) -> TabPort;

    #[wasm_bindgen(method)]
    fn post(this: &TabPort, message: &JsValue);

    #[wasm_bindgen(method)]
    fn close(this: &TabPort);
}

/// The channel and the lock request of one hub, with the two callbacks they call. Dropping it
/// closes the channel and releases (or stops waiting for) the lock.
pub(super) struct Link {
    port: TabPort,
    _on_message: Closure<dyn FnMut(JsValue)>,
    _on_lead: Closure<dyn FnMut()>,
}

impl Link {
    /// Joins the tabs of `name`, or `None` where Web Locks or `BroadcastChannel` is missing.
    pub(super) fn new(name: &str, hub: Weak<Hub>) -> Option<Link> {
        if !tabs_supported() {
            return None;
        }
        let to = hub.clone();
        let on_message = Closure::new(move |message: JsValue| {
            if let Some(hub) = to.upgrade() {
                received(&hub, &message);
            }
        });
        let on_lead = Closure::new(move || {
            if let Some(hub) = hub.upgrade() {
                lead(&hub);
            }
        });
        let port = TabPort::new(name, &on_message, &on_lead);
        port.post(&message("hello", &[]));
        Some(Link {
            port,
            _on_message: on_message,
            _on_lead: on_lead,
        })
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        self.port.close();
    }
}

fn message(kind: &str, fields: &[(&str, JsValue)]) -> JsValue {
    let object = Object::new();
    let _ = Reflect::set(&object, &"k".into(), &kind.into());
    for (key, value) in fields {
        let _ = Reflect::set(&object, &(*key).into(), value);
    }
    object.into()
}

fn field(message: &JsValue, key: &str) -> JsValue {
    Reflect::get(message, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

/// Posts `message` if this hub leads a tabs share.
fn post(hub: &Hub, message: impl FnOnce() -> JsValue) {
    if hub.connection.borrow().is_none() {
        return;
    }
    if let Some(link) = &*hub.tabs.borrow() {
        link.port.post(&message());
    }
}

pub(super) fn relay_open(hub: &Hub) {
    post(hub, || message("open", &[]));
}

pub(super) fn relay_event(hub: &Hub, event: &RawMessage) {
    post(hub, || {
        message(
            "event",
            &[
                ("type", event.event_type().into()),
                ("data", event.data().clone()),
                ("id", event.last_event_id().into()),
            ],
        )
    });
}

pub(super) fn relay_reconnecting(hub: &Hub, info: &ReconnectInfo) {
    post(hub, || {
        message(
            "reconnecting",
            &[
                ("attempt", info.attempt.into()),
                ("id", info.last_event_id.clone().into()),
            ],
        )
    });
}

pub(super) fn relay_error(hub: &Hub, error: &SseError) {
    let SseError::Failed(reason) = error else {
        return;
    };
    post(hub, || {
        let mut fields = Vec::new();
        match reason {
            FailReason::Http { status, body } => {
                fields.push(("status", JsValue::from(*status)));
                fields.push(("body", body.clone().into()));
            }
            FailReason::RetriesExhausted { attempts } => {
                fields.push(("attempts", JsValue::from(*attempts)));
            }
            _ => {}
        }
        message("failed", &fields)
    });
}

/// This tab got the lock: it connects, resuming from the last event id it saw.
fn lead(hub: &Hub) {
    if hub.dead.get() || hub.connection.borrow().is_some() {
        return;
    }
    if let Some(link) = &*hub.tabs.borrow() {
        link.port.post(&message("leader", &[]));
    }
    leader_changed(hub);
    let last_id = hub.last_id.borrow().clone();
    let resume_from = (!last_id.is_empty()).then_some(last_id);
    if let Err(error) = hub.connect(resume_from) {
        let reason = FailReason::Refused;
        web_sys::console::error_1(&error.to_string().into());
        hub.error_all(&SseError::Failed(reason));
    }
}

/// A new leader connects: subscribers that saw the stream open see it reconnecting.
fn leader_changed(hub: &Hub) {
    if hub.relayed_state.replace(ReadyState::Connecting) != ReadyState::Open {
        return;
    }
    let info = ReconnectInfo {
        attempt: 1,
        last_event_id: hub.last_id.borrow().clone(),
        delay: None,
        status: None,
    };
    hub.reconnecting_all(&info);
}

/// The follower's side: what another tab relayed.
fn received(hub: &Hub, message: &JsValue) {
    if hub.dead.get() {
        return;
    }
    let leading = hub.connection.borrow().is_some();
    let kind = field(message, "k").as_string().unwrap_or_default();
    match kind.as_str() {
        "hello" if leading => {
            let state = message_state(hub);
            if let Some(link) = &*hub.tabs.borrow() {
                link.port.post(&state);
            }
        }
        _ if leading => {}
        "state" => {
            if hub.last_id.borrow().is_empty() {
                if let Some(id) = field(message, "id").as_string() {
                    *hub.last_id.borrow_mut() = id;
                }
            }
            if field(message, "state").as_f64() == Some(1.0) {
                opened(hub);
            }
        }
        "open" => opened(hub),
        "event" => {
            opened(hub);
            let text = |name| field(message, name).as_string().unwrap_or_default();
            let fields = Fields {
                event_type: text("type").into(),
                last_event_id: text("id").into(),
                origin: "".into(),
            };
            hub.deliver(&RawMessage::relayed(field(message, "data"), fields));
        }
        "leader" => leader_changed(hub),
        "reconnecting" => {
            hub.relayed_state.set(ReadyState::Connecting);
            let info = ReconnectInfo {
                attempt: field(message, "attempt").as_f64().unwrap_or(1.0) as u32,
                last_event_id: field(message, "id").as_string().unwrap_or_default(),
                delay: None,
                status: None,
            };
            hub.reconnecting_all(&info);
        }
        "failed" => {
            hub.relayed_state.set(ReadyState::Closed);
            let reason = match (
                field(message, "status").as_f64(),
                field(message, "attempts").as_f64(),
            ) {
                (Some(status), _) => FailReason::Http {
                    status: status as u16,
                    body: field(message, "body").as_string().unwrap_or_default(),
                },
                (None, Some(attempts)) => FailReason::RetriesExhausted {
                    attempts: attempts as u32,
                },
                _ => FailReason::Refused,
            };
            hub.error_all(&SseError::Failed(reason));
        }
        _ => {}
    }
}

fn message_state(hub: &Hub) -> JsValue {
    message(
        "state",
        &[
            ("state", (hub.ready_state() as u16).into()),
            ("id", hub.last_event_id().into()),
        ],
    )
}

/// The relayed stream is open: tell the subscribers once.
fn opened(hub: &Hub) {
    if hub.relayed_state.replace(ReadyState::Open) != ReadyState::Open {
        hub.open_all(None);
    }
}
