//! The Rust side of the hubs (`hub.js`): a shared stream's settings and key, the hub's own
//! connection (opened when the hub asks one of its members, reporting every event raw to the
//! hub), and the one function through which the hub closes that connection or changes the
//! named events it listens for.

use crate::prelude::*;
use alloc::rc::Rc;
use core::time::Duration;

use js_sys::Function;
use wasm_bindgen::prelude::*;

use super::Share;
use crate::connection::{Connection, Recreation};
use crate::handler::{Handler, Target};
use crate::handles;
use crate::options::FetchSettings;
use crate::reconnect::{ReconnectInfo, ReconnectMode};
use crate::transport::{
    failure_record, EventKind, HubSpec, Part, Request, EVENT, FAILED, OPEN, RECONNECTING,
};
use crate::{Message, SseError, SseOptions, TransportKind};

#[wasm_bindgen(module = "/src/support.js")]
extern "C" {
    /// The headers a `HeadersInit` stands for, as a canonical string (names lowercased, sorted).
    fn header_key(headers: &JsValue) -> String;
}

// What hub.js asks of a connection it holds (`control(handle, op, name)`).
const CLOSE: u32 = 0;
const ADD_NAME: u32 = 1;
const REMOVE_NAME: u32 = 2;

crate::local::local! {
    /// hub.js's `control`: one function for every hub, living as long as the module.
    static CONTROL: Closure<dyn FnMut(u32, u32, JsValue)> = Closure::new(control);
}

fn control(handle: u32, op: u32, name: JsValue) {
    let Some(connection) = handles::get(handle) else {
        return;
    };
    let name = name.as_string().unwrap_or_default();
    match op {
        CLOSE => {
            connection.disconnect();
            handles::remove(handle);
        }
        ADD_NAME => connection.listen(&name, true),
        REMOVE_NAME => connection.listen(&name, false),
        _ => {}
    }
}

/// The connection settings of a shared stream (everything but callbacks, decoding, named
/// events and completion), and its URL.
pub(crate) struct Settings {
    url: String,
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
    pub(crate) fn of<T>(url: &str, options: &mut SseOptions<T>) -> Result<Self, SseError> {
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
            url: url.to_owned(),
            with_credentials: options.with_credentials,
            max_retries: options.max_retries,
            recreation: options.recreation.take().map(|r| (r.raw)(r.policy.clone())),
            last_event_id_param: options.last_event_id_param.clone(),
            transport: options.transport,
            request: core::mem::take(&mut options.request),
            fetch: options.fetch.clone(),
        })
    }

    /// The hub of these settings, for a member.
    pub(crate) fn hub(self, tabs: bool, replay_last: bool) -> HubSpec {
        let scope = if tabs { Share::Tabs } else { Share::Page };
        let key = [self.url.as_str(), "\u{1f}", &self.fingerprint(scope)].concat();
        let connect: Closure<dyn Fn(JsValue, JsValue, JsValue) -> JsValue> =
            Closure::new(move |names, resume_from: JsValue, sink: JsValue| {
                self.connect(&names, resume_from.as_string(), sink.unchecked_into())
            });
        HubSpec {
            key,
            tabs,
            replay_last,
            connect: connect.as_ref().clone().unchecked_into(),
            control: CONTROL.with(|control| control.as_ref().clone().unchecked_into()),
            _keep: Some(Rc::new(connect)),
        }
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
        let number = crate::error::decimal;
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
                field(&header_key(value));
            }
        }
        out
    }

    /// Opens the hub's connection: these settings, the raw decoder, `names`, no completion
    /// rule, reporting to `sink`; resuming from `resume_from` (a new leader tab). Its handle,
    /// or why it could not be opened.
    fn connect(&self, names: &JsValue, resume_from: Option<String>, sink: Function) -> JsValue {
        let mut options = SseOptions::raw();
        for name in js_sys::Array::from(names).iter() {
            options = options.event(&name.as_string().unwrap_or_default());
        }
        options.with_credentials = self.with_credentials;
        options.max_retries = self.max_retries;
        // Not `reconnect()`: that would link re-creation into builds that never use it.
        options.recreation = self.recreation.clone();
        options.last_event_id_param = self.last_event_id_param.clone();
        options.transport = self.transport;
        options.request = self.request.clone();
        options.fetch = self.fetch.clone();
        let mut url = self.url.clone();
        if let Some(id) = resume_from {
            if options.transport == TransportKind::Auto {
                // `Last-Event-ID` as a header: the fetch transport.
                options.transport = TransportKind::Fetch;
            }
            match (&options.last_event_id_param, options.transport) {
                // `EventSource` cannot send `Last-Event-ID`: the query parameter, if one is named.
                (Some(name), TransportKind::EventSource) => {
                    url = crate::url::with_query_param(&url, name, &id);
                }
                _ => options.fetch.last_event_id = Some(id),
            }
        }
        match Connection::open_with(&url, options, Box::new(HubSink(sink))) {
            Ok(connection) => handles::insert(connection).into(),
            Err(error) => error.message().into(),
        }
    }
}

/// The hub connection's handler: every event, raw, and every state change, to the hub as
/// records.
struct HubSink(Function);

impl HubSink {
    fn record(&self, kind: u32, [a, b, c, d]: [JsValue; 4]) {
        let args = js_sys::Array::of5(&kind.into(), &a, &b, &c, &d);
        let _ = self.0.apply(&JsValue::UNDEFINED, &args);
    }
}

impl Handler<JsValue> for HubSink {
    fn target(&self, _kind: EventKind) -> Target {
        Target::OnMessage
    }

    fn has_predicate(&self) -> bool {
        false
    }

    fn is_final(&mut self, _data: &JsValue) -> bool {
        false
    }

    fn open(&mut self, _response: Option<&JsValue>) {
        self.record(OPEN, Default::default());
    }

    fn message(&mut self, _target: Target, message: Message<JsValue>) {
        let (data, event) = message.into_raw();
        let fields = [
            event.event_type().into(),
            data,
            event.last_event_id().into(),
            event.origin().into(),
        ];
        self.record(EVENT, fields);
    }

    fn complete(&mut self) {
        // The hub's connection has no completion rule; each member has its own.
    }

    fn reconnecting(&mut self, info: ReconnectInfo) {
        let delay = info.delay.map(|delay| delay.as_millis() as f64);
        let fields = [
            info.attempt.into(),
            info.last_event_id.into(),
            delay.into(),
            info.status.into(),
        ];
        self.record(RECONNECTING, fields);
    }

    fn error(&mut self, error: SseError) {
        if let SseError::Failed(reason) = error {
            self.record(FAILED, failure_record(&reason));
        }
    }

    fn disconnected(&mut self) {}
}
