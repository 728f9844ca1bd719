//! [Leptos](https://leptos.dev) support (feature `leptos`): [`use_sse`] and
//! [`use_sse_with_options`].
//!
//! They connect to a reactive URL with an [`SseService`](crate::SseService) owned by the
//! component's reactive owner, and return a [`UseSseReturn`]: signals for the ready state, the
//! latest typed message, optionally every message, the last error, how the connection ended and
//! whether it is reconnecting, plus `open` and `close` closures. A new URL value, a new request
//! body ([`UseSseOptions::body`], a signal too) or `open()` makes a new connection; when the owner is cleaned up (the component unmounts) the connection
//! is closed and every listener removed. Nothing is leaked or forgotten on any (re)connection.
//!
//! While the browser is reconnecting, `ready_state` is [`ReadyState::Connecting`], never
//! `Closed`; a normal end of stream (a completion rule of the core options) is
//! [`CloseReason::Completed`], not an error.
//!
//! The core options also carry the request of the fetch transport (method, headers, a token
//! getter); [`use_sse_with_options`] shows a POST chat.
//!
//! With [`UseSseOptions::share`], the function holds an
//! [`SseSubscription`](crate::SseSubscription) instead of its own service: every component
//! listening to the same URL (and connection settings) shares one connection, in the page or
//! between tabs; `close()` and the owner's cleanup unsubscribe that component only, and the
//! connection closes with its last subscriber.
//!
//! ## Server-side rendering
//! With the feature `ssr`, both functions do nothing: `ready_state` is `Closed`, the other
//! signals are empty, and `open`/`close` do nothing, so components compile and render on the
//! server; the browser build (without `ssr`) connects.
//!
//! # Example
//! ```no_run
//! use leptos::prelude::*;
//! use serde::Deserialize;
//! use wasm_sse::leptos::{use_sse_with_options, UseSseOptions, UseSseReturn};
//! use wasm_sse::SseOptions;
//!
//! #[derive(Clone, Deserialize)]
//! struct Chunk {
//!     text: String,
//!     status: u8,
//! }
//!
//! #[component]
//! fn Answer(prompt: ReadSignal<String>) -> impl IntoView {
//!     let url = Signal::derive(move || format!("/api/chat?q={}", prompt.get()));
//!     let UseSseReturn { messages, ready_state, close, .. } = use_sse_with_options(
//!         url,
//!         UseSseOptions::new(|| {
//!             SseOptions::<Chunk>::json().complete_when(|chunk| chunk.status == 1)
//!         })
//!         .keep_messages(true),
//!     );
//!     let answer = move || {
//!         messages.with(|all| all.iter().map(|m| m.data.text.clone()).collect::<String>())
//!     };
//!     view! {
//!         <p>{answer}</p>
//!         <p>{move || format!("{:?}", ready_state.get())}</p>
//!         <button on:click=move |_| close()>"Stop"</button>
//!     }
//! }
//! ```

use std::fmt;
use std::prelude::rust_2021::*;

use leptos::prelude::{LocalStorage, Signal};
use serde::de::DeserializeOwned;

use crate::{CloseReason, Message, ReadyState, ReconnectInfo, SseError};

pub use crate::hooks::{UseSseBody, UseSseOptions};

/// Connects to `url` with the default options: JSON data decoded into `T`, no completion rule,
/// only the latest message kept, connected at once. See [`use_sse_with_options`].
///
/// `url` is reactive (`&str`, `String`, a signal, `Signal::derive(..)`): each new value makes a
/// new connection; an empty URL means no connection.
///
/// # Example
/// ```no_run
/// use leptos::prelude::*;
/// use wasm_sse::leptos::{use_sse, UseSseReturn};
///
/// #[derive(Clone, serde::Deserialize)]
/// struct Price {
///     symbol: String,
///     value: f64,
/// }
///
/// #[component]
/// fn Ticker() -> impl IntoView {
///     let UseSseReturn { message, .. } = use_sse::<Price>("/prices");
///     move || message.with(|m| m.as_ref().map(|m| format!("{} {}", m.data.symbol, m.data.value)))
/// }
/// ```
pub fn use_sse<T>(
    url: impl Into<Signal<String>>,
) -> UseSseReturn<
    T,
    impl Fn() + Clone + Send + Sync + 'static,
    impl Fn() + Clone + Send + Sync + 'static,
>
where
    T: DeserializeOwned + Clone + 'static,
{
    use_sse_with_options(url, UseSseOptions::default())
}

/// Connects to the reactive `url` with `options`; see [`UseSseOptions`] for the core options'
/// factory, `keep_messages`, `immediate` and `body`.
///
/// A new connection is made when the component is created (if `immediate`, the default), each
/// time `url` or the [`UseSseOptions::body`] signal takes a new value, and on `open()`; each
/// starts with fresh signals (no message, no error, no close reason). Setting the same URL or
/// body again keeps the connection. The connection is closed when the reactive owner is cleaned
/// up.
///
/// # Examples
/// A POST chat: the conversation so far is the body (a signal: each new value is a new request),
/// the token comes from a getter called before every request (reconnections included).
/// ```no_run
/// use leptos::prelude::*;
/// use serde::Deserialize;
/// use wasm_sse::leptos::{use_sse_with_options, UseSseOptions, UseSseReturn};
/// use wasm_sse::SseOptions;
///
/// #[derive(Clone, Deserialize)]
/// struct Chunk {
///     text: String,
///     status: u8,
/// }
///
/// #[component]
/// fn Answer(conversation: Signal<String>) -> impl IntoView {
///     let UseSseReturn { messages, .. } = use_sse_with_options(
///         "/api/chat",
///         UseSseOptions::new(|| {
///             SseOptions::<Chunk>::json()
///                 .method("POST")
///                 .header("Content-Type", "application/json")
///                 .header_with("Authorization", || async { String::from("Bearer my-token") })
///                 .complete_when(|chunk| chunk.status == 1)
///         })
///         .body(conversation)
///         .keep_messages(true),
///     );
///     move || messages.with(|all| all.iter().map(|m| m.data.text.clone()).collect::<String>())
/// }
/// ```
///
/// Text events on demand:
/// ```no_run
/// use leptos::prelude::*;
/// use wasm_sse::leptos::{use_sse_with_options, UseSseOptions, UseSseReturn};
/// use wasm_sse::SseOptions;
///
/// #[component]
/// fn Log() -> impl IntoView {
///     // Text events, a named "done" event ends the stream; connect on demand.
///     let UseSseReturn { messages, open, .. } = use_sse_with_options(
///         "/log",
///         UseSseOptions::new(|| SseOptions::text().done_event("done"))
///             .keep_messages(true)
///             .immediate(false),
///     );
///     view! {
///         <button on:click=move |_| open()>"Follow"</button>
///         <pre>{move || messages.with(|all| all.iter().map(|m| m.data.clone() + "\n").collect::<String>())}</pre>
///     }
/// }
/// ```
pub fn use_sse_with_options<T>(
    url: impl Into<Signal<String>>,
    options: UseSseOptions<T>,
) -> UseSseReturn<
    T,
    impl Fn() + Clone + Send + Sync + 'static,
    impl Fn() + Clone + Send + Sync + 'static,
>
where
    T: Clone + 'static,
{
    #[cfg(not(feature = "ssr"))]
    {
        client::use_sse(url.into(), options)
    }
    #[cfg(feature = "ssr")]
    {
        let _ = (url.into(), options);
        UseSseReturn {
            ready_state: Signal::stored(ReadyState::Closed),
            message: Signal::stored_local(None),
            messages: Signal::stored_local(Vec::new()),
            error: Signal::stored(None),
            close_reason: Signal::stored(None),
            reconnecting: Signal::stored(None),
            open: || {},
            close: || {},
        }
    }
}

/// What [`use_sse`] returns. Destructure what you need:
///
/// ```no_run
/// # use leptos::prelude::*;
/// use wasm_sse::leptos::{use_sse, UseSseReturn};
/// # #[component]
/// # fn Demo() -> impl IntoView {
/// let UseSseReturn { ready_state, message, messages, error, close_reason, reconnecting, open, close } =
///     use_sse::<String>("/events");
/// # view! {}
/// # }
/// ```
pub struct UseSseReturn<T, OpenFn, CloseFn>
where
    T: 'static,
    OpenFn: Fn() + Clone + Send + Sync + 'static,
    CloseFn: Fn() + Clone + Send + Sync + 'static,
{
    /// The connection's state: `Connecting` also while the browser (or the reconnect policy) is
    /// reconnecting; `Closed` once it completed, failed or was closed, and before any connection.
    pub ready_state: Signal<ReadyState>,
    /// The latest message of the current connection (`None` before the first one). Local
    /// storage: a message holds JS values (its event).
    pub message: Signal<Option<Message<T>>, LocalStorage>,
    /// Every message of the current connection, in order, if
    /// [`UseSseOptions::keep_messages`] is on (else always empty).
    pub messages: Signal<Vec<Message<T>>, LocalStorage>,
    /// The last error of the current connection: a message that could not be decoded (the
    /// stream goes on), the connection failing for good, or connecting being refused at once
    /// (an invalid URL or options).
    pub error: Signal<Option<SseError>>,
    /// How the current connection ended (completed, disconnected, failed), or `None` while it
    /// goes on or before any connection.
    pub close_reason: Signal<Option<CloseReason>>,
    /// While the connection is being re-established after a loss: which attempt, and the last
    /// event id it resumes from. `None` otherwise.
    pub reconnecting: Signal<Option<ReconnectInfo>>,
    /// Opens a new connection to the current URL (closing the current one first), with fresh
    /// signals and freshly built options; done by an effect, right after the current update.
    pub open: OpenFn,
    /// Closes the connection now (close reason `Disconnected`, unless it had already ended); no
    /// callback fires for it afterwards. It stays closed until the URL or the body changes or
    /// `open()`.
    pub close: CloseFn,
}

impl<T, OpenFn, CloseFn> fmt::Debug for UseSseReturn<T, OpenFn, CloseFn>
where
    T: 'static,
    OpenFn: Fn() + Clone + Send + Sync + 'static,
    CloseFn: Fn() + Clone + Send + Sync + 'static,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UseSseReturn")
            .field("ready_state", &self.ready_state)
            .field("error", &self.error)
            .field("close_reason", &self.close_reason)
            .field("reconnecting", &self.reconnecting)
            .finish_non_exhaustive()
    }
}

/// The browser side.
#[cfg(not(feature = "ssr"))]
mod client {
    use leptos::prelude::{
        on_cleanup, Effect, Get, GetUntracked, LocalStorage, Read, RwSignal, Set, Signal,
        StoredValue, Update, UpdateValue, WithUntracked, WithValue,
    };

    use super::UseSseReturn;
    use crate::hooks::{self, Event, Source, Status, UseSseBody, UseSseOptions};
    use crate::{CloseReason, Message, ReadyState, ReconnectInfo, SseError};
    use std::prelude::rust_2021::*;

    pub(super) fn use_sse<T: Clone + 'static>(
        url: Signal<String>,
        options: UseSseOptions<T>,
    ) -> UseSseReturn<
        T,
        impl Fn() + Clone + Send + Sync + 'static,
        impl Fn() + Clone + Send + Sync + 'static,
    > {
        let (immediate, keep_messages) = (options.immediate, options.keep_messages);
        let body = options.body.clone();
        let signals = Signals::new();
        // Owned by the reactive owner: dropped (so closed, or unsubscribed) when it is cleaned up.
        let service = StoredValue::new_local(Source::new());
        let hook = Hook {
            signals,
            service,
            options: StoredValue::new_local(options),
            keep_messages,
        };

        let first_url = url.get_untracked();
        if immediate && !first_url.is_empty() {
            let first_body = body.as_ref().map(UseSseBody::get_untracked);
            hook.connect(&first_url, first_body);
        }
        // Each new URL or body value, or `open()`, makes a new connection.
        let generation = RwSignal::new(0_u64);
        Effect::watch(
            move || {
                let body = body.as_ref().map(UseSseBody::get);
                (url.read().clone(), body, generation.get())
            },
            move |current, previous, _| {
                if previous != Some(current) {
                    hook.connect(&current.0, current.1.clone());
                }
            },
            false,
        );
        on_cleanup(move || {
            service.try_update_value(Source::disconnect);
        });

        let open = move || generation.update(|generation| *generation += 1);
        let close = move || {
            let closed = service.try_update_value(|service| {
                service.disconnect();
                (service.ready_state(), service.close_reason())
            });
            if let Some((ready_state, close_reason)) = closed {
                let mut status = signals.status();
                status.closed(ready_state, close_reason);
                signals.publish(status);
            }
        };
        UseSseReturn {
            ready_state: signals.ready_state.into(),
            message: signals.message.into(),
            messages: signals.messages.into(),
            error: signals.error.into(),
            close_reason: signals.close_reason.into(),
            reconnecting: signals.reconnecting.into(),
            open,
            close,
        }
    }

    /// What the effect needs to connect.
    struct Hook<T: 'static> {
        signals: Signals<T>,
        service: StoredValue<Source<T>, LocalStorage>,
        options: StoredValue<UseSseOptions<T>, LocalStorage>,
        keep_messages: bool,
    }

    impl<T: Clone + 'static> Hook<T> {
        fn connect(&self, url: &str, body: Option<String>) {
            let signals = self.signals;
            if url.is_empty() {
                self.service.try_update_value(Source::disconnect);
                signals.reset(Status::idle());
                return;
            }
            signals.reset(Status::connecting());
            let (service, keep_messages) = (self.service, self.keep_messages);
            let Some((options, share)) = self
                .options
                .try_with_value(|options| (options.build(body), options.share))
            else {
                return;
            };
            let options = hooks::instrument(options, move |event| {
                // The core has handled the event: its state is current.
                let now = service.try_with_value(|s| (s.ready_state(), s.close_reason()));
                signals.record(event, now, keep_messages);
            });
            let result = service.try_update_value(|service| service.connect(url, options, share));
            if let Some(Err(error)) = result {
                signals.publish(Status::refused(error));
            }
        }
    }

    /// The returned signals, written only here.
    struct Signals<T: 'static> {
        ready_state: RwSignal<ReadyState>,
        error: RwSignal<Option<SseError>>,
        close_reason: RwSignal<Option<CloseReason>>,
        reconnecting: RwSignal<Option<ReconnectInfo>>,
        message: RwSignal<Option<Message<T>>, LocalStorage>,
        messages: RwSignal<Vec<Message<T>>, LocalStorage>,
    }

    impl<T> Clone for Signals<T> {
        fn clone(&self) -> Self {
            *self
        }
    }

    impl<T> Copy for Signals<T> {}

    impl<T: Clone + 'static> Signals<T> {
        fn new() -> Self {
            let idle = Status::idle();
            Signals {
                ready_state: RwSignal::new(idle.ready_state),
                error: RwSignal::new(idle.error),
                close_reason: RwSignal::new(idle.close_reason),
                reconnecting: RwSignal::new(idle.reconnecting),
                message: RwSignal::new_local(None),
                messages: RwSignal::new_local(Vec::new()),
            }
        }

        fn status(&self) -> Status {
            Status {
                ready_state: self.ready_state.get_untracked(),
                error: self.error.get_untracked(),
                close_reason: self.close_reason.get_untracked(),
                reconnecting: self.reconnecting.get_untracked(),
            }
        }

        /// Sets the signals whose value changed, and only those.
        fn publish(&self, status: Status) {
            let Status {
                ready_state,
                error,
                close_reason,
                reconnecting,
            } = status;
            set_if_changed(self.ready_state, ready_state);
            set_if_changed(self.error, error);
            set_if_changed(self.close_reason, close_reason);
            set_if_changed(self.reconnecting, reconnecting);
        }

        /// A new connection (or none): nothing of the previous one is kept.
        fn reset(&self, status: Status) {
            self.publish(status);
            if self.message.with_untracked(Option::is_some) {
                self.message.set(None);
            }
            if self.messages.with_untracked(|all| !all.is_empty()) {
                self.messages.set(Vec::new());
            }
        }

        fn record(
            &self,
            event: Event<T>,
            now: Option<(ReadyState, Option<CloseReason>)>,
            keep_messages: bool,
        ) {
            let mut status = self.status();
            let (ready_state, close_reason) =
                now.unwrap_or((status.ready_state, status.close_reason.clone()));
            status.apply(&event, ready_state, close_reason);
            self.publish(status);
            if let Event::Message(message) = event {
                if keep_messages {
                    let copy = message.clone();
                    self.messages.update(|all| all.push(copy));
                }
                self.message.set(Some(message));
            }
        }
    }

    fn set_if_changed<V: PartialEq + Send + Sync + 'static>(signal: RwSignal<V>, value: V) {
        if signal.with_untracked(|current| *current != value) {
            signal.set(value);
        }
    }
}
