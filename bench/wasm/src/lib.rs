//! The Rust contenders of `cargo xtask bench`, exported to the benchmark page (`bench/page/`):
//!
//! - `run_typed(url, latency)`: wasm-sse, `SseOptions::<Msg>::json()` (serde_json into a
//!   `Deserialize` struct, in wasm), `complete_when(status == 1)`;
//! - `run_untyped(url, latency)`: wasm-sse, `SseOptions::json_value()`, fields read through
//!   wasm-bindgen getters;
//! - `run_gloo(url, latency)`: gloo-net's `EventSource` subscription stream, the data parsed
//!   with `JSON.parse` on the JS string and deserialized with serde-wasm-bindgen (the fastest
//!   path gloo-net allows: no copy of the text into Rust first), with a hand-written completion
//!   check;
//! - the wasm-sse contenders take a last argument `fetch`: the fetch transport (wasm-sse's own
//!   parser) instead of the browser's `EventSource`;
//! - `run_chat_typed(url, body)` / `run_chat_untyped(url, body)`: the POST chat workload, an
//!   OpenAI-format completion stream read on the fetch transport (`POST`, a JSON `body`,
//!   `Authorization` and `Content-Type` headers, `done_data("[DONE]")`), each chunk's
//!   `choices[0].delta.content` appended to the answer; typed (serde into `Completion`) or
//!   untyped (`json_value()`, read through getters). They resolve to `{ count, ms, answer }`;
//! - `cycles(url, n, fetch)`: `n` connect / first message / disconnect cycles of one `SseService`;
//! - `memory_bytes()`: the size of this module's linear memory.
//!
//! Each run resolves to `{ count, ms, bytes, outOfOrder, latencies? }`: the messages seen, the
//! time from connect to completion, the pad bytes read, how many messages came out of order,
//! and (when `latency`) each message's delay in µs from the server's stamp to the callback.
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::rc::Rc;

use futures_util::StreamExt;
use js_sys::{Float64Array, Function, Object, Promise, Reflect};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use wasm_sse::{SseError, SseOptions, SseService, TransportKind};

/// A benchmark message, typed.
#[derive(Deserialize)]
struct Msg {
    i: u32,
    t: f64,
    status: u8,
    pad: String,
}

/// What a run reads from a typed message.
trait Fields {
    fn index(&self) -> u32;
    fn stamp(&self) -> f64;
    fn pad_len(&self) -> usize;
    fn is_last(&self) -> bool;
}

impl Fields for Msg {
    fn index(&self) -> u32 {
        self.i
    }
    fn stamp(&self) -> f64 {
        self.t
    }
    fn pad_len(&self) -> usize {
        self.pad.len()
    }
    fn is_last(&self) -> bool {
        self.status == 1
    }
}

#[wasm_bindgen]
extern "C" {
    /// A benchmark message as a JS object, read through getters (the untyped contender).
    type JsMsg;
    #[wasm_bindgen(method, getter)]
    fn i(this: &JsMsg) -> u32;
    #[wasm_bindgen(method, getter)]
    fn t(this: &JsMsg) -> f64;
    #[wasm_bindgen(method, getter)]
    fn status(this: &JsMsg) -> u8;
    #[wasm_bindgen(method, getter)]
    fn pad(this: &JsMsg) -> js_sys::JsString;

    /// `JSON.parse` on the JS string itself (js-sys's `JSON::parse` takes a `&str`, a copy).
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    fn json_parse(text: &JsValue) -> Result<JsValue, JsValue>;
}

thread_local! {
    static PERFORMANCE: web_sys::Performance = web_sys::window()
        .and_then(|window| window.performance())
        .expect("the benchmark runs in a window");
    static TIME_ORIGIN: f64 = PERFORMANCE.with(web_sys::Performance::time_origin);
}

/// `performance.now()`, in ms.
fn now_ms() -> f64 {
    PERFORMANCE.with(web_sys::Performance::now)
}

/// The clock the server stamps with: UNIX time in µs.
fn now_micros() -> f64 {
    (TIME_ORIGIN.with(|origin| *origin) + now_ms()) * 1000.0
}

/// What one run saw.
struct Run {
    latency: bool,
    start: f64,
    end: f64,
    count: u32,
    next: u32,
    out_of_order: u32,
    bytes: f64,
    latencies: Vec<f64>,
}

impl Run {
    fn new(latency: bool) -> Run {
        Run {
            latency,
            start: now_ms(),
            end: 0.0,
            count: 0,
            next: 0,
            out_of_order: 0,
            bytes: 0.0,
            latencies: Vec::new(),
        }
    }

    fn shared(latency: bool) -> Rc<RefCell<Run>> {
        Rc::new(RefCell::new(Run::new(latency)))
    }

    fn record(&mut self, i: u32, t: f64, pad: usize) {
        if self.latency {
            self.latencies.push(now_micros() - t);
        }
        if i != self.next {
            self.out_of_order += 1;
        }
        self.next = i + 1;
        self.count += 1;
        self.bytes += pad as f64;
    }

    fn finish(&mut self) {
        self.end = now_ms();
    }

    fn to_js(&self) -> JsValue {
        let stats = Object::new();
        let set = |key: &str, value: JsValue| {
            let _ = Reflect::set(&stats, &key.into(), &value);
        };
        set("count", self.count.into());
        set("ms", (self.end - self.start).into());
        set("bytes", self.bytes.into());
        set("outOfOrder", self.out_of_order.into());
        if self.latency {
            set("latencies", Float64Array::from(&self.latencies[..]).into());
        }
        stats.into()
    }
}

/// A promise and the functions that settle it.
struct Settle {
    resolve: Function,
    reject: Function,
}

impl Settle {
    fn new() -> (Promise, Rc<Settle>) {
        let mut functions = None;
        let promise = Promise::new(&mut |resolve, reject| functions = Some((resolve, reject)));
        let (resolve, reject) = functions.expect("the executor runs at once");
        (promise, Rc::new(Settle { resolve, reject }))
    }

    fn resolve(&self) {
        let _ = self.resolve.call0(&JsValue::UNDEFINED);
    }

    fn reject(&self, why: &str) {
        let _ = self.reject.call1(&JsValue::UNDEFINED, &why.into());
    }
}

fn error(error: SseError) -> JsValue {
    error.to_string().into()
}

/// wasm-sse, typed: `SseOptions::<Msg>::json()`.
#[wasm_bindgen]
pub fn run_typed(url: String, latency: bool, fetch: bool) -> Promise {
    future_to_promise(typed::<Msg>(url, latency, fetch))
}

/// The transport of a contender: `fetch` (wasm-sse's parser) or the browser's `EventSource`.
fn transport(fetch: bool) -> TransportKind {
    if fetch {
        TransportKind::Fetch
    } else {
        TransportKind::EventSource
    }
}

async fn typed<M>(url: String, latency: bool, fetch: bool) -> Result<JsValue, JsValue>
where
    M: DeserializeOwned + Fields + 'static,
{
    let run = Run::shared(latency);
    let (done, settle) = Settle::new();
    let (on_message, on_complete) = (run.clone(), run.clone());
    let failed = settle.clone();
    let options = SseOptions::<M>::json()
        .transport(transport(fetch))
        .on_message(move |message| {
            let msg = message.data;
            on_message
                .borrow_mut()
                .record(msg.index(), msg.stamp(), msg.pad_len());
        })
        .complete_when(|msg| msg.is_last())
        .on_complete(move || {
            on_complete.borrow_mut().finish();
            settle.resolve();
        })
        .on_error(move |error| failed.reject(&error.to_string()));
    let mut sse = SseService::new();
    sse.connect(&url, options).map_err(error)?;
    JsFuture::from(done).await?;
    drop(sse);
    let stats = run.borrow().to_js();
    Ok(stats)
}

/// wasm-sse, untyped: `SseOptions::json_value()`.
#[wasm_bindgen]
pub fn run_untyped(url: String, latency: bool, fetch: bool) -> Promise {
    future_to_promise(async move {
        let run = Run::shared(latency);
        let (done, settle) = Settle::new();
        let (on_message, on_complete) = (run.clone(), run.clone());
        let failed = settle.clone();
        let options = SseOptions::json_value()
            .transport(transport(fetch))
            .on_message(move |message| {
                let msg: &JsMsg = message.data.unchecked_ref();
                let pad = msg.pad().length() as usize;
                on_message.borrow_mut().record(msg.i(), msg.t(), pad);
            })
            .complete_when(|data| data.unchecked_ref::<JsMsg>().status() == 1)
            .on_complete(move || {
                on_complete.borrow_mut().finish();
                settle.resolve();
            })
            .on_error(move |error| failed.reject(&error.to_string()));
        let mut sse = SseService::new();
        sse.connect(&url, options).map_err(error)?;
        JsFuture::from(done).await?;
        drop(sse);
        let stats = run.borrow().to_js();
        Ok(stats)
    })
}

/// gloo-net's `EventSource` + serde-wasm-bindgen, with a hand-written completion check.
#[wasm_bindgen]
pub fn run_gloo(url: String, latency: bool) -> Promise {
    future_to_promise(async move {
        let mut run = Run::new(latency);
        let mut source = gloo_net::eventsource::futures::EventSource::new(&url)
            .map_err(|e| JsValue::from(e.to_string()))?;
        let mut messages = source
            .subscribe("message")
            .map_err(|e| JsValue::from(e.to_string()))?;
        while let Some(item) = messages.next().await {
            let (_, event) = item.map_err(|e| JsValue::from(e.to_string()))?;
            let value = json_parse(&event.data())?;
            let msg: Msg = serde_wasm_bindgen::from_value(value)?;
            run.record(msg.i, msg.t, msg.pad.len());
            if msg.status == 1 {
                run.finish();
                break;
            }
        }
        drop(messages);
        source.close();
        Ok(run.to_js())
    })
}

/// A chunk of an OpenAI-format chat completion stream, typed (what a Rust chat client declares).
#[derive(Deserialize)]
struct Completion {
    choices: Vec<Choice>,
}

#[derive(Deserialize)]
struct Choice {
    delta: Delta,
}

#[derive(Deserialize)]
struct Delta {
    content: Option<String>,
}

#[wasm_bindgen]
extern "C" {
    /// The same chunk as a JS object, read through getters (the untyped chat contender).
    type JsCompletion;
    #[wasm_bindgen(method, getter)]
    fn choices(this: &JsCompletion) -> js_sys::Array;
    type JsChoice;
    #[wasm_bindgen(method, getter)]
    fn delta(this: &JsChoice) -> JsDelta;
    type JsDelta;
    #[wasm_bindgen(method, getter)]
    fn content(this: &JsDelta) -> Option<String>;
}

/// What one chat run saw: the answer, the chunks that carried content, the time from the
/// request to `[DONE]`.
struct ChatRun {
    start: f64,
    end: f64,
    count: u32,
    answer: String,
}

impl ChatRun {
    fn shared() -> Rc<RefCell<ChatRun>> {
        Rc::new(RefCell::new(ChatRun {
            start: now_ms(),
            end: 0.0,
            count: 0,
            answer: String::new(),
        }))
    }

    fn add(&mut self, content: Option<&str>) {
        if let Some(content) = content {
            self.answer.push_str(content);
            self.count += 1;
        }
    }

    fn to_js(&self) -> JsValue {
        let stats = Object::new();
        let set = |key: &str, value: JsValue| {
            let _ = Reflect::set(&stats, &key.into(), &value);
        };
        set("count", self.count.into());
        set("ms", (self.end - self.start).into());
        set("answer", self.answer.as_str().into());
        stats.into()
    }
}

/// The chat request, `done_data("[DONE]")`, and the run's completion and failure.
fn chat_options<T: 'static>(
    options: SseOptions<T>,
    body: String,
    run: &Rc<RefCell<ChatRun>>,
    settle: Rc<Settle>,
) -> SseOptions<T> {
    let (run, failed) = (run.clone(), settle.clone());
    options
        .transport(TransportKind::Fetch)
        .method("POST")
        .header("Authorization", "Bearer bench-token")
        .header("Content-Type", "application/json")
        .body(body)
        .done_data("[DONE]")
        .on_complete(move || {
            run.borrow_mut().end = now_ms();
            settle.resolve();
        })
        .on_error(move |error| failed.reject(&error.to_string()))
}

/// Runs one chat stream with `options` (callbacks and decoding set) to `[DONE]`.
async fn chat<T: 'static>(
    url: String,
    options: SseOptions<T>,
    body: String,
    run: Rc<RefCell<ChatRun>>,
) -> Result<JsValue, JsValue> {
    let (done, settle) = Settle::new();
    let options = chat_options(options, body, &run, settle);
    let mut sse = SseService::new();
    sse.connect(&url, options).map_err(error)?;
    JsFuture::from(done).await?;
    drop(sse);
    let stats = run.borrow().to_js();
    Ok(stats)
}

/// The chat workload, typed: `SseOptions::<Completion>::json()`.
#[wasm_bindgen]
pub fn run_chat_typed(url: String, body: String) -> Promise {
    let run = ChatRun::shared();
    let on_message = run.clone();
    let options = SseOptions::<Completion>::json().on_message(move |message| {
        let content = message
            .data
            .choices
            .first()
            .and_then(|c| c.delta.content.as_deref());
        on_message.borrow_mut().add(content);
    });
    future_to_promise(chat(url, options, body, run))
}

/// The chat workload, untyped: `SseOptions::json_value()`, read through getters.
#[wasm_bindgen]
pub fn run_chat_untyped(url: String, body: String) -> Promise {
    let run = ChatRun::shared();
    let on_message = run.clone();
    let options = SseOptions::json_value().on_message(move |message| {
        let chunk: &JsCompletion = message.data.unchecked_ref();
        let choice: JsChoice = chunk.choices().get(0).unchecked_into();
        on_message
            .borrow_mut()
            .add(choice.delta().content().as_deref());
    });
    future_to_promise(chat(url, options, body, run))
}

/// `n` cycles of one `SseService`: connect to `url` (a `/bench/hold` stream), wait for its
/// first message, disconnect. Resolves to the number of cycles done.
#[wasm_bindgen]
pub fn cycles(url: String, n: u32, fetch: bool) -> Promise {
    future_to_promise(async move {
        let mut sse = SseService::new();
        for cycle in 0..n {
            let (first, settle) = Settle::new();
            let failed = settle.clone();
            let options = SseOptions::<Msg>::json()
                .transport(transport(fetch))
                .on_message(move |_| settle.resolve())
                .on_error(move |error| failed.reject(&error.to_string()));
            sse.connect(&format!("{url}&cycle={cycle}"), options)
                .map_err(error)?;
            JsFuture::from(first).await?;
            sse.disconnect();
        }
        drop(sse);
        Ok(n.into())
    })
}

/// The byte length of this module's linear memory.
#[wasm_bindgen]
pub fn memory_bytes() -> f64 {
    let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    memory
        .buffer()
        .unchecked_into::<js_sys::ArrayBuffer>()
        .byte_length() as f64
}
