//! The transport seam: what carries the stream, and the few signals the connection logic needs
//! from it. Three transports implement it: the browser's native `EventSource`
//! ([`event_source`]), `fetch` with our own parser ([`fetch`]), which can send any method,
//! headers and a body, and a shared stream's hub ([`relay`]). The connection logic never knows
//! which one drives it.

mod event_source;
mod fetch;
mod relay;
mod request;

use crate::prelude::*;
use core::time::Duration;

use wasm_bindgen::prelude::*;

use crate::message::RawMessage;
use crate::{FailReason, ReadyState};

pub(crate) use event_source::EventSourceTransport;
pub(crate) use fetch::{FetchConfig, FetchTransport};
pub(crate) use relay::{
    failure_record, HubSpec, RelayTransport, EVENT, FAILED, OPEN, RECONNECTING,
};
pub(crate) use request::{Part, Request};

/// Which listener an event came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EventKind {
    /// An unnamed event (type `message`).
    Message,
    /// The named event at this index of the names the transport was opened with.
    Named(usize),
}

/// How a stream was lost.
#[derive(Debug)]
pub(crate) enum Loss {
    /// The transport tries again by itself: after `delay` (`None`: the browser's own delay).
    /// `response` is the status and body start of an answer that asked for a retry (503, ...).
    Retrying {
        delay: Option<Duration>,
        response: Option<(u16, String)>,
    },
    /// Over for good.
    Failed(FailReason),
}

/// The signals a transport sends to the connection logic.
pub(crate) trait TransportEvents {
    /// The stream is open (again); with the fetch transport, the `Response`.
    fn opened(&self, response: Option<JsValue>);
    /// An event arrived.
    fn message(&self, kind: EventKind, event: RawMessage);
    /// The last event id changed without an event to carry it (a block with an id and no data).
    fn id_changed(&self, id: &str);
    /// The stream was lost.
    fn lost(&self, loss: Loss);
}

/// A live transport. Dropping it closes the stream and cancels everything it started (listeners,
/// the request, timers).
pub(crate) trait Transport {
    fn ready_state(&self) -> ReadyState;

    /// Listens (`on`) for events named `name` too, or no longer: the named events of a shared
    /// stream's connection change with its members.
    fn listen(&self, _name: &str, _on: bool) {}
}

/// Which transport carries a connection.
///
/// # Example
/// ```no_run
/// use wasm_sse::{SseOptions, TransportKind};
/// let options = SseOptions::<String>::text().transport(TransportKind::Fetch);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum TransportKind {
    /// The browser's `EventSource` where the global scope has one, is not a service worker, and
    /// no fetch-only option (method, header, body, fetch function, initial last event id, idle
    /// timeout, reconnect mode, flush at end, event size limit) is set; otherwise `fetch` (the
    /// default).
    #[default]
    Auto,
    /// The browser's native `EventSource`: GET only, no headers; the browser reconnects.
    EventSource,
    /// `fetch` and a `ReadableStream` read by wasm-sse's own spec-exact parser: any method,
    /// headers (refreshed before every request), a body; works in service workers and Node.
    Fetch,
}

#[wasm_bindgen(module = "/src/support.js")]
extern "C" {
    /// Whether [`TransportKind::Auto`] may use `EventSource`: the global scope has its
    /// constructor (not in Node) and is not a service worker. Chromium exposes `EventSource` in
    /// service workers and Firefox does not; fetch is used in every service worker, so it
    /// behaves the same in all.
    pub(crate) fn has_event_source() -> bool;

    /// The global scope's location (a page's or a worker's), if it has one (not in Node).
    pub(crate) fn base_url() -> Option<String>;
}
