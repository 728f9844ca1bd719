//! Where a connection delivers what happens. The Rust callbacks of `SseOptions` are one
//! implementation; the JS face, which calls JS functions, is another (so the npm package
//! carries neither boxed Rust closures nor the panic guard).

use crate::prelude::*;
use wasm_bindgen::JsValue;

use crate::reconnect::ReconnectInfo;
use crate::transport::EventKind;
use crate::{guard, Message, SseError};

pub(crate) type Callback<A> = Box<dyn FnMut(A)>;

/// A completion predicate on decoded data.
pub(crate) type Predicate<T> = Box<dyn Fn(&T) -> bool>;

/// The user's callbacks, as `SseOptions` collects them.
pub(crate) struct Handlers<T> {
    pub(crate) on_open: Option<Callback<()>>,
    pub(crate) on_message: Option<Callback<Message<T>>>,
    /// Named events, each with its own callback or `None` to go to `on_message`.
    pub(crate) events: Vec<(String, Option<Callback<Message<T>>>)>,
    pub(crate) on_complete: Option<Callback<()>>,
    pub(crate) on_reconnecting: Option<Callback<ReconnectInfo>>,
    pub(crate) on_error: Option<Callback<SseError>>,
    /// Crate-private: told when the client closes the connection (the `Stream` flavour ends).
    pub(crate) on_disconnect: Option<Callback<()>>,
}

impl<T> Handlers<T> {
    /// No callbacks, listening for `events` (names only).
    pub(crate) fn listening(events: Vec<(String, Option<Callback<Message<T>>>)>) -> Self {
        Handlers {
            on_open: None,
            on_message: None,
            events,
            on_complete: None,
            on_reconnecting: None,
            on_error: None,
            on_disconnect: None,
        }
    }
}

/// Where an event's decoded data goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    /// The `on_message` callback.
    OnMessage,
    /// The callback of the named event at this index.
    Event(usize),
    /// Nobody listens: the data is not even decoded (unless a completion predicate needs it).
    Nowhere,
}

/// The receiving end of a connection.
pub(crate) trait Handler<T> {
    /// Where events of `kind` go.
    fn target(&self, kind: EventKind) -> Target;
    /// Whether a completion predicate wants to see every decoded message.
    fn has_predicate(&self) -> bool;
    /// Whether `data` is the last message (a predicate that fails says no).
    fn is_final(&mut self, data: &T) -> bool;
    /// The stream opened; with the fetch transport, `response` is the `Response`.
    fn open(&mut self, response: Option<&JsValue>);
    fn message(&mut self, target: Target, message: Message<T>);
    fn complete(&mut self);
    fn reconnecting(&mut self, info: ReconnectInfo);
    fn error(&mut self, error: SseError);
    /// The client closed the connection (no user callback fires for it).
    fn disconnected(&mut self);
}

/// The Rust callbacks and predicate of an `SseOptions`, each called through the panic guard.
pub(crate) struct Callbacks<T> {
    pub(crate) handlers: Handlers<T>,
    pub(crate) predicate: Option<Predicate<T>>,
}

impl<T> Handler<T> for Callbacks<T> {
    fn target(&self, kind: EventKind) -> Target {
        let handlers = &self.handlers;
        match kind {
            EventKind::Message if handlers.on_message.is_some() => Target::OnMessage,
            EventKind::Named(index) => match handlers.events.get(index) {
                Some((_, Some(_))) => Target::Event(index),
                Some((_, None)) if handlers.on_message.is_some() => Target::OnMessage,
                _ => Target::Nowhere,
            },
            _ => Target::Nowhere,
        }
    }

    fn has_predicate(&self) -> bool {
        self.predicate.is_some()
    }

    fn is_final(&mut self, data: &T) -> bool {
        self.predicate
            .as_ref()
            .is_some_and(|predicate| guard::test(predicate.as_ref(), data))
    }

    fn open(&mut self, _response: Option<&JsValue>) {
        if let Some(callback) = self.handlers.on_open.as_mut() {
            guard::call(callback, ());
        }
    }

    fn message(&mut self, target: Target, message: Message<T>) {
        let callback = match target {
            Target::OnMessage => self.handlers.on_message.as_mut(),
            Target::Event(index) => self
                .handlers
                .events
                .get_mut(index)
                .and_then(|(_, c)| c.as_mut()),
            Target::Nowhere => None,
        };
        if let Some(callback) = callback {
            guard::call(callback, message);
        }
    }

    fn complete(&mut self) {
        if let Some(callback) = self.handlers.on_complete.as_mut() {
            guard::call(callback, ());
        }
    }

    fn reconnecting(&mut self, info: ReconnectInfo) {
        if let Some(callback) = self.handlers.on_reconnecting.as_mut() {
            guard::call(callback, info);
        }
    }

    fn error(&mut self, error: SseError) {
        if let Some(callback) = self.handlers.on_error.as_mut() {
            guard::call(callback, error);
        }
    }

    fn disconnected(&mut self) {
        if let Some(callback) = self.handlers.on_disconnect.as_mut() {
            callback(());
        }
    }
}
