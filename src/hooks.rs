//! What the Yew and Leptos hooks share: their options, the state they show, and how they listen
//! to a connection without taking the user's callbacks away.
// Compiled for the native unit tests too, without either framework; and under `ssr` the
// Leptos functions use none of the machinery.
#![cfg_attr(
    not(any(feature = "yew", all(feature = "leptos", not(feature = "ssr")))),
    allow(dead_code)
)]

use std::fmt;
use std::rc::Rc;

use serde::de::DeserializeOwned;

use crate::options::SseOptions;
use crate::{guard, CloseReason, Message, ReadyState, ReconnectInfo, SseError};

/// Options of the framework hooks: how each connection is configured, plus what the hook keeps.
///
/// The core [`SseOptions`] hold `FnMut` callbacks and are consumed by each connection, so the
/// hook takes a *factory* that builds them: it is called for every new connection (on mount, when
/// the URL changes, on `reconnect()`/`open()`). Configure everything there exactly as for
/// [`SseService`](crate::SseService): decoding, named events, completion rules, your own callbacks
/// (they still fire; the hook records alongside them), retries and reconnection policy.
///
/// The hook's `message` is what the core delivers to `on_message`: unnamed events, plus the named
/// events routed there with [`SseOptions::event`]. A named event with its own
/// [`SseOptions::on_event`] callback goes to that callback only.
///
/// Defaults: the core options are [`SseOptions::json`] (JSON into `T`, no completion rule);
/// only the latest message is kept (`keep_messages(false)`); the connection opens as soon as the
/// component mounts (`immediate(true)`).
///
/// # Example
/// ```
/// # #[cfg(feature = "yew")] use wasm_sse::yew::UseSseOptions;
/// # #[cfg(all(feature = "leptos", not(feature = "yew")))] use wasm_sse::leptos::UseSseOptions;
/// use wasm_sse::SseOptions;
///
/// #[derive(Clone, serde::Deserialize)]
/// struct Chunk {
///     text: String,
///     status: u8,
/// }
///
/// let options = UseSseOptions::<Chunk>::default()
///     .sse_options(|| SseOptions::json().complete_when(|chunk: &Chunk| chunk.status == 1))
///     .keep_messages(true);
/// # let _ = options;
/// ```
pub struct UseSseOptions<T> {
    pub(crate) sse_options: Rc<dyn Fn() -> SseOptions<T>>,
    pub(crate) keep_messages: bool,
    pub(crate) immediate: bool,
}

impl<T: 'static> UseSseOptions<T> {
    /// Options whose connections are configured by `sse_options` (see
    /// [`UseSseOptions::sse_options`]); the other settings at their defaults.
    pub fn new(sse_options: impl Fn() -> SseOptions<T> + 'static) -> Self {
        UseSseOptions {
            sse_options: Rc::new(sse_options),
            keep_messages: false,
            immediate: true,
        }
    }

    /// Builds the core options of each new connection (default: [`SseOptions::json`]).
    /// Called once per connection, never per event.
    pub fn sse_options(mut self, sse_options: impl Fn() -> SseOptions<T> + 'static) -> Self {
        self.sse_options = Rc::new(sse_options);
        self
    }

    /// Also keep every message of the current connection in `messages`, in order, so that a
    /// burst arriving between two renders is never coalesced into its last message
    /// (default `false`: only the latest `message` is kept, and `messages` stays empty).
    /// A new connection starts a new list.
    pub fn keep_messages(mut self, keep: bool) -> Self {
        self.keep_messages = keep;
        self
    }

    /// Connect as soon as the component mounts (default `true`). With `false`, nothing connects
    /// until the URL changes or `open()`/`reconnect()` is called.
    pub fn immediate(mut self, immediate: bool) -> Self {
        self.immediate = immediate;
        self
    }
}

impl<T: DeserializeOwned + 'static> Default for UseSseOptions<T> {
    fn default() -> Self {
        UseSseOptions::new(SseOptions::json)
    }
}

impl<T> Clone for UseSseOptions<T> {
    fn clone(&self) -> Self {
        UseSseOptions {
            sse_options: Rc::clone(&self.sse_options),
            keep_messages: self.keep_messages,
            immediate: self.immediate,
        }
    }
}

impl<T> fmt::Debug for UseSseOptions<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UseSseOptions")
            .field("keep_messages", &self.keep_messages)
            .field("immediate", &self.immediate)
            .finish_non_exhaustive()
    }
}

/// What happened on a connection, as a hook records it.
pub(crate) enum Event<T> {
    Open,
    Message(Message<T>),
    Reconnecting(ReconnectInfo),
    Complete,
    Error(SseError),
}

/// Wraps the options' callbacks so that `record` sees every event first, then the user's own
/// callback runs as before (guarded on its own, so a user callback that panics cannot stop the
/// hook from recording). Nothing else about the options changes.
pub(crate) fn instrument<T: Clone + 'static>(
    mut options: SseOptions<T>,
    record: impl Fn(Event<T>) + 'static,
) -> SseOptions<T> {
    let record = Rc::new(record);
    let handlers = &mut options.handlers;

    let (rec, mut user) = (Rc::clone(&record), handlers.on_open.take());
    handlers.on_open = Some(Box::new(move |()| {
        rec(Event::Open);
        if let Some(user) = user.as_mut() {
            guard::call(user, ());
        }
    }));

    let (rec, mut user) = (Rc::clone(&record), handlers.on_message.take());
    handlers.on_message = Some(Box::new(move |message: Message<T>| match user.as_mut() {
        Some(user) => {
            rec(Event::Message(message.clone()));
            guard::call(user, message);
        }
        None => rec(Event::Message(message)),
    }));

    let (rec, mut user) = (Rc::clone(&record), handlers.on_reconnecting.take());
    handlers.on_reconnecting = Some(Box::new(move |info: ReconnectInfo| {
        rec(Event::Reconnecting(info.clone()));
        if let Some(user) = user.as_mut() {
            guard::call(user, info);
        }
    }));

    let (rec, mut user) = (Rc::clone(&record), handlers.on_complete.take());
    handlers.on_complete = Some(Box::new(move |()| {
        rec(Event::Complete);
        if let Some(user) = user.as_mut() {
            guard::call(user, ());
        }
    }));

    let (rec, mut user) = (record, handlers.on_error.take());
    handlers.on_error = Some(Box::new(move |error: SseError| {
        rec(Event::Error(error.clone()));
        if let Some(user) = user.as_mut() {
            guard::call(user, error);
        }
    }));
    options
}

/// The connection's state as a hook shows it. Each field changes only through [`Status::apply`],
/// so both frameworks follow the same rules.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Status {
    pub(crate) ready_state: ReadyState,
    pub(crate) error: Option<SseError>,
    pub(crate) close_reason: Option<CloseReason>,
    pub(crate) reconnecting: Option<ReconnectInfo>,
}

impl Status {
    /// No connection (yet): closed, nothing to report.
    pub(crate) fn idle() -> Self {
        Status {
            ready_state: ReadyState::Closed,
            error: None,
            close_reason: None,
            reconnecting: None,
        }
    }

    /// A new connection is being made: nothing of the previous one is kept.
    pub(crate) fn connecting() -> Self {
        Status {
            ready_state: ReadyState::Connecting,
            ..Status::idle()
        }
    }

    /// Updates the status after `event`, given what the service reports once the core has
    /// handled it (its ready state and close reason are the truth; the event says the rest).
    pub(crate) fn apply<T>(
        &mut self,
        event: &Event<T>,
        ready_state: ReadyState,
        close_reason: Option<CloseReason>,
    ) {
        self.ready_state = ready_state;
        self.close_reason = close_reason;
        match event {
            Event::Open => self.reconnecting = None,
            Event::Reconnecting(info) => self.reconnecting = Some(info.clone()),
            Event::Error(error) => {
                self.error = Some(error.clone());
                if ready_state == ReadyState::Closed {
                    self.reconnecting = None;
                }
            }
            Event::Complete => self.reconnecting = None,
            Event::Message(_) => {}
        }
    }

    /// The client closed the connection: the service's final state.
    pub(crate) fn closed(&mut self, ready_state: ReadyState, close_reason: Option<CloseReason>) {
        self.ready_state = ready_state;
        self.close_reason = close_reason;
        self.reconnecting = None;
    }

    /// Connecting failed at once (bad URL or options).
    pub(crate) fn refused(error: SseError) -> Self {
        Status {
            error: Some(error),
            ..Status::idle()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FailReason;

    fn info(attempt: u32) -> ReconnectInfo {
        ReconnectInfo {
            attempt,
            last_event_id: String::new(),
            delay: None,
            status: None,
        }
    }

    #[test]
    fn follows_the_service_and_remembers_errors() {
        let mut status = Status::connecting();
        status.apply::<()>(&Event::Open, ReadyState::Open, None);
        assert_eq!(status.ready_state, ReadyState::Open);

        status.apply::<()>(&Event::Reconnecting(info(1)), ReadyState::Connecting, None);
        assert_eq!(status.reconnecting, Some(info(1)));
        status.apply::<()>(&Event::Open, ReadyState::Open, None);
        assert_eq!(status.reconnecting, None);

        let parse = SseError::Parse {
            data: "x".into(),
            message: "bad".into(),
        };
        status.apply::<()>(&Event::Error(parse.clone()), ReadyState::Open, None);
        assert_eq!(status.error, Some(parse));
        assert_eq!(status.ready_state, ReadyState::Open);

        let failed = CloseReason::Failed(FailReason::Refused);
        status.apply::<()>(&Event::Reconnecting(info(2)), ReadyState::Connecting, None);
        let error = SseError::Failed(FailReason::Refused);
        status.apply::<()>(
            &Event::Error(error.clone()),
            ReadyState::Closed,
            Some(failed.clone()),
        );
        assert_eq!(
            status,
            Status {
                ready_state: ReadyState::Closed,
                error: Some(error),
                close_reason: Some(failed),
                reconnecting: None,
            }
        );
    }

    #[test]
    fn a_new_connection_starts_afresh() {
        let mut status = Status::refused(SseError::InvalidUrl("no".into()));
        assert_eq!(status.ready_state, ReadyState::Closed);
        status = Status::connecting();
        assert_eq!(status.error, None);
        status.closed(ReadyState::Closed, Some(CloseReason::Disconnected));
        assert_eq!(status.close_reason, Some(CloseReason::Disconnected));
    }
}
