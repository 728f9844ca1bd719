//! Shared streams: subscribers to the same URL and connection settings share one connection in
//! a page (and, with [`Share::Tabs`], one connection between the tabs of an origin).
//!
//! One *hub* per shared stream (`hub.js`) holds the connection and fans what happens on it out
//! to its members. A subscriber is an ordinary connection whose transport is the hub
//! ([`crate::transport::RelayTransport`]): it applies its own named events, decoding and
//! completion rules, and reads its own state, exactly as a private connection does. The hub's
//! connection has no completion rule, the raw decoder and the union of its members' named
//! events (`link.rs` opens it when the hub asks); it opens with the first member and closes
//! with the last. In tabs mode the hub either leads (holds the connection and relays over a
//! `BroadcastChannel`) or follows (holds none and delivers what the leader relays).

mod link;

use crate::prelude::*;
use alloc::rc::Rc;
use core::marker::PhantomData;

use crate::connection::{Connection, Control};
use crate::handler::{Callbacks, Handler};
use crate::{CloseReason, ReadyState, SseError, SseOptions};
pub(crate) use link::Settings;

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
/// initial last event id are equal, whatever named events each listens for: the connection
/// listens for all of them.
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
    member: Rc<dyn Control>,
    data: PhantomData<fn() -> T>,
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
        let mut options = options;
        let callbacks = Callbacks {
            handlers: options.take_handlers(),
            predicate: options.completion.predicate.take(),
        };
        Ok(SseSubscription {
            member: join(url, options, Box::new(callbacks), share)?,
            data: PhantomData,
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
        self.member.disconnect();
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
        self.member.disconnect();
    }
}

impl<T> core::fmt::Debug for SseSubscription<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SseSubscription")
            .field("ready_state", &self.ready_state())
            .field("close_reason", &self.close_reason())
            .finish_non_exhaustive()
    }
}

/// Joins (or opens) the shared stream of `url` and `options`, delivering to `handler`: a
/// connection whose transport is the stream's hub.
pub(crate) fn join<T: 'static>(
    url: &str,
    mut options: SseOptions<T>,
    handler: Box<dyn Handler<T>>,
    share: ShareOptions,
) -> Result<Rc<Connection<T>>, SseError> {
    options.validate()?;
    let settings = Settings::of(url, &mut options)?;
    let hub = settings.hub(share.scope == Share::Tabs, share.replay_last);
    Connection::open_shared(url, options, handler, hub)
}
