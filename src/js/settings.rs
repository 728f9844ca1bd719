//! The settings of a JS stream: an array that `pkg-template/options.js` builds from an options
//! object it has already checked (types, unknown keys), read here by position into the core's
//! options. One array read per setting is all the wasm does; names, messages and checks stay in
//! JS. The positions are the `AT` object of options.js.

use crate::prelude::*;
use core::time::Duration;

use js_sys::Array;
use wasm_bindgen::{JsCast, JsValue};

use crate::transport::{HubSpec, Part};
use crate::{ReconnectMode, SseOptions, TransportKind};

const TRANSPORT: u32 = 0;
const FLAGS: u32 = 1;
const NAMES: u32 = 2;
const DONE_EVENT: u32 = 3;
const DONE_DATA: u32 = 4;
const MAX_RETRIES: u32 = 5;
const METHOD: u32 = 6;
const HEADERS: u32 = 7;
const BODY: u32 = 8;
const FETCH: u32 = 9;
const LAST_EVENT_ID: u32 = 10;
const IDLE_TIMEOUT: u32 = 11;
const RECONNECT: u32 = 12;
const MAX_EVENT_SIZE: u32 = 13;
const TAKES_EVENT: u32 = 14;
const RELAY: u32 = 15;

// The bits of FLAGS.
const WITH_CREDENTIALS: u32 = 1;
const RAW: u32 = 2;
const FLUSH_AT_END: u32 = 4;
const ON_MESSAGE: u32 = 8;
const IS_FINAL: u32 = 16;
const HUB: u32 = 32;

/// Which of the sink's targets the user listens to.
pub(super) struct Targets {
    /// Unnamed events are wanted (an `onMessage`, or a `stream()` iterator).
    pub(super) on_message: bool,
    /// The named events with a handler: the first `events` names.
    pub(super) events: usize,
    /// Whether `onMessage` (at 0), then the handler of each name, declares the event parameter.
    pub(super) takes_event: Vec<bool>,
    /// An `isFinal` predicate wants every decoded message.
    pub(super) is_final: bool,
    /// A hub's connection: every event goes to the sink's `relay`, with its type and id.
    pub(super) hub: bool,
}

/// The core's options, the targets, and for a shared stream's subscriber its hub, from
/// `settings`.
pub(super) fn read(settings: &Array) -> (SseOptions<JsValue>, Targets, Option<HubSpec>) {
    let get = |at: u32| Some(settings.get(at)).filter(|v| !v.is_undefined());
    let string = |at: u32| get(at).and_then(|v| v.as_string());
    let number = |at: u32| get(at).and_then(|v| v.as_f64());
    let flags = number(FLAGS).unwrap_or(0.0) as u32;

    let mut options = if flags & RAW != 0 {
        SseOptions::raw()
    } else {
        SseOptions::json_value()
    };
    options.transport = match number(TRANSPORT) {
        Some(1.0) => TransportKind::EventSource,
        Some(2.0) => TransportKind::Fetch,
        _ => TransportKind::Auto,
    };
    options.with_credentials = flags & WITH_CREDENTIALS != 0;
    let names: Array = settings.get(NAMES).unchecked_into();
    for name in names.iter() {
        options = options.event(&name.as_string().unwrap_or_default());
    }
    options.completion.done_event = string(DONE_EVENT);
    options.completion.done_data = string(DONE_DATA);
    if let Some(attempts) = number(MAX_RETRIES) {
        options.max_retries = attempts as u32;
    }
    if let Some(method) = string(METHOD) {
        options.request.method = method;
    }
    if let Some(headers) = get(HEADERS) {
        options.request.headers.push(Part::Value(headers));
    }
    options.request.body = get(BODY).filter(|b| !b.is_null()).map(Part::Value);
    options.request.fetch = get(FETCH).map(JsCast::unchecked_into);
    let fetch = &mut options.fetch;
    fetch.last_event_id = string(LAST_EVENT_ID);
    fetch.idle_timeout = number(IDLE_TIMEOUT).map(|ms| Duration::from_micros((ms * 1000.0) as u64));
    fetch.reconnect = number(RECONNECT).map(|mode| match mode as u32 {
        1 => ReconnectMode::Always,
        2 => ReconnectMode::Never,
        _ => ReconnectMode::Auto,
    });
    fetch.flush_at_end = flags & FLUSH_AT_END != 0;
    fetch.max_event_size = number(MAX_EVENT_SIZE).map(|bytes| bytes as usize);
    let targets = Targets {
        on_message: flags & ON_MESSAGE != 0,
        events: names.length() as usize,
        takes_event: Array::from(&settings.get(TAKES_EVENT))
            .iter()
            .map(|takes| takes.is_truthy())
            .collect(),
        is_final: flags & IS_FINAL != 0,
        hub: flags & HUB != 0,
    };
    (options, targets, get(RELAY).map(|relay| hub(&relay.into())))
}

/// A subscriber's hub: `[key, tabs, replayLast, connect, control]`.
fn hub(relay: &Array) -> HubSpec {
    HubSpec {
        key: relay.get(0).as_string().unwrap_or_default(),
        tabs: relay.get(1).is_truthy(),
        replay_last: relay.get(2).is_truthy(),
        connect: relay.get(3).unchecked_into(),
        control: relay.get(4).unchecked_into(),
        _keep: None,
    }
}
