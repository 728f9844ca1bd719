//! A shared stream's hub as a transport: a subscriber of a shared stream is an ordinary
//! connection (its own named events, decoding, completion rules, errors) whose events come from
//! the hub (`src/share/hub.js`), which holds the one real connection, in this tab or another.
//! The hub calls one closure with records `[kind, a, b, c, d]` (the kinds of hub.js); dropping
//! the transport leaves the hub, and the last member to leave closes the hub's connection.

use crate::prelude::*;
use alloc::rc::{Rc, Weak};
use core::cell::Cell;
use core::time::Duration;

use js_sys::Function;
use wasm_bindgen::prelude::*;

use super::{EventKind, Loss, Transport, TransportEvents};
use crate::message::{Fields, RawMessage};
use crate::{FailReason, ReadyState};

#[wasm_bindgen(module = "/src/share/hub.js")]
extern "C" {
    /// Adds a member to the hub of `key`; returns the function that removes it.
    #[wasm_bindgen(catch)]
    fn hub_join(
        key: &str,
        tabs: bool,
        names: Vec<String>,
        replay_last: bool,
        member: &Function,
        connect: &Function,
        control: &Function,
    ) -> Result<Function, JsValue>;
}

// The record kinds of hub.js.
pub(crate) const OPEN: u32 = 1;
pub(crate) const EVENT: u32 = 2;
pub(crate) const RECONNECTING: u32 = 3;
pub(crate) const FAILED: u32 = 4;
pub(crate) const ID: u32 = 9;

/// A member's closure: takes a record.
type MemberFn = Closure<dyn FnMut(u32, JsValue, JsValue, JsValue, JsValue)>;

/// Which hub to join, and how to open its connection when the hub asks this member to.
pub(crate) struct HubSpec {
    pub(crate) key: String,
    pub(crate) tabs: bool,
    pub(crate) replay_last: bool,
    /// Opens the hub's connection: `(names, resume from, the hub's sink)` to its handle, or to
    /// the message of why it could not.
    pub(crate) connect: Function,
    /// What the hub calls to close that connection or change its names:
    /// `(handle, op, name)` with the ops of hub.js.
    pub(crate) control: Function,
    /// What `connect` and `control` need alive (a Rust closure behind them), if anything.
    pub(crate) _keep: Option<Rc<dyn core::any::Any>>,
}

pub(crate) struct RelayTransport {
    state: Rc<Cell<ReadyState>>,
    leave: Function,
    _member: MemberFn,
}

impl RelayTransport {
    /// Joins the hub of `spec`, listening for `names`.
    pub(crate) fn open(
        spec: &HubSpec,
        names: &[String],
        sink: Weak<dyn TransportEvents>,
    ) -> Result<Self, String> {
        let state = Rc::new(Cell::new(ReadyState::Connecting));
        let member: MemberFn = {
            let (state, names) = (state.clone(), names.to_vec());
            Closure::new(move |kind, a, b, c, d| {
                if let Some(sink) = sink.upgrade() {
                    received(&*sink, &state, &names, kind, [a, b, c, d]);
                }
            })
        };
        let leave = hub_join(
            &spec.key,
            spec.tabs,
            names.to_vec(),
            spec.replay_last,
            member.as_ref().unchecked_ref(),
            &spec.connect,
            &spec.control,
        )
        .map_err(|error| crate::decode::js_error_message(&error))?;
        Ok(RelayTransport {
            state,
            leave,
            _member: member,
        })
    }
}

/// A record from the hub, for this member.
fn received(
    sink: &dyn TransportEvents,
    state: &Cell<ReadyState>,
    names: &[String],
    kind: u32,
    [a, b, c, d]: [JsValue; 4],
) {
    let text = |value: &JsValue| value.as_string().unwrap_or_default();
    match kind {
        OPEN => {
            state.set(ReadyState::Open);
            sink.opened(None);
        }
        EVENT => {
            state.set(ReadyState::Open);
            let event_type = text(&a);
            let kind = match event_type.as_str() {
                "message" => EventKind::Message,
                name => match names.iter().position(|n| n == name) {
                    Some(index) => EventKind::Named(index),
                    // Not one it listens for: a private connection would not see it.
                    None => return,
                },
            };
            let fields = Fields {
                event_type: event_type.into(),
                last_event_id: text(&c).into(),
                origin: text(&d).into(),
            };
            sink.message(kind, RawMessage::relayed(b, fields));
        }
        RECONNECTING => {
            state.set(ReadyState::Connecting);
            let delay = c.as_f64().map(|ms| Duration::from_millis(ms as u64));
            let response = d.as_f64().map(|status| (status as u16, String::new()));
            sink.lost(Loss::Retrying { delay, response });
        }
        FAILED => {
            state.set(ReadyState::Closed);
            sink.lost(Loss::Failed(failure(&a, &b, &c, &d)));
        }
        ID => sink.id_changed(&text(&a)),
        _ => {}
    }
}

/// A failure as a `FAILED` record's `[code, status, text, detail]`.
pub(crate) fn failure_record(reason: &FailReason) -> [JsValue; 4] {
    let none = JsValue::UNDEFINED;
    match reason {
        FailReason::Refused => [0.into(), none.clone(), none.clone(), none],
        FailReason::RetriesExhausted { attempts } => {
            [1.into(), none.clone(), none, (*attempts).into()]
        }
        FailReason::Http { status, body } => [2.into(), (*status).into(), body.into(), none],
        FailReason::ContentType {
            status,
            content_type,
            body,
        } => [3.into(), (*status).into(), body.into(), content_type.into()],
        FailReason::Request(message) => [4.into(), none.clone(), message.into(), none],
        FailReason::Lost => [5.into(), none.clone(), none.clone(), none],
        FailReason::EventTooLarge { limit } => {
            [6.into(), none.clone(), none, (*limit as f64).into()]
        }
    }
}

/// The failure of a `FAILED` record.
fn failure(code: &JsValue, status: &JsValue, text: &JsValue, detail: &JsValue) -> FailReason {
    let status = status.as_f64().unwrap_or(0.0) as u16;
    let text = || text.as_string().unwrap_or_default();
    let number = detail.as_f64().unwrap_or(0.0);
    match code.as_f64().unwrap_or(0.0) as u32 {
        1 => FailReason::RetriesExhausted {
            attempts: number as u32,
        },
        2 => FailReason::Http {
            status,
            body: text(),
        },
        3 => FailReason::ContentType {
            status,
            content_type: detail.as_string().unwrap_or_default(),
            body: text(),
        },
        4 => FailReason::Request(text()),
        5 => FailReason::Lost,
        6 => FailReason::EventTooLarge {
            limit: number as usize,
        },
        _ => FailReason::Refused,
    }
}

impl Transport for RelayTransport {
    fn ready_state(&self) -> ReadyState {
        self.state.get()
    }
}

impl Drop for RelayTransport {
    fn drop(&mut self) {
        let _ = self.leave.call0(&JsValue::UNDEFINED);
    }
}
