//! One connection's logic: decoding and delivery, completion, the closing guard, classifying
//! errors, and the retry budgets. It owns its transport and never knows which one it is: the
//! transport's listeners and tasks only hold a weak reference back, so dropping the owner's `Rc`
//! releases everything.

use crate::prelude::*;
use alloc::rc::{Rc, Weak};
use core::cell::{Cell, RefCell};
use core::time::Duration;

use crate::listener::EventListener;
use crate::timer::Timeout;
use wasm_bindgen::JsValue;

use crate::delivery::Rules;
use crate::handler::{Callbacks, Handler};
use crate::message::RawMessage;
use crate::options::SseOptions;
use crate::reconnect::{ReconnectInfo, ReconnectPolicy};
use crate::transport::{
    has_event_source, EventKind, EventSourceTransport, FetchConfig, FetchTransport, HubSpec, Loss,
    RelayTransport, Request, Transport, TransportEvents, TransportKind,
};
use crate::url::with_query_param;
use crate::{CloseReason, FailReason, ReadyState, SseError, DEFAULT_MAX_EVENT_SIZE};

/// What an owner (a service, a stream, a JS object) can do with a connection, whatever its `T`.
pub(crate) trait Control {
    fn ready_state(&self) -> ReadyState;
    fn last_event_id(&self) -> String;
    fn is_closing(&self) -> bool;
    fn close_reason(&self) -> Option<CloseReason>;
    /// Closes the connection as the client's choice; idempotent.
    fn disconnect(&self);
    /// Listens (`on`) for events named `name` too, or no longer (a shared stream's hub).
    fn listen(&self, name: &str, on: bool);
}

/// How to open (and re-open) the transport.
enum Opener {
    EventSource {
        with_credentials: bool,
        /// Carries the last event id into a re-created connection's URL.
        last_event_id_param: Option<String>,
    },
    Fetch {
        request: Rc<Request>,
        config: FetchConfig,
    },
    /// A shared stream's hub.
    Relay(HubSpec),
}

/// The last event id: read from the last event only when asked for, or set without one.
enum LastEventId {
    Event(RawMessage),
    Text(String),
}

/// Re-creation after a fatal failure: the policy, and the code that carries it out. The code is
/// reached through a function pointer that only [`SseOptions::reconnect`] sets, so a build that
/// never asks for re-creation (the npm package) carries no re-creation timer, backoff or URL
/// code.
pub(crate) struct Recreation<T> {
    pub(crate) policy: ReconnectPolicy,
    schedule: fn(&Connection<T>, &ReconnectPolicy) -> bool,
    /// The same for a connection of raw JS values (a shared stream's), by the same route.
    pub(crate) raw: fn(ReconnectPolicy) -> Recreation<JsValue>,
}

impl<T: 'static> Recreation<T> {
    pub(crate) fn new(policy: ReconnectPolicy) -> Self {
        Recreation {
            policy,
            schedule: Connection::schedule_with,
            raw: Recreation::new,
        }
    }
}

impl<T> Clone for Recreation<T> {
    fn clone(&self) -> Self {
        Recreation {
            policy: self.policy.clone(),
            schedule: self.schedule,
            raw: self.raw,
        }
    }
}

pub(crate) struct Connection<T> {
    me: Weak<Self>,
    url: String,
    opener: Opener,
    rules: Rules<T>,
    /// The named events the transport listens for: the rules' names, and any a hub added.
    names: RefCell<Vec<String>>,
    max_retries: u32,
    recreation: Option<Recreation<T>>,
    handler: RefCell<Box<dyn Handler<T>>>,

    transport: RefCell<Option<Box<dyn Transport>>>,
    reopen_timer: RefCell<Option<Timeout>>,
    /// Listens to the user's `AbortSignal`, if any.
    abort_listener: RefCell<Option<EventListener>>,
    closing: Cell<bool>,
    close_reason: RefCell<Option<CloseReason>>,
    last_event_id: RefCell<LastEventId>,
    /// Reconnection attempts since the last event, as reported to `on_reconnecting`.
    attempt: Cell<u32>,
    /// Failed transport retries since the last event, against `max_retries`.
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
        mut options: SseOptions<T>,
        handler: Box<dyn Handler<T>>,
    ) -> Result<Rc<Self>, SseError> {
        options.validate()?;
        let use_fetch = match options.transport {
            TransportKind::Fetch => true,
            TransportKind::EventSource => false,
            _ => options.fetch_only_option().is_some() || !has_event_source(),
        };
        let fetch = &options.fetch;
        let opener = if use_fetch {
            let mut request = core::mem::take(&mut options.request);
            request.include_credentials = options.with_credentials;
            Opener::Fetch {
                request: Rc::new(request),
                config: FetchConfig {
                    reconnect: fetch.reconnect.unwrap_or_default(),
                    idle_timeout: fetch.idle_timeout,
                    flush_at_end: fetch.flush_at_end,
                    max_event_size: fetch.max_event_size.unwrap_or(DEFAULT_MAX_EVENT_SIZE),
                },
            }
        } else {
            Opener::EventSource {
                with_credentials: options.with_credentials,
                last_event_id_param: options.last_event_id_param.take(),
            }
        };
        Self::start(url, options, opener, handler)
    }

    /// Opens a subscriber of the shared stream of `hub`: its transport is the hub, which
    /// reconnects and fails for every member (options already validated).
    pub(crate) fn open_shared(
        url: &str,
        mut options: SseOptions<T>,
        handler: Box<dyn Handler<T>>,
        hub: HubSpec,
    ) -> Result<Rc<Self>, SseError> {
        options.max_retries = u32::MAX;
        options.recreation = None;
        Self::start(url, options, Opener::Relay(hub), handler)
    }

    fn start(
        url: &str,
        options: SseOptions<T>,
        opener: Opener,
        handler: Box<dyn Handler<T>>,
    ) -> Result<Rc<Self>, SseError> {
        let SseOptions {
            decode,
            handlers,
            completion,
            max_retries,
            recreation,
            fetch,
            signal,
            ..
        } = options;
        let names = handlers.events.iter().map(|(name, _)| name.clone());
        let rules = Rules::new(
            decode,
            names.collect(),
            completion.done_event,
            completion.done_data,
        );
        let connection = Rc::new_cyclic(|me| Connection {
            me: me.clone(),
            url: url.to_owned(),
            opener,
            names: RefCell::new(rules.names.clone()),
            rules,
            max_retries,
            recreation,
            handler: RefCell::new(handler),
            transport: RefCell::new(None),
            reopen_timer: RefCell::new(None),
            abort_listener: RefCell::new(None),
            closing: Cell::new(false),
            close_reason: RefCell::new(None),
            last_event_id: RefCell::new(LastEventId::Text(fetch.last_event_id.unwrap_or_default())),
            attempt: Cell::new(0),
            retries: Cell::new(0),
            recreations: Cell::new(0),
        });
        if let Some(signal) = signal {
            if signal.aborted() {
                connection.disconnect();
                return Ok(connection);
            }
            let me = connection.me.clone();
            let listener = EventListener::new(&signal, "abort", move |_| {
                if let Some(connection) = me.upgrade() {
                    connection.disconnect();
                }
            });
            *connection.abort_listener.borrow_mut() = Some(listener);
        }
        let transport = connection
            .open_transport(url)
            .map_err(SseError::InvalidUrl)?;
        *connection.transport.borrow_mut() = Some(transport);
        Ok(connection)
    }

    fn open_transport(&self, url: &str) -> Result<Box<dyn Transport>, String> {
        let sink: Weak<dyn TransportEvents> = self.me.clone();
        let names = &self.names.borrow();
        Ok(match &self.opener {
            Opener::EventSource {
                with_credentials, ..
            } => Box::new(EventSourceTransport::open(
                url,
                *with_credentials,
                names,
                sink,
            )?),
            Opener::Fetch { request, config } => Box::new(FetchTransport::open(
                url,
                request.clone(),
                config.clone(),
                names,
                &self.last_event_id(),
                sink,
            )?),
            Opener::Relay(hub) => Box::new(RelayTransport::open(hub, names, sink)?),
        })
    }

    /// A completion rule matched: close before the server's end of stream can trigger a
    /// reconnect, then tell the user.
    fn complete(&self) {
        if self.closing.replace(true) {
            return;
        }
        *self.close_reason.borrow_mut() = Some(CloseReason::Completed);
        self.stop();
        self.handler.borrow_mut().complete();
    }

    /// Releases the transport (closing the source or aborting the request, removing its
    /// listeners and timers) and any pending re-creation. Safe from inside a listener: the
    /// running closure is freed when it returns.
    fn stop(&self) {
        drop(self.transport.borrow_mut().take());
        drop(self.reopen_timer.borrow_mut().take());
        drop(self.abort_listener.borrow_mut().take());
    }

    fn report(&self, error: SseError) {
        if self.closing.get() {
            return;
        }
        self.handler.borrow_mut().error(error);
    }

    fn reconnecting(&self, delay: Option<Duration>, status: Option<u16>) {
        let attempt = self.attempt.get() + 1;
        self.attempt.set(attempt);
        let info = ReconnectInfo {
            attempt,
            last_event_id: self.last_event_id(),
            delay,
            status,
        };
        self.handler.borrow_mut().reconnecting(info);
    }

    /// The connection is lost for good, unless the policy allows another re-creation.
    fn fail(&self, reason: FailReason) {
        self.stop();
        if self.schedule_recreation() {
            return;
        }
        *self.close_reason.borrow_mut() = Some(CloseReason::Failed(reason.clone()));
        self.report(SseError::Failed(reason));
    }

    /// Schedules the next re-creation, unless there is no policy or its budget is spent.
    fn schedule_recreation(&self) -> bool {
        match &self.recreation {
            Some(recreation) => (recreation.schedule)(self, &recreation.policy),
            None => false,
        }
    }

    /// [`Self::schedule_recreation`] with a policy: reached only through [`Recreation`].
    fn schedule_with(&self, policy: &ReconnectPolicy) -> bool {
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
        self.reconnecting(Some(delay), None);
        true
    }

    /// Opens a new transport after a fatal failure, carrying the last event id (the fetch
    /// transport as `Last-Event-ID`; `EventSource` in the URL, if asked to).
    fn recreate(&self) {
        drop(self.reopen_timer.borrow_mut().take());
        if self.closing.get() {
            return;
        }
        let last_event_id = self.last_event_id();
        let url = match &self.opener {
            Opener::EventSource {
                last_event_id_param: Some(name),
                ..
            } if !last_event_id.is_empty() => with_query_param(&self.url, name, &last_event_id),
            _ => self.url.clone(),
        };
        self.retries.set(0);
        match self.open_transport(&url) {
            Ok(transport) => *self.transport.borrow_mut() = Some(transport),
            Err(message) => {
                // The new URL was refused: the connection is over.
                *self.close_reason.borrow_mut() = Some(CloseReason::Failed(FailReason::Refused));
                self.report(SseError::InvalidUrl(message));
            }
        }
    }
}

impl<T: 'static> TransportEvents for Connection<T> {
    fn opened(&self, response: Option<JsValue>) {
        if self.closing.get() {
            return;
        }
        self.handler.borrow_mut().open(response.as_ref());
    }

    fn message(&self, kind: EventKind, event: RawMessage) {
        if self.closing.get() {
            return;
        }
        // Progress: the connection works, so every retry budget starts again. (An open alone is
        // not enough: a server that accepts and hangs up at once would loop for ever.)
        self.attempt.set(0);
        self.retries.set(0);
        self.recreations.set(0);
        let verdict = self.rules.apply(&self.handler, kind, &event, || {
            *self.last_event_id.borrow_mut() = LastEventId::Event(event.clone());
        });
        if let Some(error) = verdict.error {
            self.report(error);
        }
        if verdict.complete {
            self.complete();
        }
    }

    fn id_changed(&self, id: &str) {
        *self.last_event_id.borrow_mut() = LastEventId::Text(id.to_owned());
    }

    fn lost(&self, loss: Loss) {
        if self.closing.get() {
            return;
        }
        let (delay, response) = match loss {
            Loss::Failed(reason) => return self.fail(reason),
            Loss::Retrying { delay, response } => (delay, response),
        };
        let retries = self.retries.get() + 1;
        self.retries.set(retries);
        if retries > self.max_retries {
            // The answer that asked for the retries says more than a count.
            return self.fail(match response {
                Some((status, body)) => FailReason::Http { status, body },
                None => FailReason::RetriesExhausted {
                    attempts: self.max_retries,
                },
            });
        }
        self.reconnecting(delay, response.map(|(status, _)| status));
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
        match &*self.last_event_id.borrow() {
            LastEventId::Event(event) => event.last_event_id(),
            LastEventId::Text(id) => id.clone(),
        }
    }

    fn is_closing(&self) -> bool {
        self.closing.get()
    }

    fn close_reason(&self) -> Option<CloseReason> {
        self.close_reason.borrow().clone()
    }

    fn disconnect(&self) {
        if self.closing.replace(true) {
            return;
        }
        self.close_reason
            .borrow_mut()
            .get_or_insert(CloseReason::Disconnected);
        self.stop();
        // From inside one of its own callbacks the handler is busy; its owner ends it then.
        if let Ok(mut handler) = self.handler.try_borrow_mut() {
            handler.disconnected();
        }
    }

    fn listen(&self, name: &str, on: bool) {
        let mut names = self.names.borrow_mut();
        let known = names.iter().position(|n| n == name);
        match (known, on) {
            (None, true) => names.push(name.to_owned()),
            (Some(index), false) => drop(names.remove(index)),
            _ => return,
        }
        drop(names);
        if let Some(transport) = &*self.transport.borrow() {
            transport.listen(name, on);
        }
    }
}
