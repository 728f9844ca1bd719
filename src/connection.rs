//! One connection's logic: decoding and delivery, completion, the closing guard, classifying
//! errors, and reconnection. It owns its transport; the transport's listeners only hold a weak
//! reference back, so dropping the owner's `Rc` releases everything.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use gloo_timers::callback::Timeout;
use wasm_bindgen::JsValue;
use web_sys::MessageEvent;

use crate::decode::Decoder;
use crate::handler::{Callbacks, Handler, Target};
use crate::options::SseOptions;
use crate::reconnect::{ReconnectInfo, ReconnectPolicy};
use crate::transport::{EventKind, EventSourceTransport, TransportEvents};
use crate::url::with_query_param;
use crate::{CloseReason, FailReason, Message, ReadyState, SseError};

/// What an owner (a service, a stream, a JS object) can do with a connection, whatever its `T`.
pub(crate) trait Control {
    fn ready_state(&self) -> ReadyState;
    fn last_event_id(&self) -> String;
    fn is_closing(&self) -> bool;
    fn close_reason(&self) -> Option<CloseReason>;
    /// Closes the connection as the client's choice; idempotent.
    fn disconnect(&self);
}

/// Re-creation after a fatal failure: the policy, and the code that carries it out. The code is
/// reached through a function pointer that only [`SseOptions::reconnect`] sets, so a build that
/// never asks for re-creation (the npm package) carries no timer, backoff or URL code.
pub(crate) struct Recreation<T> {
    pub(crate) policy: ReconnectPolicy,
    schedule: fn(&Connection<T>, &ReconnectPolicy) -> bool,
}

impl<T: 'static> Recreation<T> {
    pub(crate) fn new(policy: ReconnectPolicy) -> Self {
        Recreation {
            policy,
            schedule: Connection::schedule_recreation,
        }
    }
}

pub(crate) struct Connection<T> {
    me: Weak<Self>,
    url: String,
    decode: Decoder<T>,
    with_credentials: bool,
    /// Every named event listened for: the `on_event`/`event` names, then the done event.
    names: Vec<String>,
    done_index: Option<usize>,
    /// The done sentinel as a JS string, compared without copying the data into Rust.
    done_data: Option<JsValue>,
    max_retries: u32,
    recreation: Option<Recreation<T>>,
    last_event_id_param: Option<String>,
    handler: RefCell<Box<dyn Handler<T>>>,

    transport: RefCell<Option<EventSourceTransport>>,
    reopen_timer: RefCell<Option<Timeout>>,
    closing: Cell<bool>,
    close_reason: Cell<Option<CloseReason>>,
    /// The last event seen; its `lastEventId` is read only when asked for.
    last_event: RefCell<Option<MessageEvent>>,
    /// Reconnection attempts since the last event, as reported to `on_reconnecting`.
    attempt: Cell<u32>,
    /// Failed browser retries of the current `EventSource`, against `max_retries`.
    retries: Cell<u32>,
    /// Re-creations since the last event, against the reconnect policy.
    recreations: Cell<u32>,
}

impl<T: 'static> Connection<T> {
    /// Validates the options and opens the stream, delivering to the options' callbacks.
    pub(crate) fn open(url: &str, mut options: SseOptions<T>) -> Result<Rc<Self>, SseError> {
        let callbacks = Callbacks {
            handlers: options.take_handlers(),
            predicate: options.completion.predicate.take(),
        };
        Self::open_with(url, options, Box::new(callbacks))
    }

    /// Validates the options and opens the stream, delivering to `handler`.
    pub(crate) fn open_with(
        url: &str,
        options: SseOptions<T>,
        handler: Box<dyn Handler<T>>,
    ) -> Result<Rc<Self>, SseError> {
        options.validate()?;
        let SseOptions {
            decode,
            with_credentials,
            handlers,
            completion,
            max_retries,
            recreation,
            last_event_id_param,
            invalid: _,
        } = options;
        let mut names: Vec<String> = handlers
            .events
            .iter()
            .map(|(name, _)| name.clone())
            .collect();
        let done_index = completion.done_event.map(|done| {
            names
                .iter()
                .position(|name| *name == done)
                .unwrap_or_else(|| {
                    names.push(done);
                    names.len() - 1
                })
        });
        let connection = Rc::new_cyclic(|me| Connection {
            me: me.clone(),
            url: url.to_owned(),
            decode,
            with_credentials,
            names,
            done_index,
            done_data: completion.done_data.map(|data| JsValue::from_str(&data)),
            max_retries,
            recreation,
            last_event_id_param,
            handler: RefCell::new(handler),
            transport: RefCell::new(None),
            reopen_timer: RefCell::new(None),
            closing: Cell::new(false),
            close_reason: Cell::new(None),
            last_event: RefCell::new(None),
            attempt: Cell::new(0),
            retries: Cell::new(0),
            recreations: Cell::new(0),
        });
        let transport = connection
            .open_transport(url)
            .map_err(SseError::InvalidUrl)?;
        *connection.transport.borrow_mut() = Some(transport);
        Ok(connection)
    }

    fn open_transport(&self, url: &str) -> Result<EventSourceTransport, String> {
        let sink: Weak<dyn TransportEvents> = self.me.clone();
        EventSourceTransport::open(url, self.with_credentials, &self.names, sink)
    }

    /// A completion rule matched: close before the server's end of stream can trigger a
    /// reconnect, then tell the user.
    fn complete(&self) {
        if self.closing.replace(true) {
            return;
        }
        self.close_reason.set(Some(CloseReason::Completed));
        self.stop();
        self.handler.borrow_mut().complete();
    }

    /// Releases the transport (closing the source, removing its listeners) and any pending
    /// re-creation. Safe from inside a listener: the running closure is freed when it returns.
    fn stop(&self) {
        drop(self.transport.borrow_mut().take());
        drop(self.reopen_timer.borrow_mut().take());
    }

    fn report(&self, error: SseError) {
        if self.closing.get() {
            return;
        }
        self.handler.borrow_mut().error(error);
    }

    fn reconnecting(&self, delay: Option<std::time::Duration>) {
        let attempt = self.attempt.get() + 1;
        self.attempt.set(attempt);
        let info = ReconnectInfo {
            attempt,
            last_event_id: self.last_event_id(),
            delay,
        };
        self.handler.borrow_mut().reconnecting(info);
    }

    /// The connection is lost for good, unless the policy allows another re-creation.
    fn fail(&self, reason: FailReason) {
        self.stop();
        if let Some(recreation) = &self.recreation {
            if (recreation.schedule)(self, &recreation.policy) {
                return;
            }
        }
        self.close_reason.set(Some(CloseReason::Failed(reason)));
        self.report(SseError::Failed(reason));
    }

    /// Schedules the next re-creation, unless the policy's budget is spent.
    fn schedule_recreation(&self, policy: &ReconnectPolicy) -> bool {
        let recreation = self.recreations.get() + 1;
        if recreation > policy.attempts() {
            return false;
        }
        self.recreations.set(recreation);
        let delay = policy.delay(recreation, js_sys::Math::random());
        let me = self.me.clone();
        let timer = Timeout::new(delay.as_millis() as u32, move || {
            if let Some(connection) = me.upgrade() {
                connection.recreate();
            }
        });
        *self.reopen_timer.borrow_mut() = Some(timer);
        self.reconnecting(Some(delay));
        true
    }

    /// Opens a new transport after a fatal failure, carrying the last event id if asked to.
    fn recreate(&self) {
        drop(self.reopen_timer.borrow_mut().take());
        if self.closing.get() {
            return;
        }
        let last_event_id = self.last_event_id();
        let url = match &self.last_event_id_param {
            Some(name) if !last_event_id.is_empty() => {
                with_query_param(&self.url, name, &last_event_id)
            }
            _ => self.url.clone(),
        };
        self.retries.set(0);
        match self.open_transport(&url) {
            Ok(transport) => *self.transport.borrow_mut() = Some(transport),
            Err(message) => {
                // The new URL was refused: the connection is over.
                self.close_reason
                    .set(Some(CloseReason::Failed(FailReason::Refused)));
                self.report(SseError::InvalidUrl(message));
            }
        }
    }
}

impl<T: 'static> TransportEvents for Connection<T> {
    fn opened(&self) {
        if self.closing.get() {
            return;
        }
        self.handler.borrow_mut().open();
    }

    fn message(&self, kind: EventKind, event: MessageEvent) {
        if self.closing.get() {
            return;
        }
        // Progress: the connection works, so every retry budget starts again. (An open alone is
        // not enough: a server that accepts and hangs up at once would loop for ever.)
        self.attempt.set(0);
        self.retries.set(0);
        self.recreations.set(0);
        let data = event.data();
        if self.done_data.as_ref() == Some(&data) {
            self.complete();
            return;
        }
        *self.last_event.borrow_mut() = Some(event.clone());
        let is_done_event =
            matches!(kind, EventKind::Named(index) if Some(index) == self.done_index);
        let (target, has_predicate) = {
            let handler = self.handler.borrow();
            (handler.target(kind), handler.has_predicate())
        };
        if target == Target::Nowhere && !has_predicate {
            if is_done_event {
                self.complete();
            }
            return;
        }
        match (self.decode)(&data) {
            Ok(value) => {
                let mut handler = self.handler.borrow_mut();
                let is_last = is_done_event || handler.is_final(&value);
                handler.message(target, Message::new(value, event));
                drop(handler);
                if is_last {
                    self.complete();
                }
            }
            Err(message) => {
                let data = data.as_string().unwrap_or_default();
                self.report(SseError::Parse { data, message });
                if is_done_event {
                    self.complete();
                }
            }
        }
    }

    fn errored(&self, retrying: bool) {
        if self.closing.get() {
            return;
        }
        if !retrying {
            return self.fail(FailReason::Refused);
        }
        let retries = self.retries.get() + 1;
        self.retries.set(retries);
        if retries > self.max_retries {
            return self.fail(FailReason::RetriesExhausted {
                attempts: self.max_retries,
            });
        }
        self.reconnecting(None);
    }
}

impl<T: 'static> Control for Connection<T> {
    fn ready_state(&self) -> ReadyState {
        match &*self.transport.borrow() {
            Some(transport) => transport.ready_state(),
            None if self.reopen_timer.borrow().is_some() => ReadyState::Connecting,
            None => ReadyState::Closed,
        }
    }

    fn last_event_id(&self) -> String {
        self.last_event
            .borrow()
            .as_ref()
            .map(MessageEvent::last_event_id)
            .unwrap_or_default()
    }

    fn is_closing(&self) -> bool {
        self.closing.get()
    }

    fn close_reason(&self) -> Option<CloseReason> {
        self.close_reason.get()
    }

    fn disconnect(&self) {
        if self.closing.replace(true) {
            return;
        }
        if self.close_reason.get().is_none() {
            self.close_reason.set(Some(CloseReason::Disconnected));
        }
        self.stop();
    }
}
