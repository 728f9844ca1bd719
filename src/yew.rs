//! [Yew](https://yew.rs) support (feature `yew`): the [`use_sse`] hook.
//!
//! The hook owns one [`SseService`](crate::SseService): it connects when the component mounts,
//! reconnects when the URL or the request body ([`UseSseOptions::body`]) changes, and closes the
//! connection when the component unmounts (the service is dropped with the component, which
//! removes every listener; nothing is leaked or forgotten). Each render
//! gets a [`UseSseHandle`] snapshot: the ready state, the latest typed message, optionally every
//! message, the last error and how the connection ended, plus [`UseSseHandle::close`] and
//! [`UseSseHandle::reconnect`].
//!
//! Completion rules, named events, decoding and retries are configured on a core
//! [`SseOptions`], built by a factory the hook calls for each new connection, so they behave
//! exactly as with [`SseService`](crate::SseService). Your own callbacks on those options still fire. So is the
//! request of the fetch transport (method, headers, a token getter); see
//! [`use_sse_with_options`] for a POST chat.
//!
//! With [`UseSseOptions::share`], the hook holds an [`SseSubscription`](crate::SseSubscription)
//! instead: every component listening to the same URL (and connection settings) shares one
//! connection, in the page or between tabs; `close()` and unmounting unsubscribe that
//! component only, and the connection closes with its last subscriber.
//!
//! # Example
//! ```no_run
//! use serde::Deserialize;
//! use wasm_sse::yew::use_sse;
//! use wasm_sse::{ReadyState, SseOptions};
//! use yew::prelude::*;
//!
//! #[derive(Clone, Deserialize)]
//! struct Chunk {
//!     text: String,
//!     status: u8,
//! }
//!
//! #[component]
//! fn Answer() -> Html {
//!     let sse = use_sse("/api/chat?q=hello", || {
//!         SseOptions::<Chunk>::json().complete_when(|chunk| chunk.status == 1)
//!     });
//!     let last = sse.data().map(|chunk| chunk.text.clone()).unwrap_or_default();
//!     let stop = {
//!         let sse = sse.clone();
//!         move |_| sse.close()
//!     };
//!     html! {
//!         <p>
//!             {last}
//!             if sse.ready_state() == ReadyState::Open {
//!                 <button onclick={stop}>{"Stop"}</button>
//!             }
//!         </p>
//!     }
//! }
//! ```

use std::cell::{Cell, RefCell};
use std::fmt;
use std::prelude::rust_2021::*;
use std::rc::{Rc, Weak};

use yew::functional::UseForceUpdateHandle;
use yew::{hook, use_effect_with, use_force_update, use_ref};

use crate::hooks::{self, Event, Source, Status};
use crate::{CloseReason, Message, ReadyState, ReconnectInfo, SseError, SseOptions};

pub use crate::hooks::{UseSseBody, UseSseOptions};

/// Connects to `url` while the component is mounted, with the core options built by
/// `sse_options`; returns this render's [`UseSseHandle`].
///
/// `sse_options` is called for each new connection (on mount, when `url` changes, on
/// [`UseSseHandle::reconnect`]); the latest closure passed is the one used. Changing only the
/// options does not reconnect (a request body that does is [`UseSseOptions::body`]). An empty `url` means no connection: the hook stays closed until
/// it is set. Only the latest message is kept; to keep all of them, or to connect only on demand,
/// use [`use_sse_with_options`].
///
/// # Example
/// ```no_run
/// use wasm_sse::yew::use_sse;
/// use wasm_sse::SseOptions;
/// use yew::prelude::*;
///
/// #[component]
/// fn Ticker() -> Html {
///     let sse = use_sse("/ticks", SseOptions::<String>::text);
///     html! { <p>{ sse.data().cloned().unwrap_or_default() }</p> }
/// }
/// ```
#[hook]
pub fn use_sse<T, F>(url: &str, sse_options: F) -> UseSseHandle<T>
where
    T: Clone + 'static,
    F: Fn() -> SseOptions<T> + 'static,
{
    use_sse_with_options(url, UseSseOptions::new(sse_options))
}

/// [`use_sse`] with hook options: keep every message, connect only on demand, send a request
/// body.
///
/// A new connection is made on mount (if [`UseSseOptions::immediate`], the default), when `url`
/// changes, when the [`UseSseOptions::body`] changes (compared on every render), and on
/// [`UseSseHandle::reconnect`]. A render with the same URL and body keeps the connection.
///
/// # Example
/// A POST chat: the conversation so far is the body, the token comes from a getter called before
/// every request (reconnections included).
/// ```no_run
/// use serde::Deserialize;
/// use wasm_sse::yew::{use_sse_with_options, UseSseOptions};
/// use wasm_sse::SseOptions;
/// use yew::prelude::*;
///
/// #[derive(Clone, Deserialize)]
/// struct Chunk {
///     text: String,
///     status: u8,
/// }
///
/// #[derive(Properties, PartialEq)]
/// struct Props {
///     /// `{"messages":[{"role":"user","content":"hi"}]}`: a new one is a new request.
///     conversation: AttrValue,
/// }
///
/// #[component]
/// fn Answer(props: &Props) -> Html {
///     let options = UseSseOptions::new(|| {
///         SseOptions::<Chunk>::json()
///             .method("POST")
///             .header("Content-Type", "application/json")
///             .header_with("Authorization", || async { String::from("Bearer my-token") })
///             .complete_when(|chunk| chunk.status == 1)
///     })
///     .body(props.conversation.as_str())
///     .keep_messages(true);
///     let sse = use_sse_with_options("/api/chat", options);
///     // Every chunk, even those that arrived together between two renders.
///     let answer: String = sse.messages().iter().map(|m| m.data.text.as_str()).collect();
///     html! { <p>{answer}</p> }
/// }
/// ```
#[hook]
pub fn use_sse_with_options<T>(url: &str, options: UseSseOptions<T>) -> UseSseHandle<T>
where
    T: Clone + 'static,
{
    let rerender = use_force_update();
    let first_options = options.clone();
    let core = use_ref(move || Core::new(rerender, first_options));
    let body = options.body.as_ref().map(UseSseBody::get_untracked);
    *core.options.borrow_mut() = options;
    let key = Key {
        url: url.to_owned(),
        body,
        generation: core.generation.get(),
    };
    core.prepare(&key);
    {
        let core = Rc::clone(&core);
        use_effect_with(key, move |key| {
            if core.should_connect.get() {
                Core::connect(&core, key);
            }
            // Runs when the URL or the body changes, on `reconnect()`, and when the component
            // unmounts.
            move || core.source.borrow_mut().disconnect()
        });
    }
    core.handle()
}

/// What [`use_sse`] returns: a snapshot of the connection at this render, and the controls.
///
/// Cloning it is cheap and never affects the connection: the component owns it, and closes it
/// when it unmounts. Two handles are equal when they come from the same hook and the same state,
/// so the handle can be passed down as a property.
///
/// # Example
/// ```no_run
/// use wasm_sse::yew::UseSseHandle;
/// use wasm_sse::{CloseReason, ReadyState};
///
/// fn status(sse: &UseSseHandle<String>) -> &'static str {
///     match (sse.ready_state(), sse.close_reason()) {
///         (ReadyState::Connecting, _) if sse.reconnecting().is_some() => "reconnecting",
///         (ReadyState::Connecting, _) => "connecting",
///         (ReadyState::Open, _) => "streaming",
///         (ReadyState::Closed, Some(CloseReason::Completed)) => "done",
///         (ReadyState::Closed, Some(CloseReason::Failed(_))) => "failed",
///         (ReadyState::Closed, _) => "closed",
///     }
/// }
/// ```
pub struct UseSseHandle<T> {
    status: Status,
    message: Option<Message<T>>,
    messages: Rc<Vec<Message<T>>>,
    version: u64,
    core: Weak<Core<T>>,
}

impl<T> UseSseHandle<T> {
    /// The connection's state: `Connecting` also while the browser (or the reconnect policy) is
    /// reconnecting, `Closed` once it completed, failed, was closed, or before any connection.
    pub fn ready_state(&self) -> ReadyState {
        self.status.ready_state
    }

    /// The latest message of the current connection (`None` before the first one).
    pub fn message(&self) -> Option<&Message<T>> {
        self.message.as_ref()
    }

    /// The latest message's data: `message().map(|m| &m.data)`.
    pub fn data(&self) -> Option<&T> {
        self.message.as_ref().map(|message| &message.data)
    }

    /// Every message of the current connection, in order, if
    /// [`UseSseOptions::keep_messages`] is on (else always empty).
    pub fn messages(&self) -> &[Message<T>] {
        &self.messages
    }

    /// The last error of the current connection: a message that could not be decoded (the
    /// stream goes on), the connection failing for good, or connecting being refused at once
    /// (an invalid URL or options).
    pub fn error(&self) -> Option<&SseError> {
        self.status.error.as_ref()
    }

    /// How the current connection ended (completed, disconnected, failed), or `None` while it
    /// goes on or before any connection.
    pub fn close_reason(&self) -> Option<CloseReason> {
        self.status.close_reason.clone()
    }

    /// While the connection is being re-established after a loss: which attempt, and the last
    /// event id it resumes from. `None` otherwise.
    pub fn reconnecting(&self) -> Option<&ReconnectInfo> {
        self.status.reconnecting.as_ref()
    }

    /// Closes the connection now (close reason `Disconnected`, unless it had already ended); no
    /// callback fires for it afterwards. It stays closed until the URL or the body changes or
    /// [`UseSseHandle::reconnect`] is called.
    pub fn close(&self) {
        if let Some(core) = self.core.upgrade() {
            core.close();
        }
    }

    /// Opens a new connection to the current URL (with the current body) on the next render (closing the current one
    /// first), with fresh state and freshly built options. Also how to connect when
    /// [`UseSseOptions::immediate`] is off.
    pub fn reconnect(&self) {
        if let Some(core) = self.core.upgrade() {
            core.generation.set(core.generation.get() + 1);
            core.rerender.force_update();
        }
    }
}

impl<T: Clone> Clone for UseSseHandle<T> {
    fn clone(&self) -> Self {
        UseSseHandle {
            status: self.status.clone(),
            message: self.message.clone(),
            messages: Rc::clone(&self.messages),
            version: self.version,
            core: Weak::clone(&self.core),
        }
    }
}

impl<T> PartialEq for UseSseHandle<T> {
    fn eq(&self, other: &Self) -> bool {
        Weak::ptr_eq(&self.core, &other.core) && self.version == other.version
    }
}

impl<T> fmt::Debug for UseSseHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UseSseHandle")
            .field("ready_state", &self.status.ready_state)
            .field("has_message", &self.message.is_some())
            .field("messages", &self.messages.len())
            .field("error", &self.status.error)
            .field("close_reason", &self.status.close_reason)
            .field("reconnecting", &self.status.reconnecting)
            .finish_non_exhaustive()
    }
}

/// The hook's state, shared by the renders, the effect and the connection's callbacks (which
/// hold it weakly: the connection or subscription inside owns those callbacks).
struct Core<T> {
    source: RefCell<Source<T>>,
    state: RefCell<State<T>>,
    /// The options of the latest render.
    options: RefCell<UseSseOptions<T>>,
    /// Bumped by `reconnect()`: part of the effect's dependencies, with the URL and the body.
    generation: Cell<u64>,
    /// The key the state was last prepared for.
    key: RefCell<Option<Key>>,
    /// Whether the effect for the current key connects.
    should_connect: Cell<bool>,
    rerender: UseForceUpdateHandle,
}

/// What makes a new connection when it changes: the effect's dependencies.
#[derive(Clone, PartialEq)]
struct Key {
    url: String,
    body: Option<String>,
    /// Bumped by `reconnect()`.
    generation: u64,
}

struct State<T> {
    status: Status,
    message: Option<Message<T>>,
    messages: Rc<Vec<Message<T>>>,
    /// Bumped on every change, for `UseSseHandle`'s equality.
    version: u64,
}

impl<T> Core<T> {
    fn close(&self) {
        let (ready_state, close_reason) = {
            let mut source = self.source.borrow_mut();
            source.disconnect();
            (source.ready_state(), source.close_reason())
        };
        let mut state = self.state.borrow_mut();
        state.status.closed(ready_state, close_reason);
        state.version += 1;
        drop(state);
        self.rerender.force_update();
    }
}

impl<T: Clone + 'static> Core<T> {
    fn new(rerender: UseForceUpdateHandle, options: UseSseOptions<T>) -> Self {
        Core {
            source: RefCell::new(Source::new()),
            state: RefCell::new(State {
                status: Status::idle(),
                message: None,
                messages: Rc::new(Vec::new()),
                version: 0,
            }),
            options: RefCell::new(options),
            generation: Cell::new(0),
            key: RefCell::new(None),
            should_connect: Cell::new(false),
            rerender,
        }
    }

    /// During a render: if the URL or the body changed or `reconnect()` was called, decide
    /// whether the effect connects and reset the state now, so this very render shows the new
    /// connection.
    fn prepare(&self, key: &Key) {
        let mut last = self.key.borrow_mut();
        if last.as_ref() == Some(key) {
            return;
        }
        let first = last.is_none();
        *last = Some(key.clone());
        let connect = !key.url.is_empty() && (!first || self.options.borrow().immediate);
        self.should_connect.set(connect);
        if connect {
            self.reset(Status::connecting());
        } else if !first {
            self.reset(Status::idle());
        }
    }

    fn reset(&self, status: Status) {
        let mut state = self.state.borrow_mut();
        state.status = status;
        state.message = None;
        state.messages = Rc::new(Vec::new());
        state.version += 1;
    }

    /// In the effect: a new connection, recording into the state.
    fn connect(this: &Rc<Self>, key: &Key) {
        let options = this.options.borrow().clone();
        let (keep_messages, share) = (options.keep_messages, options.share);
        let core = Rc::downgrade(this);
        let sse_options = hooks::instrument(options.build(key.body.clone()), move |event| {
            if let Some(core) = core.upgrade() {
                core.record(event, keep_messages);
            }
        });
        let result = this
            .source
            .borrow_mut()
            .connect(&key.url, sse_options, share);
        if let Err(error) = result {
            this.reset(Status::refused(error));
            this.rerender.force_update();
        }
    }

    /// A connection callback fired: the core has handled the event, so its ready state and
    /// close reason are current.
    fn record(&self, event: Event<T>, keep_messages: bool) {
        let mut state = self.state.borrow_mut();
        let (ready_state, close_reason) = match self.source.try_borrow() {
            Ok(source) => (source.ready_state(), source.close_reason()),
            Err(_) => (state.status.ready_state, state.status.close_reason.clone()),
        };
        state.status.apply(&event, ready_state, close_reason);
        if let Event::Message(message) = event {
            if keep_messages {
                Rc::make_mut(&mut state.messages).push(message.clone());
            }
            state.message = Some(message);
        }
        state.version += 1;
        drop(state);
        self.rerender.force_update();
    }

    fn handle(self: &Rc<Self>) -> UseSseHandle<T> {
        let state = self.state.borrow();
        UseSseHandle {
            status: state.status.clone(),
            message: state.message.clone(),
            messages: Rc::clone(&state.messages),
            version: state.version,
            core: Rc::downgrade(self),
        }
    }
}
