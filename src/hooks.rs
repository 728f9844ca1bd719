//! What the Yew and Leptos hooks share: their options, the state they show, and how they listen
//! to a connection without taking the user's callbacks away.
// Compiled for the native unit tests too, without either framework; and under `ssr` the
// Leptos functions use none of the machinery.
#![cfg_attr(
    not(any(feature = "yew", all(feature = "leptos", not(feature = "ssr")))),
    allow(dead_code)
)]

use std::fmt;
use std::prelude::rust_2021::*;
use std::rc::Rc;

use serde::de::DeserializeOwned;

use crate::options::SseOptions;
use crate::{
    guard, CloseReason, Message, ReadyState, ReconnectInfo, ShareOptions, SseError, SseService,
    SseSubscription,
};

/// Options of the framework hooks: how each connection is configured, plus what the hook keeps.
///
/// The core [`SseOptions`] hold `FnMut` callbacks and are consumed by each connection, so the
/// hook takes a *factory* that builds them: it is called for every new connection (on mount, when
/// the URL or the body changes, on `reconnect()`/`open()`). Configure everything there exactly as
/// for [`SseService`](crate::SseService): decoding, named events, completion rules, your own
/// callbacks (they still fire; the hook records alongside them), retries and reconnection policy.
///
/// The hook's `message` is what the core delivers to `on_message`: unnamed events, plus the named
/// events routed there with [`SseOptions::event`]. A named event with its own
/// [`SseOptions::on_event`] callback goes to that callback only.
///
/// The request itself (method, headers, a token getter) is set on the core options too:
/// [`SseOptions::method`], [`SseOptions::header`], [`SseOptions::header_with`]. Only the body
/// belongs here ([`UseSseOptions::body`]), because the hook compares it like the URL: **a new
/// body or a new URL makes a new connection**.
///
/// Defaults: the core options are [`SseOptions::json`] (JSON into `T`, no completion rule);
/// only the latest message is kept (`keep_messages(false)`); the connection opens as soon as the
/// component mounts (`immediate(true)`); no body (`body` unset: the core options decide); not
/// shared (`share` unset: the component has its own connection).
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
    pub(crate) body: Option<UseSseBody>,
    pub(crate) share: Option<ShareOptions>,
}

impl<T: 'static> UseSseOptions<T> {
    /// Options whose connections are configured by `sse_options` (see
    /// [`UseSseOptions::sse_options`]); the other settings at their defaults.
    pub fn new(sse_options: impl Fn() -> SseOptions<T> + 'static) -> Self {
        UseSseOptions {
            sse_options: Rc::new(sse_options),
            keep_messages: false,
            immediate: true,
            body: None,
            share: None,
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
    /// until the URL or the body changes or `open()`/`reconnect()` is called.
    pub fn immediate(mut self, immediate: bool) -> Self {
        self.immediate = immediate;
        self
    }

    /// The request body of each connection, compared like the URL: **a new body makes a new
    /// connection** (closing the current one), the same body again keeps it (default: none, the
    /// core options decide).
    ///
    /// With Yew it is a value (`String`, `&str`) compared on every render; with Leptos it is
    /// reactive like the URL (a `Signal<String>`, `RwSignal`, `ReadSignal`, `Memo`, or a
    /// constant). It replaces any body of the core options, and is sent again, unchanged, when
    /// a lost stream resumes. Like [`SseOptions::body`] it needs a method that takes a body:
    /// set `.method("POST")` on the core options (a GET with a body is refused with
    /// [`SseError::InvalidOptions`]); an empty string is sent as an empty body.
    ///
    /// # Example
    /// ```
    /// # #[cfg(feature = "yew")] use wasm_sse::yew::UseSseOptions;
    /// # #[cfg(all(feature = "leptos", not(feature = "yew")))] use wasm_sse::leptos::UseSseOptions;
    /// use wasm_sse::SseOptions;
    ///
    /// // In a component: the whole conversation, as JSON (a new turn = a new request).
    /// let history = r#"{"conversation":"c1","messages":[{"role":"user","content":"hi"}]}"#;
    /// let options = UseSseOptions::new(|| {
    ///     SseOptions::<String>::text()
    ///         .method("POST")
    ///         .header("Content-Type", "application/json")
    ///         .header_with("Authorization", || async { String::from("Bearer my-token") })
    ///         .done_data("[DONE]")
    /// })
    /// .body(history);
    /// # let _ = options;
    /// ```
    pub fn body(mut self, body: impl Into<UseSseBody>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// Share the connection with every hook and [`SseSubscription`] listening to the same URL
    /// with the same connection settings, so that several components showing one stream cost
    /// one connection (default: not shared, each component has its own connection).
    ///
    /// Takes a [`Share`](crate::Share) scope ([`Share::Page`](crate::Share::Page): in this
    /// page; [`Share::Tabs`](crate::Share::Tabs): between the tabs of this origin) or a
    /// [`ShareOptions`] (to also get the stream's last message on joining, with
    /// [`ShareOptions::replay_last`]).
    ///
    /// The hook then holds an [`SseSubscription`] instead of its own connection, and shows the
    /// same state. Each component keeps its own decoding, named events, completion rules and
    /// callbacks: a completion ends that component's subscription, not the stream. `close()`
    /// unsubscribes this component (the stream goes on for the others), `reconnect()`/`open()`
    /// and a new URL subscribe again, and unmounting unsubscribes; the connection closes when
    /// its last subscriber leaves.
    ///
    /// Sharing is GET only: a request body (here or on the core options), another method, a
    /// custom fetch function or a header getter is refused, and the hook shows that
    /// [`SseError::InvalidOptions`] as its error.
    ///
    /// # Example
    /// ```
    /// # #[cfg(feature = "yew")] use wasm_sse::yew::UseSseOptions;
    /// # #[cfg(all(feature = "leptos", not(feature = "yew")))] use wasm_sse::leptos::UseSseOptions;
    /// use wasm_sse::{Share, ShareOptions, SseOptions};
    ///
    /// // The header, the sidebar and the bell each use these: one connection for the three.
    /// let options = UseSseOptions::new(SseOptions::<String>::text).share(Share::Page);
    /// // Between the tabs of this origin, and the last notification at once on mounting.
    /// let across_tabs = UseSseOptions::new(SseOptions::<String>::text)
    ///     .share(ShareOptions::new().scope(Share::Tabs).replay_last(true));
    /// # let _ = (options, across_tabs);
    /// ```
    pub fn share(mut self, share: impl Into<ShareOptions>) -> Self {
        self.share = Some(share.into());
        self
    }

    /// The core options of a new connection: the factory's, with the hook's `body` if any.
    pub(crate) fn build(&self, body: Option<String>) -> SseOptions<T> {
        let options = (self.sse_options)();
        match body {
            Some(body) => options.body(body),
            None => options,
        }
    }
}

/// The request body of a hook's connections ([`UseSseOptions::body`]): a value, or (feature
/// `leptos`) a reactive `Signal<String>` whose every new value makes a new connection.
///
/// Made with `into()` from a `String`, a `&str`, and with Leptos from a `Signal<String>`,
/// `RwSignal<String>`, `ReadSignal<String>` or `Memo<String>`.
///
/// # Example
/// ```
/// # #[cfg(feature = "yew")] use wasm_sse::yew::UseSseBody;
/// # #[cfg(all(feature = "leptos", not(feature = "yew")))] use wasm_sse::leptos::UseSseBody;
/// let body: UseSseBody = r#"{"messages":[]}"#.into();
/// # let _ = body;
/// ```
#[derive(Clone)]
pub struct UseSseBody(BodySource);

#[derive(Clone)]
enum BodySource {
    Value(Rc<str>),
    #[cfg(feature = "leptos")]
    Signal(leptos::prelude::Signal<String>),
}

impl UseSseBody {
    /// The current body; a signal is read tracked (in a Leptos effect, it becomes a
    /// dependency).
    #[cfg_attr(not(all(feature = "leptos", not(feature = "ssr"))), allow(dead_code))]
    pub(crate) fn get(&self) -> String {
        match &self.0 {
            BodySource::Value(value) => value.to_string(),
            #[cfg(feature = "leptos")]
            BodySource::Signal(signal) => leptos::prelude::Get::get(signal),
        }
    }

    /// The current body, a signal read untracked.
    pub(crate) fn get_untracked(&self) -> String {
        match &self.0 {
            BodySource::Value(value) => value.to_string(),
            #[cfg(feature = "leptos")]
            BodySource::Signal(signal) => leptos::prelude::GetUntracked::get_untracked(signal),
        }
    }
}

impl From<String> for UseSseBody {
    fn from(body: String) -> Self {
        UseSseBody(BodySource::Value(body.into()))
    }
}

impl From<&str> for UseSseBody {
    fn from(body: &str) -> Self {
        UseSseBody(BodySource::Value(body.into()))
    }
}

impl From<&String> for UseSseBody {
    fn from(body: &String) -> Self {
        UseSseBody::from(body.as_str())
    }
}

#[cfg(feature = "leptos")]
mod leptos_bodies {
    use leptos::prelude::{Memo, ReadSignal, RwSignal, Signal};
    use std::prelude::rust_2021::*;

    use super::{BodySource, UseSseBody};

    impl From<Signal<String>> for UseSseBody {
        fn from(body: Signal<String>) -> Self {
            UseSseBody(BodySource::Signal(body))
        }
    }

    impl From<RwSignal<String>> for UseSseBody {
        fn from(body: RwSignal<String>) -> Self {
            UseSseBody::from(Signal::from(body))
        }
    }

    impl From<ReadSignal<String>> for UseSseBody {
        fn from(body: ReadSignal<String>) -> Self {
            UseSseBody::from(Signal::from(body))
        }
    }

    impl From<Memo<String>> for UseSseBody {
        fn from(body: Memo<String>) -> Self {
            UseSseBody::from(Signal::from(body))
        }
    }
}

impl fmt::Debug for UseSseBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            BodySource::Value(value) => f.debug_tuple("UseSseBody").field(value).finish(),
            #[cfg(feature = "leptos")]
            BodySource::Signal(signal) => f.debug_tuple("UseSseBody").field(signal).finish(),
        }
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
            body: self.body.clone(),
            share: self.share,
        }
    }
}

impl<T> fmt::Debug for UseSseOptions<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UseSseOptions")
            .field("keep_messages", &self.keep_messages)
            .field("immediate", &self.immediate)
            .field("body", &self.body)
            .field("share", &self.share)
            .finish_non_exhaustive()
    }
}

/// Where a hook's events come from: its own connection, or (with [`UseSseOptions::share`]) a
/// subscription to a shared stream. Dropping it closes the connection or unsubscribes.
pub(crate) struct Source<T> {
    service: SseService,
    subscription: Option<SseSubscription<T>>,
}

impl<T: 'static> Source<T> {
    pub(crate) fn new() -> Self {
        Source {
            service: SseService::new(),
            subscription: None,
        }
    }

    /// Closes the current connection (or leaves the shared stream), then connects to `url`:
    /// alone, or subscribing as `share` says.
    pub(crate) fn connect(
        &mut self,
        url: &str,
        options: SseOptions<T>,
        share: Option<ShareOptions>,
    ) -> Result<(), SseError> {
        self.disconnect();
        self.subscription = None;
        match share {
            None => self.service.connect(url, options),
            Some(share) => {
                self.subscription = Some(SseSubscription::subscribe_with(url, options, share)?);
                Ok(())
            }
        }
    }
}

impl<T> Source<T> {
    /// Closes the connection, or leaves the shared stream (which goes on for the others).
    /// Idempotent; no callback fires afterwards.
    pub(crate) fn disconnect(&mut self) {
        self.service.disconnect();
        if let Some(subscription) = &self.subscription {
            subscription.unsubscribe();
        }
    }

    pub(crate) fn ready_state(&self) -> ReadyState {
        match &self.subscription {
            // Ended by its own completion rule: closed for this hook, though the stream goes on.
            Some(subscription) if subscription.close_reason().is_some() => ReadyState::Closed,
            Some(subscription) => subscription.ready_state(),
            None => self.service.ready_state(),
        }
    }

    pub(crate) fn close_reason(&self) -> Option<CloseReason> {
        match &self.subscription {
            Some(subscription) => subscription.close_reason(),
            None => self.service.close_reason(),
        }
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
