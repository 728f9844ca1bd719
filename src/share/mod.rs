//! Shared streams: subscribers to the same URL and connection settings share one connection in
//! a page (and, with [`Share::Tabs`], one connection between the tabs of an origin).
//!
//! A per-thread registry holds one *hub* per shared stream. The hub owns the connection (the
//! unchanged connection logic of [`crate::connection`], with no completion rule and the raw
//! decoder) and fans each raw event out to its subscribers; each subscriber decodes
//! with its own decoder and applies its own named events and completion rules, which end that
//! subscription only. The hub opens with its first subscriber and closes when its last one
//! leaves. In tabs mode the hub either leads (holds the connection and relays every event over
//! a `BroadcastChannel`) or follows (holds no connection and delivers what the leader relays);
//! see `tabs.rs`.

mod tabs;

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use std::time::Duration;

use gloo_events::EventListener;
use wasm_bindgen::prelude::*;

use crate::connection::{Connection, Control, Recreation};
use crate::delivery::Rules;
use crate::handler::{Callbacks, Handler, Target};
use crate::message::RawMessage;
use crate::options::FetchSettings;
use crate::reconnect::{ReconnectInfo, ReconnectMode};
use crate::transport::{EventKind, Part, Request};
use crate::{CloseReason, FailReason, Message, ReadyState, SseError, SseOptions, TransportKind};

#[wasm_bindgen(inline_js = "export function wasm_sse_header_key(h) { \
    try { return JSON.stringify([...new Headers(h)]); } catch (e) { return String(h); } }")]
extern "C" {
    /// The headers a `HeadersInit` stands for, as a canonical string (names lowercased, sorted).
    fn wasm_sse_header_key(headers: &JsValue) -> String;
}

/// Where subscribers share a connection.
///
/// # Example
/// ```no_run
/// use wasm_sse::{Share, ShareOptions};
/// let share = ShareOptions::new().scope(Share::Tabs).replay_last(true);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
#[non_exhaustive]
pub enum Share {
    /// Subscribers in this page (this thread) share one connection (the default).
    #[default]
    Page,
    /// The tabs of this origin share one connection: the tab holding a Web Lock leads and relays
    /// every event over a `BroadcastChannel`; when it goes, another tab takes over and resumes
    /// from the last event id relayed. Without Web Locks or `BroadcastChannel`, each page has its
    /// own connection ([`Share::Page`]).
    Tabs,
}

/// How a subscription shares: its [`Share`] scope and whether it wants the last message on
/// joining.
///
/// # Example
/// ```no_run
/// use wasm_sse::{SseOptions, SseSubscription, ShareOptions};
/// let subscription = SseSubscription::subscribe_with(
///     "/notifications",
///     SseOptions::<String>::text().on_message(|message| {
///         let _ = message.data;
///     }),
///     ShareOptions::new().replay_last(true),
/// )?;
/// # Ok::<(), wasm_sse::SseError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ShareOptions {
    scope: Share,
    replay_last: bool,
}

impl ShareOptions {
    /// Page scope, no replay.
    ///
    /// ```
    /// assert_eq!(wasm_sse::ShareOptions::new(), wasm_sse::ShareOptions::default());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Where the connection is shared (default [`Share::Page`]).
    ///
    /// ```
    /// let tabs = wasm_sse::ShareOptions::new().scope(wasm_sse::Share::Tabs);
    /// ```
    pub fn scope(mut self, scope: Share) -> Self {
        self.scope = scope;
        self
    }

    /// Deliver the shared stream's last message to this subscriber when it joins, if there was
    /// one (default `false`).
    ///
    /// ```
    /// let replay = wasm_sse::ShareOptions::new().replay_last(true);
    /// ```
    pub fn replay_last(mut self, replay: bool) -> Self {
        self.replay_last = replay;
        self
    }
}

impl From<Share> for ShareOptions {
    /// That scope, no replay.
    ///
    /// ```
    /// use wasm_sse::{Share, ShareOptions};
    /// assert_eq!(ShareOptions::from(Share::Tabs), ShareOptions::new().scope(Share::Tabs));
    /// ```
    fn from(scope: Share) -> Self {
        ShareOptions::new().scope(scope)
    }
}

/// A subscription to a shared stream: its own callbacks, named events, decoding and completion
/// rules over a connection it shares with every subscriber to the same URL and connection
/// settings. Dropping it (or [`SseSubscription::unsubscribe`]) leaves the stream; the connection
/// closes when its last subscriber leaves.
///
/// GET only: a stream with a method other than GET, a body, a custom fetch function or header
/// getters is refused with [`SseError::InvalidOptions`] (use [`SseService`](crate::SseService)).
/// Subscribers share when their URL, transport, credentials, header values, retry settings and
/// initial last event id are equal and the shared connection already listens for every named
/// event they want.
///
/// # Example
/// ```no_run
/// use wasm_sse::{SseOptions, SseSubscription};
///
/// // Header, sidebar and bell: three subscribers, one connection.
/// let header = SseSubscription::subscribe(
///     "/notifications",
///     SseOptions::<String>::text().on_message(|m| web_sys::console::log_1(&m.data.into())),
/// )?;
/// let bell = SseSubscription::subscribe(
///     "/notifications",
///     SseOptions::<String>::text().on_event("alert", |m| web_sys::console::log_1(&m.data.into())),
/// )?;
/// drop(header); // the bell still listens; the connection stays open
/// # Ok::<(), wasm_sse::SseError>(())
/// ```
#[must_use = "the subscription ends when it is dropped"]
pub struct SseSubscription<T> {
    member: Rc<Subscriber<T>>,
}

impl<T: 'static> SseSubscription<T> {
    /// Subscribes to `url` with page sharing ([`ShareOptions::new`]).
    ///
    /// # Errors
    /// [`SseError::InvalidOptions`] for contradictory options or a stream that cannot be shared
    /// (not GET); [`SseError::InvalidUrl`] if the first subscriber's URL is refused.
    ///
    /// ```no_run
    /// use wasm_sse::{SseOptions, SseSubscription};
    /// let news = SseSubscription::subscribe("/news", SseOptions::<String>::text())?;
    /// # Ok::<(), wasm_sse::SseError>(())
    /// ```
    pub fn subscribe(url: &str, options: SseOptions<T>) -> Result<Self, SseError> {
        Self::subscribe_with(url, options, ShareOptions::new())
    }

    /// Subscribes to `url`, sharing as `share` says.
    ///
    /// # Errors
    /// As [`SseSubscription::subscribe`].
    ///
    /// ```no_run
    /// use wasm_sse::{Share, ShareOptions, SseOptions, SseSubscription};
    /// let options = SseOptions::<String>::text();
    /// let share = ShareOptions::new().scope(Share::Tabs);
    /// let news = SseSubscription::subscribe_with("/news", options, share)?;
    /// # Ok::<(), wasm_sse::SseError>(())
    /// ```
    pub fn subscribe_with(
        url: &str,
        options: SseOptions<T>,
        share: ShareOptions,
    ) -> Result<Self, SseError> {
        let callbacks_of = |options: &mut SseOptions<T>| Callbacks {
            handlers: options.take_handlers(),
            predicate: options.completion.predicate.take(),
        };
        let mut options = options;
        let callbacks = callbacks_of(&mut options);
        Ok(SseSubscription {
            member: join(url, options, Box::new(callbacks), share)?,
        })
    }
}

impl<T> SseSubscription<T> {
    /// Leaves the shared stream: no callback of this subscription fires afterwards. Idempotent.
    ///
    /// ```no_run
    /// use wasm_sse::{SseOptions, SseSubscription};
    /// let news = SseSubscription::subscribe("/news", SseOptions::<String>::text())?;
    /// news.unsubscribe();
    /// news.unsubscribe(); // idempotent
    /// # Ok::<(), wasm_sse::SseError>(())
    /// ```
    pub fn unsubscribe(&self) {
        self.member.leave(CloseReason::Disconnected);
    }

    /// This subscription's state: the shared connection's while subscribed, then `Closed`.
    ///
    /// ```no_run
    /// use wasm_sse::{SseOptions, SseSubscription};
    /// let news = SseSubscription::subscribe("/news", SseOptions::<String>::text())?;
    /// let _open = news.ready_state() == wasm_sse::ReadyState::Open;
    /// # Ok::<(), wasm_sse::SseError>(())
    /// ```
    pub fn ready_state(&self) -> ReadyState {
        self.member.ready_state()
    }

    /// The shared stream's last event id (`""` if none); frozen when the subscription ends.
    ///
    /// ```no_run
    /// use wasm_sse::{SseOptions, SseSubscription};
    /// let news = SseSubscription::subscribe("/news", SseOptions::<String>::text())?;
    /// let _resume_from = news.last_event_id();
    /// # Ok::<(), wasm_sse::SseError>(())
    /// ```
    pub fn last_event_id(&self) -> String {
        self.member.last_event_id()
    }

    /// How this subscription ended (its own completion rule, unsubscribing, or the shared
    /// connection failing), or `None` while it goes on.
    ///
    /// ```no_run
    /// use wasm_sse::{SseOptions, SseSubscription};
    /// let news = SseSubscription::subscribe("/news", SseOptions::<String>::text())?;
    /// assert_eq!(news.close_reason(), None);
    /// # Ok::<(), wasm_sse::SseError>(())
    /// ```
    pub fn close_reason(&self) -> Option<CloseReason> {
        self.member.close_reason()
    }
}

impl<T> Drop for SseSubscription<T> {
    fn drop(&mut self) {
        self.member.leave(CloseReason::Disconnected);
    }
}

impl<T> std::fmt::Debug for SseSubscription<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SseSubscription")
            .field("ready_state", &self.ready_state())
            .field("close_reason", &self.close_reason())
            .finish_non_exhaustive()
    }
}

/// Joins (or opens) the shared stream of `url` and `options`, delivering to `handler`.
pub(crate) fn join<T: 'static>(
    url: &str,
    mut options: SseOptions<T>,
    handler: Box<dyn Handler<T>>,
    share: ShareOptions,
) -> Result<Rc<Subscriber<T>>, SseError> {
    options.validate()?;
    let settings = Settings::of(&mut options)?;
    let key = Key {
        url: url.to_owned(),
        settings: settings.fingerprint(share.scope),
    };
    let names = options.handlers.events.iter().map(|(name, _)| name.clone());
    let rules = Rules::new(
        options.decode,
        names.collect(),
        options.completion.done_event.take(),
        options.completion.done_data.take(),
    );
    let hub = match Hub::find(&key, &rules.names) {
        Some(hub) => hub,
        None => Hub::open(key, rules.names.clone(), settings, share.scope)?,
    };
    let member = Rc::new(Subscriber {
        rules,
        handler: RefCell::new(handler),
        ended: Cell::new(false),
        close_reason: RefCell::new(None),
        last_event_id: RefCell::new(String::new()),
        hub: RefCell::new(Some(hub.clone())),
        abort_listener: RefCell::new(None),
    });
    if let Some(signal) = options.signal.take() {
        if signal.aborted() {
            member.leave(CloseReason::Disconnected);
            return Ok(member);
        }
        let me = Rc::downgrade(&member);
        let listener = EventListener::once(&signal, "abort", move |_| {
            if let Some(member) = me.upgrade() {
                member.leave(CloseReason::Disconnected);
            }
        });
        *member.abort_listener.borrow_mut() = Some(listener);
    }
    hub.members.borrow_mut().push(member.clone());
    // What a private connection would have told it by now: it is open, and (if asked) the last
    // message. Later, not from inside `subscribe`, so the caller holds its handle first.
    let (open, last) = (
        hub.ready_state() == ReadyState::Open,
        if share.replay_last {
            hub.last.borrow().clone()
        } else {
            None
        },
    );
    if open || last.is_some() {
        let me = Rc::downgrade(&member);
        crate::microtask::defer(move || {
            let Some(member) = me.upgrade() else { return };
            if open {
                member.open(None);
            }
            if let Some(event) = last {
                member.deliver(&event.event_type(), &event);
            }
        });
    }
    Ok(member)
}

/// Which shared stream a subscriber joins.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    url: String,
    settings: String,
}

/// The connection settings of a shared stream (everything but callbacks, decoding, named
/// events and completion).
#[derive(Clone)]
struct Settings {
    with_credentials: bool,
    max_retries: u32,
    recreation: Option<Recreation<JsValue>>,
    last_event_id_param: Option<String>,
    transport: TransportKind,
    request: Request,
    fetch: FetchSettings,
}

impl Settings {
    /// Takes the connection settings out of `options`, refusing what cannot be shared.
    fn of<T>(options: &mut SseOptions<T>) -> Result<Self, SseError> {
        let refuse = |what: &str| {
            Err(SseError::InvalidOptions(
                [
                    "sharing is GET-only: ",
                    what,
                    " belongs to one caller (use connect)",
                ]
                .concat(),
            ))
        };
        let request = &options.request;
        if !request.method.eq_ignore_ascii_case("GET") {
            return refuse(&["a ", &request.method, " stream"].concat());
        }
        if request.body.is_some() {
            return refuse("a request body");
        }
        if request.fetch.is_some() {
            return refuse("a custom fetch function");
        }
        if request.headers.iter().any(|h| matches!(h, Part::Get(_))) {
            return refuse("a header getter");
        }
        Ok(Settings {
            with_credentials: options.with_credentials,
            max_retries: options.max_retries,
            recreation: options
                .recreation
                .as_ref()
                .map(|r| (r.raw)(r.policy.clone())),
            last_event_id_param: options.last_event_id_param.clone(),
            transport: options.transport,
            request: std::mem::take(&mut options.request),
            fetch: options.fetch.clone(),
        })
    }

    /// A text that two subscriptions share exactly when their settings match; it also names the
    /// tabs' channel and lock, so it must read the same in every tab. (Built by hand: `{:?}` of
    /// the floats inside would bring kilobytes of float formatting into the wasm.)
    fn fingerprint(&self, scope: Share) -> String {
        let mut out = String::new();
        let mut field = |text: &str| {
            out.push_str(text);
            out.push('\u{1f}');
        };
        let number = |n: u64| n.to_string();
        let millis =
            |d: Option<Duration>| d.map_or(String::new(), |d| number(d.as_millis() as u64));
        field(if scope == Share::Tabs { "tabs" } else { "page" });
        field(match self.transport {
            TransportKind::EventSource => "eventsource",
            TransportKind::Fetch => "fetch",
            _ => "auto",
        });
        field(if self.with_credentials {
            "credentials"
        } else {
            ""
        });
        field(&number(u64::from(self.max_retries)));
        let policy = self.recreation.as_ref().map(|r| r.policy.fingerprint());
        for value in policy.into_iter().flatten() {
            field(&number(value));
        }
        field(self.last_event_id_param.as_deref().unwrap_or(""));
        let fetch = &self.fetch;
        field(fetch.last_event_id.as_deref().unwrap_or(""));
        field(&millis(fetch.idle_timeout));
        field(match fetch.reconnect {
            Some(ReconnectMode::Always) => "always",
            Some(ReconnectMode::Never) => "never",
            _ => "",
        });
        field(if fetch.flush_at_end { "flush" } else { "" });
        field(
            &fetch
                .max_event_size
                .map_or(String::new(), |n| number(n as u64)),
        );
        for part in &self.request.headers {
            if let Part::Value(value) = part {
                field(&wasm_sse_header_key(value));
            }
        }
        out
    }

    /// The options of the hub's connection: these settings, the raw decoder, `names`, no
    /// callbacks and no completion rule; `last_event_id` to resume from (tabs mode).
    fn options(&self, names: &[String], resume_from: Option<String>) -> SseOptions<JsValue> {
        let mut options = SseOptions::raw();
        for name in names {
            options = options.event(name);
        }
        options.with_credentials = self.with_credentials;
        options.max_retries = self.max_retries;
        // Not `reconnect()`: that would link re-creation into builds that never use it.
        options.recreation = self.recreation.clone();
        options.last_event_id_param = self.last_event_id_param.clone();
        options.transport = self.transport;
        options.request = self.request.clone();
        options.fetch = self.fetch.clone();
        if let Some(id) = resume_from {
            if options.transport == TransportKind::Auto {
                // `Last-Event-ID` as a header: the fetch transport.
                options.transport = TransportKind::Fetch;
            }
            if options.transport == TransportKind::Fetch {
                options.fetch.last_event_id = Some(id);
            }
        }
        options
    }
}

thread_local! {
    /// The live hubs of this thread. Weak: the subscribers own their hub.
    static HUBS: RefCell<Vec<Weak<Hub>>> = const { RefCell::new(Vec::new()) };
}

/// One shared stream: its connection (or, in a following tab, the relay) and its subscribers.
pub(crate) struct Hub {
    me: Weak<Hub>,
    key: Key,
    /// The named events the connection listens for.
    names: Vec<String>,
    settings: Settings,
    connection: RefCell<Option<Rc<dyn Control>>>,
    members: RefCell<Vec<Rc<dyn Member>>>,
    /// The last event delivered, for `replay_last`.
    last: RefCell<Option<RawMessage>>,
    /// The last event id seen, from the connection or the relay.
    last_id: RefCell<String>,
    /// Tabs mode: the channel and the lock request; `None` in page mode.
    tabs: RefCell<Option<tabs::Link>>,
    /// Tabs mode, following: the state the leader last reported.
    relayed_state: Cell<ReadyState>,
    /// Over: failed for good, or its last subscriber left.
    dead: Cell<bool>,
}

impl Hub {
    fn find(key: &Key, names: &[String]) -> Option<Rc<Hub>> {
        HUBS.with(|hubs| {
            let mut hubs = hubs.borrow_mut();
            hubs.retain(|hub| hub.strong_count() > 0);
            hubs.iter().filter_map(Weak::upgrade).find(|hub| {
                !hub.dead.get()
                    && hub.key == *key
                    && names.iter().all(|name| hub.names.contains(name))
            })
        })
    }

    fn open(
        key: Key,
        names: Vec<String>,
        settings: Settings,
        scope: Share,
    ) -> Result<Rc<Hub>, SseError> {
        let hub = Rc::new_cyclic(|me| Hub {
            me: me.clone(),
            key,
            names,
            settings,
            connection: RefCell::new(None),
            members: RefCell::new(Vec::new()),
            last: RefCell::new(None),
            last_id: RefCell::new(String::new()),
            tabs: RefCell::new(None),
            relayed_state: Cell::new(ReadyState::Connecting),
            dead: Cell::new(false),
        });
        let link = (scope == Share::Tabs)
            .then(|| tabs::Link::new(&hub.channel_name(), hub.me.clone()))
            .flatten();
        match link {
            Some(link) => *hub.tabs.borrow_mut() = Some(link),
            None => hub.connect(None)?,
        }
        HUBS.with(|hubs| hubs.borrow_mut().push(Rc::downgrade(&hub)));
        Ok(hub)
    }

    fn channel_name(&self) -> String {
        let names = self.names.join("\u{1f}");
        [
            "wasm-sse ",
            &self.key.url,
            " ",
            &self.key.settings,
            " ",
            &names,
        ]
        .concat()
    }

    /// Opens this hub's own connection (page mode, or leading in tabs mode).
    fn connect(&self, resume_from: Option<String>) -> Result<(), SseError> {
        // `EventSource` cannot send `Last-Event-ID`: the query parameter, if one is named.
        let url = match (&resume_from, &self.settings.last_event_id_param) {
            (Some(id), Some(name)) if self.settings.transport == TransportKind::EventSource => {
                crate::url::with_query_param(&self.key.url, name, id)
            }
            _ => self.key.url.clone(),
        };
        let options = self.settings.options(&self.names, resume_from);
        let handler = Box::new(HubHandler {
            hub: self.me.clone(),
        });
        let connection: Rc<dyn Control> = Connection::open_with(&url, options, handler)?;
        *self.connection.borrow_mut() = Some(connection);
        Ok(())
    }

    fn ready_state(&self) -> ReadyState {
        if self.dead.get() {
            return ReadyState::Closed;
        }
        match &*self.connection.borrow() {
            Some(connection) => connection.ready_state(),
            None if self.tabs.borrow().is_some() => self.relayed_state.get(),
            None => ReadyState::Closed,
        }
    }

    fn last_event_id(&self) -> String {
        match &*self.connection.borrow() {
            Some(connection) => connection.last_event_id(),
            None => self.last_id.borrow().clone(),
        }
    }

    /// The subscribers now (a copy: a callback may subscribe or leave while they are called).
    fn members(&self) -> Vec<Rc<dyn Member>> {
        self.members.borrow().clone()
    }

    fn deliver(&self, event: &RawMessage) {
        *self.last.borrow_mut() = Some(event.clone());
        *self.last_id.borrow_mut() = event.last_event_id();
        let event_type = event.event_type();
        for member in self.members() {
            member.deliver(&event_type, event);
        }
    }

    fn open_all(&self, response: Option<&JsValue>) {
        for member in self.members() {
            member.open(response);
        }
    }

    fn reconnecting_all(&self, info: &ReconnectInfo) {
        for member in self.members() {
            member.reconnecting(info);
        }
    }

    fn error_all(&self, error: &SseError) {
        if error.is_fatal() {
            self.end();
        }
        for member in self.members() {
            member.error(error);
        }
    }

    /// Removes `member`; the last one closes the hub.
    fn remove(&self, member: *const ()) {
        self.members
            .borrow_mut()
            .retain(|m| !std::ptr::addr_eq(Rc::as_ptr(m), member));
        if self.members.borrow().is_empty() {
            self.end();
        }
    }

    /// Closes the connection (or leaves the tabs' election) for good.
    fn end(&self) {
        self.dead.set(true);
        let connection = self.connection.borrow().clone();
        if let Some(connection) = connection {
            connection.disconnect();
        }
        drop(self.tabs.borrow_mut().take());
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        self.end();
    }
}

/// The hub's connection delivers here: every event, raw.
struct HubHandler {
    hub: Weak<Hub>,
}

impl HubHandler {
    fn with(&self, f: impl FnOnce(&Hub)) {
        if let Some(hub) = self.hub.upgrade() {
            f(&hub);
        }
    }
}

impl Handler<JsValue> for HubHandler {
    fn target(&self, _kind: EventKind) -> Target {
        Target::OnMessage
    }

    fn has_predicate(&self) -> bool {
        false
    }

    fn is_final(&mut self, _data: &JsValue) -> bool {
        false
    }

    fn open(&mut self, response: Option<&JsValue>) {
        self.with(|hub| {
            tabs::relay_open(hub);
            hub.open_all(response);
        });
    }

    fn message(&mut self, _target: Target, message: Message<JsValue>) {
        self.with(|hub| {
            let (_, event) = message.into_raw();
            tabs::relay_event(hub, &event);
            hub.deliver(&event);
        });
    }

    fn complete(&mut self) {
        // The hub's connection has no completion rule; each subscriber has its own.
    }

    fn reconnecting(&mut self, info: ReconnectInfo) {
        self.with(|hub| {
            tabs::relay_reconnecting(hub, &info);
            hub.reconnecting_all(&info);
        });
    }

    fn error(&mut self, error: SseError) {
        self.with(|hub| {
            tabs::relay_error(hub, &error);
            hub.error_all(&error);
        });
    }

    fn disconnected(&mut self) {}
}

/// A subscriber, whatever its `T`.
pub(crate) trait Member {
    fn open(&self, response: Option<&JsValue>);
    /// An event of type `event_type` (`"message"` for unnamed ones).
    fn deliver(&self, event_type: &str, event: &RawMessage);
    fn reconnecting(&self, info: &ReconnectInfo);
    fn error(&self, error: &SseError);
}

/// One subscriber: its decoder, named events, completion rules and handler.
pub(crate) struct Subscriber<T> {
    rules: Rules<T>,
    handler: RefCell<Box<dyn Handler<T>>>,
    ended: Cell<bool>,
    close_reason: RefCell<Option<CloseReason>>,
    /// The last event id, kept when the subscription ends.
    last_event_id: RefCell<String>,
    hub: RefCell<Option<Rc<Hub>>>,
    abort_listener: RefCell<Option<EventListener>>,
}

impl<T> Subscriber<T> {
    /// Ends this subscription (idempotent) and leaves the hub.
    pub(crate) fn leave(&self, reason: CloseReason) {
        if self.ended.replace(true) {
            return;
        }
        self.close_reason.borrow_mut().get_or_insert(reason);
        drop(self.abort_listener.borrow_mut().take());
        let hub = self.hub.borrow_mut().take();
        if let Some(hub) = hub {
            *self.last_event_id.borrow_mut() = hub.last_event_id();
            hub.remove((self as *const Self).cast());
        }
        if let Ok(mut handler) = self.handler.try_borrow_mut() {
            handler.disconnected();
        }
    }

    pub(crate) fn ready_state(&self) -> ReadyState {
        match &*self.hub.borrow() {
            Some(hub) if !self.ended.get() => hub.ready_state(),
            _ => ReadyState::Closed,
        }
    }

    pub(crate) fn last_event_id(&self) -> String {
        match &*self.hub.borrow() {
            Some(hub) => hub.last_event_id(),
            None => self.last_event_id.borrow().clone(),
        }
    }

    pub(crate) fn close_reason(&self) -> Option<CloseReason> {
        self.close_reason.borrow().clone()
    }

    /// Its own completion rule matched: it ends, the shared stream goes on.
    fn complete(&self) {
        if self.ended.get() {
            return;
        }
        *self.close_reason.borrow_mut() = Some(CloseReason::Completed);
        self.handler.borrow_mut().complete();
        self.leave(CloseReason::Completed);
    }
}

/// A subscriber is what its owner controls, as a connection is for a private stream.
impl<T> Control for Subscriber<T> {
    fn ready_state(&self) -> ReadyState {
        Subscriber::ready_state(self)
    }

    fn last_event_id(&self) -> String {
        Subscriber::last_event_id(self)
    }

    /// Ended by its own choice: completed or unsubscribed.
    fn is_closing(&self) -> bool {
        self.ended.get() && !matches!(*self.close_reason.borrow(), Some(CloseReason::Failed(_)))
    }

    fn close_reason(&self) -> Option<CloseReason> {
        Subscriber::close_reason(self)
    }

    fn disconnect(&self) {
        self.leave(CloseReason::Disconnected);
    }
}

impl<T> Member for Subscriber<T> {
    fn open(&self, response: Option<&JsValue>) {
        if !self.ended.get() {
            self.handler.borrow_mut().open(response);
        }
    }

    fn deliver(&self, event_type: &str, event: &RawMessage) {
        if self.ended.get() {
            return;
        }
        // Only the events it listens for: a private connection would see no others.
        let Some(kind) = self.rules.kind(event_type) else {
            return;
        };
        let verdict = self.rules.apply(&self.handler, kind, event, || {});
        if let Some(error) = verdict.error {
            self.handler.borrow_mut().error(error);
        }
        if verdict.complete {
            self.complete();
        }
    }

    fn reconnecting(&self, info: &ReconnectInfo) {
        if !self.ended.get() {
            self.handler.borrow_mut().reconnecting(info.clone());
        }
    }

    fn error(&self, error: &SseError) {
        if self.ended.get() {
            return;
        }
        if let SseError::Failed(reason) = error {
            *self.close_reason.borrow_mut() = Some(CloseReason::Failed(reason.clone()));
        }
        self.handler.borrow_mut().error(error.clone());
        if error.is_fatal() {
            self.leave(CloseReason::Failed(FailReason::Refused));
        }
    }
}
