//! What the browser tests share: the test server's address, per-run ids, its statistics, and a
//! log that records which callbacks fired, in order.
#![allow(dead_code)]

use std::cell::RefCell;
use std::rc::Rc;

use gloo_timers::future::TimeoutFuture;
use serde::Deserialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_sse::{FailReason, Message, SseError, SseOptions, SseService};

/// The SSE test server, started by `cargo xtask test` (which sets this at compile time).
pub const SERVER: &str = match option_env!("SSE_TEST_URL") {
    Some(url) => url,
    None => "http://127.0.0.1:8080",
};

/// Long enough for a browser that failed to close to come back (the scenarios send `retry: 100`).
pub const NO_RECONNECT_GRACE_MS: u32 = 400;

/// What `recorded` options log for the `basic` scenario: four tokens, then the completion.
pub const BASIC_LOG: [&str; 6] = [
    "open",
    "message 0 Hello",
    "message 1 ,",
    "message 2  world",
    "message 3 !",
    "complete",
];

/// The message type of the test scenarios; every field is optional so one type fits all events.
#[derive(Clone, Debug, Deserialize)]
pub struct Chunk {
    #[serde(default)]
    pub index: u32,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub status: u8,
    #[serde(default)]
    pub reason: String,
}

/// What the server saw for one run (each list has one entry per request, in order).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Stats {
    pub requests: u32,
    pub disconnects: u32,
    pub last_event_ids: Vec<String>,
    pub query_last_event_ids: Vec<String>,
    pub cookies: Vec<String>,
    pub methods: Vec<String>,
    pub bodies: Vec<String>,
    pub authorizations: Vec<String>,
    pub content_types: Vec<String>,
    pub accepts: Vec<String>,
    pub x_tests: Vec<String>,
    pub has_last_event_id: Vec<bool>,
    pub last_event_id_hex: Vec<String>,
    pub times_ms: Vec<u64>,
}

#[wasm_bindgen]
extern "C" {
    /// The global `fetch`, in a window or a worker alike.
    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(url: &str) -> js_sys::Promise;
    type FetchResponse;
    #[wasm_bindgen(method)]
    fn text(this: &FetchResponse) -> js_sys::Promise;
}

/// Whether the tests run in WebKit (Safari's engine; here WebKitGTK's MiniBrowser), whose user
/// agent names AppleWebKit and Safari but neither Chrome nor Firefox. Tests where WebKit behaves
/// differently pin what it does, and say why.
pub fn in_webkit() -> bool {
    let navigator = js_sys::Reflect::get(&js_sys::global(), &"navigator".into()).unwrap();
    let agent = js_sys::Reflect::get(&navigator, &"userAgent".into())
        .unwrap()
        .as_string()
        .unwrap_or_default();
    agent.contains("AppleWebKit") && !agent.contains("Chrome") && !agent.contains("Firefox")
}

/// A run id unique to this test and this execution.
pub fn run_id(test: &str) -> String {
    format!("{test}-{}", (js_sys::Math::random() * 1e12) as u64)
}

/// The URL of `scenario` for `run`, with extra query parameters (`"count=3&delay=10"`).
pub fn url(scenario: &str, run: &str, query: &str) -> String {
    let extra = if query.is_empty() {
        String::new()
    } else {
        format!("&{query}")
    };
    format!("{SERVER}/sse/{scenario}?run={run}{extra}")
}

async fn get_json<T: serde::de::DeserializeOwned>(path: &str) -> T {
    let response = JsFuture::from(global_fetch(&format!("{SERVER}{path}")))
        .await
        .unwrap_or_else(|e| panic!("the test server answers {path}: {e:?}"));
    let text = JsFuture::from(response.unchecked_into::<FetchResponse>().text())
        .await
        .expect("the answer has a body");
    serde_json::from_str(&text.as_string().unwrap_or_default())
        .expect("the answer is JSON of the expected shape")
}

pub async fn stats(run: &str) -> Stats {
    get_json(&format!("/stats/{run}")).await
}

pub async fn sleep(ms: u32) {
    TimeoutFuture::new(ms).await;
}

/// Waits until `done()` holds, checking every 10 ms; panics with `what` after `timeout_ms`.
pub async fn wait_until(what: &str, timeout_ms: u32, mut done: impl FnMut() -> bool) {
    let mut waited = 0;
    while !done() {
        assert!(
            waited < timeout_ms,
            "timed out after {timeout_ms} ms waiting for {what}"
        );
        sleep(10).await;
        waited += 10;
    }
}

/// A full garbage collection, through the `gc()` that Chromium's `--js-flags=--expose-gc` (set
/// by `cargo xtask test`) exposes.
pub fn force_gc() {
    let gc = js_sys::Reflect::get(&js_sys::global(), &"gc".into()).expect("a global object");
    let gc: js_sys::Function = gc
        .dyn_into()
        .expect("gc() is exposed: run Chromium with --js-flags=--expose-gc");
    gc.call0(&wasm_bindgen::JsValue::UNDEFINED)
        .expect("gc() does not throw");
}

/// Polls the server's statistics until `done(&stats)` holds (at most 3 s), and returns them.
pub async fn wait_for_stats(run: &str, what: &str, done: impl Fn(&Stats) -> bool) -> Stats {
    for _ in 0..100 {
        let stats = stats(run).await;
        if done(&stats) {
            return stats;
        }
        sleep(30).await;
    }
    panic!("the server never saw {what}: {:?}", stats(run).await)
}

/// An ordered record of the callbacks that fired.
#[derive(Clone, Default)]
pub struct Log(Rc<RefCell<Vec<String>>>);

impl Log {
    pub fn push(&self, entry: impl Into<String>) {
        self.0.borrow_mut().push(entry.into());
    }

    pub fn entries(&self) -> Vec<String> {
        self.0.borrow().clone()
    }

    pub fn len(&self) -> usize {
        self.0.borrow().len()
    }

    pub fn contains(&self, entry: &str) -> bool {
        self.0.borrow().iter().any(|e| e == entry)
    }

    pub fn count(&self, prefix: &str) -> usize {
        self.0
            .borrow()
            .iter()
            .filter(|e| e.starts_with(prefix))
            .count()
    }

    /// Waits until an entry equal to `entry` or starting with it (`"failed"`) appears.
    pub async fn wait_for(&self, entry: &str, timeout_ms: u32) {
        let log = self.clone();
        wait_until(
            &format!("\"{entry}\" in {:?}", self.entries()),
            timeout_ms,
            move || log.0.borrow().iter().any(|e| e.starts_with(entry)),
        )
        .await;
    }
}

pub fn message_entry(message: &Message<Chunk>) -> String {
    format!(
        "{} {} {}",
        message.event_type(),
        message.data.index,
        message.data.text
    )
}

pub fn error_entry(error: &SseError) -> String {
    match error {
        SseError::Parse { data, .. } => format!("parse {data}"),
        SseError::Failed(FailReason::Refused) => "failed refused".into(),
        SseError::Failed(FailReason::RetriesExhausted { attempts }) => {
            format!("failed retries {attempts}")
        }
        other => format!("other {other}"),
    }
}

/// Options that record every callback into `log`, completing on `status == 1`.
pub fn recorded(log: &Log) -> SseOptions<Chunk> {
    let (l1, l2, l3, l4, l5) = (
        log.clone(),
        log.clone(),
        log.clone(),
        log.clone(),
        log.clone(),
    );
    SseOptions::<Chunk>::json()
        .on_open(move || l1.push("open"))
        .on_message(move |message| l2.push(message_entry(&message)))
        .on_complete(move || l3.push("complete"))
        .on_error(move |error| l4.push(error_entry(&error)))
        .on_reconnecting(move |info| {
            let delay = info
                .delay
                .map_or("browser".into(), |d| format!("{}ms", d.as_millis()));
            l5.push(format!(
                "reconnecting {} {} {delay}",
                info.attempt, info.last_event_id
            ))
        })
        .complete_when(|chunk| chunk.status == 1)
}

/// A new service connected to `scenario` (with `query`) of a fresh run, its options built on a
/// new log; returns once the log has an entry starting with `until` (at most 5 s).
pub async fn connect_and_wait(
    scenario: &str,
    query: &str,
    options: impl FnOnce(&Log) -> SseOptions<Chunk>,
    until: &str,
) -> (String, Log, SseService) {
    let (run, log) = (run_id(&scenario.replace('/', "-")), Log::default());
    let mut sse = SseService::new();
    sse.connect(&url(scenario, &run, query), options(&log))
        .unwrap();
    log.wait_for(until, 5000).await;
    (run, log, sse)
}

/// The `text` of every message, in order (for scenarios whose texts are the point).
pub fn texts(log: &Log) -> Vec<String> {
    log.entries()
        .iter()
        .filter_map(|e| e.strip_prefix("message "))
        .map(|e| e.split_once(' ').map_or("", |(_, text)| text).to_owned())
        .collect()
}

pub fn strings(entries: &[&str]) -> Vec<String> {
    entries.iter().map(|e| e.to_string()).collect()
}

// What the hook tests (Yew, Leptos) share: a page to mount components on, and reading it.

/// A fresh, empty `<div>` appended to the page's body, to mount a component in.
pub fn fresh_div() -> web_sys::HtmlElement {
    let document = web_sys::window()
        .and_then(|window| window.document())
        .expect("a page with a document");
    let div: web_sys::HtmlElement = document
        .create_element("div")
        .expect("a div")
        .unchecked_into();
    document
        .body()
        .expect("a body")
        .append_child(&div)
        .expect("the div is appended");
    div
}

/// The text of the first element matching `selector` inside `root` (`""` if there is none).
pub fn text_of(root: &web_sys::Element, selector: &str) -> String {
    root.query_selector(selector)
        .ok()
        .flatten()
        .and_then(|element| element.text_content())
        .unwrap_or_default()
}

/// Clicks the first element matching `selector` inside `root`.
pub fn click(root: &web_sys::Element, selector: &str) {
    root.query_selector(selector)
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("no {selector} to click"))
        .unchecked_into::<web_sys::HtmlElement>()
        .click();
}

/// Waits until the element matching `selector` inside `root` reads `expected`.
pub async fn wait_for_text(
    root: &web_sys::Element,
    selector: &str,
    expected: &str,
    timeout_ms: u32,
) {
    let what = format!("{selector} to read {expected:?}");
    wait_until(&what, timeout_ms, || text_of(root, selector) == expected).await;
}

/// The chat endpoint's URL for `prompt` and `run`, with extra query parameters.
pub fn chat_url(prompt: &str, run: &str, query: &str) -> String {
    let prompt = String::from(js_sys::encode_uri_component(prompt));
    let extra = if query.is_empty() {
        String::new()
    } else {
        format!("&{query}")
    };
    format!("{SERVER}/api/chat?q={prompt}&run={run}{extra}")
}

impl Log {
    /// Appends `entry` unless it repeats the last entry (a re-render that changed nothing).
    pub fn push_changed(&self, entry: impl Into<String>) {
        let entry = entry.into();
        if self.0.borrow().last() != Some(&entry) {
            self.push(entry);
        }
    }
}
