//! The fetch transport in a real browser (Chromium and Firefox), against the SSE test server:
//! the same behaviour as `EventSource` where they overlap, and what only fetch can do (methods,
//! headers, bodies, statuses and their bodies, resumable POSTs, idle timeouts, the spec-exact
//! parser on real byte streams).
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;
use wasm_sse::{
    CloseReason, FailReason, ReadyState, ReconnectMode, SseOptions, SseService, TransportKind,
};

wasm_bindgen_test_configure!(run_in_browser);

/// The recorded options on the fetch transport.
fn fetched(log: &Log) -> SseOptions<Chunk> {
    recorded(log).transport(TransportKind::Fetch)
}

#[wasm_bindgen_test]
async fn a_get_stream_completes_with_exactly_one_request() {
    let (run, log) = (run_id("fetch-basic"), Log::default());
    let mut sse = SseService::new();
    sse.connect(&url("basic", &run, ""), fetched(&log)).unwrap();
    assert_eq!(sse.ready_state(), ReadyState::Connecting);
    log.wait_for("complete", 5000).await;
    sleep(NO_RECONNECT_GRACE_MS).await;

    assert_eq!(log.entries(), strings(&BASIC_LOG));
    assert_eq!(sse.ready_state(), ReadyState::Closed);
    assert_eq!(sse.close_reason(), Some(CloseReason::Completed));
    assert_eq!(sse.last_event_id(), "4");
    let stats = stats(&run).await;
    assert_eq!(stats.requests, 1, "completion closes before any reconnect");
    assert_eq!(stats.methods, ["GET"]);
    assert_eq!(stats.accepts, ["text/event-stream"]);
    assert_eq!(
        stats.has_last_event_id,
        [false],
        "no id yet: no header at all"
    );
}

#[wasm_bindgen_test]
async fn named_events_and_a_done_event_behave_as_with_event_source() {
    let (run, log) = (run_id("fetch-named"), Log::default());
    let (tokens, done) = (log.clone(), log.clone());
    let options = fetched(&log)
        .on_event("token", move |m| tokens.push(message_entry(&m)))
        .on_event("done", move |m| {
            done.push(format!("done {}", m.data.reason))
        })
        .done_event("done");
    let mut sse = SseService::new();
    sse.connect(&url("named", &run, ""), options).unwrap();
    log.wait_for("complete", 5000).await;

    let expected = [
        "open",
        "token 0 Hello",
        "token 1 ,",
        "token 2  world",
        "done stop",
        "complete",
    ];
    assert_eq!(log.entries(), strings(&expected));
    assert_eq!(stats(&run).await.requests, 1);
}

#[wasm_bindgen_test]
async fn a_done_sentinel_ends_the_stream_undelivered() {
    let (run, log, _sse) = connect_and_wait(
        "sentinel",
        "",
        |log| fetched(log).done_data("[DONE]"),
        "complete",
    )
    .await;
    let expected = [
        "open",
        "message 0 Hello",
        "message 1 ,",
        "message 2  world",
        "complete",
    ];
    assert_eq!(log.entries(), strings(&expected));
    assert_eq!(stats(&run).await.requests, 1);
}

#[wasm_bindgen_test]
async fn a_dropped_get_resumes_from_last_event_id_without_loss_or_repeats() {
    let (run, log, _sse) = connect_and_wait("resume", "", fetched, "complete").await;

    let expected = [
        "open",
        "message 0 Hello",
        "message 1 ,",
        "message 2  world",
        // The server's `retry: 50` is the first delay.
        "reconnecting 1 3 50ms",
        "open",
        "message 3 !",
        "message 4  How",
        "message 5  are",
        "complete",
    ];
    assert_eq!(log.entries(), strings(&expected));
    let stats = stats(&run).await;
    assert_eq!(stats.requests, 2);
    assert_eq!(stats.last_event_ids, ["", "3"]);
    assert_eq!(stats.has_last_event_id, [false, true]);
}

#[wasm_bindgen_test]
async fn an_error_status_fails_at_once_with_its_status_and_body() {
    let cases = [
        (404, "status 404\n", "HTTP 404: status 404"),
        (401, "status 401\n", "HTTP 401: status 401"),
        (204, "", "HTTP 204"),
    ];
    for (status, body, message) in cases {
        let scenario = format!("status/{status}");
        let (run, log, sse) = connect_and_wait(&scenario, "", fetched, "other").await;
        sleep(200).await;
        let reason = FailReason::Http {
            status,
            body: body.into(),
        };
        let entry = format!("other connection failed: {message}");
        assert_eq!(log.entries(), [entry]);
        assert_eq!(
            sse.close_reason(),
            Some(CloseReason::Failed(reason.clone()))
        );
        assert_eq!(reason.status(), Some(status));
        assert_eq!(
            stats(&run).await.requests,
            1,
            "HTTP {status} is never retried"
        );
    }
}

#[wasm_bindgen_test]
async fn a_wrong_content_type_fails_with_it() {
    let (run, log, sse) = connect_and_wait("wrong-type", "", fetched, "other").await;
    let Some(CloseReason::Failed(FailReason::ContentType {
        status,
        content_type,
        body,
    })) = sse.close_reason()
    else {
        panic!("expected a content type failure: {:?}", log.entries());
    };
    assert_eq!((status, content_type.as_str()), (200, "text/plain"));
    assert!(body.starts_with("data: {\"index\":0"), "{body}");
    assert_eq!(stats(&run).await.requests, 1);
}

#[wasm_bindgen_test]
async fn a_503_is_retried_with_its_status_then_streams() {
    let (run, log, _sse) = connect_and_wait("fail-then-ok", "fails=2", fetched, "complete").await;
    let entries = log.entries();
    assert_eq!(entries.len(), 8, "{entries:?}");
    assert!(entries[0].starts_with("reconnecting 1  "), "{entries:?}");
    assert!(entries[1].starts_with("reconnecting 2  "), "{entries:?}");
    assert_eq!(entries[2..], strings(&BASIC_LOG));
    assert_eq!(stats(&run).await.requests, 3);
}

#[wasm_bindgen_test]
async fn retries_run_out_on_the_last_answer() {
    let (run, log, sse) = connect_and_wait(
        "fail-then-ok",
        "fails=9",
        |log| fetched(log).max_retries(1),
        "other",
    )
    .await;
    assert_eq!(log.count("reconnecting"), 1);
    assert_eq!(
        sse.close_reason(),
        Some(CloseReason::Failed(FailReason::Http {
            status: 503,
            body: "try again\n".into()
        }))
    );
    assert_eq!(stats(&run).await.requests, 2);
}

#[wasm_bindgen_test]
async fn reconnect_never_fails_a_lost_stream() {
    let (run, log, sse) = connect_and_wait(
        "resume",
        "",
        |log| fetched(log).reconnect_mode(ReconnectMode::Never),
        "other",
    )
    .await;
    assert_eq!(log.count("message"), 3);
    assert_eq!(
        sse.close_reason(),
        Some(CloseReason::Failed(FailReason::Lost))
    );
    assert_eq!(stats(&run).await.requests, 1);
}

#[wasm_bindgen_test]
async fn disconnect_aborts_the_request_and_the_server_sees_the_client_go() {
    let (run, log, mut sse) = connect_and_wait("endless", "", fetched, "message 2").await;
    sse.disconnect();
    assert_eq!(sse.ready_state(), ReadyState::Closed);
    let count = log.len();
    wait_for_stats(&run, "the client going", |s| s.disconnects == 1).await;
    sleep(200).await;
    assert_eq!(log.len(), count, "nothing after disconnect");
    assert_eq!(sse.close_reason(), Some(CloseReason::Disconnected));
    assert_eq!(stats(&run).await.requests, 1);
}

#[wasm_bindgen_test]
async fn an_aborted_signal_disconnects_without_an_error() {
    let controller = web_sys::AbortController::new().unwrap();
    let (run, log, sse) = connect_and_wait(
        "endless",
        "",
        |log| fetched(log).signal(controller.signal()),
        "message 1",
    )
    .await;
    controller.abort();
    assert_eq!(sse.ready_state(), ReadyState::Closed);
    assert_eq!(sse.close_reason(), Some(CloseReason::Disconnected));
    wait_for_stats(&run, "the client going", |s| s.disconnects == 1).await;
    assert_eq!(log.count("other"), 0);

    // One already aborted never connects.
    let (run, log) = (run_id("fetch-aborted"), Log::default());
    let mut sse = SseService::new();
    sse.connect(
        &url("basic", &run, ""),
        fetched(&log).signal(controller.signal()),
    )
    .unwrap();
    assert_eq!(sse.ready_state(), ReadyState::Closed);
    sleep(300).await;
    assert!(log.entries().is_empty());
    assert_eq!(stats(&run).await.requests, 0);
}

#[wasm_bindgen_test]
async fn an_invalid_url_is_refused_at_connect() {
    let mut sse = SseService::new();
    let error = sse
        .connect("http://[::1", fetched(&Log::default()))
        .unwrap_err();
    assert!(
        matches!(error, wasm_sse::SseError::InvalidUrl(_)),
        "{error:?}"
    );
}

#[wasm_bindgen_test]
async fn a_post_sends_its_method_headers_and_body() {
    let body = r#"{"messages":[{"role":"user","content":"hi"}]}"#;
    let (run, log, _sse) = connect_and_wait(
        "mirror",
        "",
        |log| {
            fetched(log)
                .method("POST")
                .header("Authorization", "Bearer t0k")
                .header("X-Test", "first")
                .header("X-Test", "second")
                .header("Content-Type", "application/json")
                .body(body)
        },
        "complete",
    )
    .await;
    assert_eq!(texts(&log), ["POST", "Bearer t0k", "second", body]);
    let stats = stats(&run).await;
    assert_eq!(stats.requests, 1);
    assert_eq!(stats.methods, ["POST"]);
    assert_eq!(stats.bodies, [body]);
    assert_eq!(stats.content_types, ["application/json"]);
    assert_eq!(stats.accepts, ["text/event-stream"]);
}

#[wasm_bindgen_test]
async fn header_and_body_getters_run_before_every_request() {
    use std::cell::Cell;
    use std::rc::Rc;
    let calls = Rc::new(Cell::new(0));
    let (token_calls, body_calls) = (calls.clone(), calls.clone());
    let (run, log, _sse) = connect_and_wait(
        "resume",
        "",
        move |log| {
            fetched(log)
                .method("POST")
                .header_with("Authorization", move || {
                    token_calls.set(token_calls.get() + 1);
                    let token = format!("Bearer token-{}", token_calls.get());
                    async move { token }
                })
                .body_with(move || {
                    body_calls.set(body_calls.get() + 1);
                    let body = format!("body {}", body_calls.get());
                    async move { body }
                })
        },
        "complete",
    )
    .await;
    assert_eq!(log.count("message"), 6, "{:?}", log.entries());
    let stats = stats(&run).await;
    assert_eq!(stats.methods, ["POST", "POST"]);
    assert_eq!(stats.authorizations, ["Bearer token-1", "Bearer token-3"]);
    assert_eq!(stats.bodies, ["body 2", "body 4"]);
    // A POST is repeated because the stream gave an id to resume from.
    assert_eq!(stats.last_event_ids, ["", "3"]);
}

#[wasm_bindgen_test]
async fn a_post_that_drops_mid_event_resumes_without_losing_or_repeating_it() {
    let (run, log, _sse) = connect_and_wait(
        "resume",
        "cut=mid",
        |log| fetched(log).method("POST").body("prompt"),
        "complete",
    )
    .await;
    let expected = [
        "open",
        "message 0 Hello",
        "message 1 ,",
        "message 2  world",
        // The half event's `id: 4` was never dispatched, so it was never applied.
        "reconnecting 1 3 50ms",
        "open",
        "message 3 !",
        "message 4  How",
        "message 5  are",
        "complete",
    ];
    assert_eq!(log.entries(), strings(&expected));
    let stats = stats(&run).await;
    assert_eq!(stats.last_event_ids, ["", "3"]);
    assert_eq!(stats.bodies, ["prompt", "prompt"]);
}

#[wasm_bindgen_test]
async fn a_401_shows_the_servers_own_message() {
    let (run, log, sse) = connect_and_wait(
        "auth",
        "",
        |log| fetched(log).header("Authorization", "Bearer wrong"),
        "other",
    )
    .await;
    let body = r#"{"error":{"message":"invalid token","type":"invalid_request_error"}}"#;
    assert_eq!(
        sse.close_reason(),
        Some(CloseReason::Failed(FailReason::Http {
            status: 401,
            body: body.into()
        }))
    );
    assert_eq!(
        log.entries(),
        [format!("other connection failed: HTTP 401: {body}")]
    );
    assert_eq!(stats(&run).await.requests, 1);

    let (_, log, _sse) = connect_and_wait(
        "auth",
        "",
        |log| fetched(log).header("Authorization", "Bearer secret"),
        "complete",
    )
    .await;
    assert_eq!(log.entries(), strings(&BASIC_LOG));
}

#[wasm_bindgen_test]
async fn retry_after_and_429_are_honoured() {
    let (run, log, _sse) = connect_and_wait(
        "fail-then-ok",
        "fails=1&code=429&retry_after=1",
        fetched,
        "complete",
    )
    .await;
    assert_eq!(log.entries()[0], "reconnecting 1  1000ms");
    let stats = stats(&run).await;
    assert_eq!(stats.requests, 2);
    assert!(stats.times_ms[1] >= 1000, "waited {:?}", stats.times_ms);
}

#[wasm_bindgen_test]
async fn the_servers_retry_field_sets_the_delay() {
    let (run, log, _sse) = connect_and_wait("retry-field", "ms=400", fetched, "complete").await;
    assert!(
        log.contains("reconnecting 1 1 400ms"),
        "{:?}",
        log.entries()
    );
    let stats = stats(&run).await;
    assert_eq!(stats.requests, 2);
    assert!(stats.times_ms[1] >= 400, "waited {:?}", stats.times_ms);
}

#[wasm_bindgen_test]
async fn non_latin1_ids_resume_as_utf8_bytes() {
    let (run, log, sse) = connect_and_wait("ids", "", fetched, "complete").await;
    assert_eq!(sse.last_event_id(), "第3条");
    let stats = stats(&run).await;
    if in_webkit() {
        // WebKit sends a header value's characters UTF-8-encoded, where the Fetch standard sends
        // each (all are below 0x100 here) as one byte: the id's UTF-8 bytes arrive encoded a
        // second time. The server knows no such id and starts over: messages 0 and 1 come
        // twice. Only an ASCII id resumes on WebKit's fetch (its EventSource sends any id
        // right: tests/browser.rs).
        assert_eq!(stats.last_event_id_hex[1], "c3a7c2acc2ac32c3a6c29dc2a1");
        assert_eq!(log.count("reconnecting"), 1, "{:?}", log.entries());
        assert_eq!(
            texts(&log),
            ["Hello", ",", "Hello", ",", " world"],
            "{:?}",
            log.entries()
        );
        return;
    }
    assert_eq!(log.count("message"), 3, "{:?}", log.entries());
    assert!(log.contains("reconnecting 1 第2条 100ms") || log.count("reconnecting") == 1);
    assert_eq!(stats.last_event_ids, ["", "第2条"]);
    assert_eq!(stats.last_event_id_hex[1], "e7acac32e69da1");
}

#[wasm_bindgen_test]
async fn an_initial_last_event_id_is_sent_with_the_first_request() {
    let (run, log, _sse) = connect_and_wait(
        "resume",
        "mode=end",
        |log| fetched(log).last_event_id("2"),
        "reconnecting",
    )
    .await;
    assert_eq!(log.entries()[1], "message 2  world");
    assert_eq!(stats(&run).await.last_event_ids[0], "2");
}

#[wasm_bindgen_test]
async fn byte_streams_are_parsed_exactly() {
    let cases = [
        ("crlf", ["crlf", "end"]),
        ("cr", ["cr", "end"]),
        ("mixed", ["mixed", "end"]),
        ("bom", ["bom", "\u{FEFF}kept"]),
        ("bom-split", ["split bom", "end"]),
        ("bom-twice", ["second bom", "end"]),
        ("split-crlf", ["split", "crlf"]),
        ("split-utf8", ["世界", "😀"]),
        ("invalid-utf8", ["a\u{FFFD}b", "c\u{FFFD}d"]),
        ("one-chunk", ["é😀\u{FFFD}", "世x"]),
    ];
    for (case, expected) in cases {
        let (_, log, sse) =
            connect_and_wait("raw", &format!("case={case}"), fetched, "complete").await;
        assert_eq!(texts(&log), expected, "case {case}: {:?}", log.entries());
        assert_eq!(log.count("other"), 0, "case {case}: {:?}", log.entries());
        assert_eq!(sse.last_event_id(), "2", "case {case}");
        // The data as a JS string (what the JS face parses), cut from the chunk's.
        let js = js_texts("raw", &format!("case={case}")).await;
        assert_eq!(js, expected, "case {case}, as JS strings");
    }
}

/// The `text` of each message of `scenario` (with `query`) over fetch, read from the data's JS
/// string (what the JS face parses), up to the message with status 1.
async fn js_texts(scenario: &str, query: &str) -> Vec<String> {
    let (sink, done) = (Log::default(), Log::default());
    let (texts, end) = (sink.clone(), done.clone());
    let field = |data: &JsValue, name: &str| js_sys::Reflect::get(data, &name.into()).ok();
    let options = SseOptions::json_value()
        .transport(TransportKind::Fetch)
        .on_message(move |m| {
            let text = field(&m.data, "text").and_then(|text| text.as_string());
            texts.push(text.unwrap_or_default());
        })
        .complete_when(move |data| field(data, "status").is_some_and(|status| status == 1))
        .on_complete(move || end.push("complete"));
    let mut sse = SseService::new();
    let run = run_id(&format!("{scenario}-js"));
    sse.connect(&url(scenario, &run, query), options).unwrap();
    done.wait_for("complete", 5000).await;
    sink.entries()
}

#[wasm_bindgen_test]
async fn an_unterminated_last_event_is_dropped_unless_flushed() {
    let (run, log, _sse) = connect_and_wait(
        "unterminated",
        "",
        |log| fetched(log).flush_at_end(true),
        "complete",
    )
    .await;
    assert_eq!(
        log.entries(),
        strings(&["open", "message 0 Hello", "message 1 ,", "complete"])
    );
    assert_eq!(stats(&run).await.requests, 1);

    for bare in ["1", "0"] {
        let (run, log, _sse) = connect_and_wait(
            "unterminated",
            &format!("bare={bare}"),
            |log| fetched(log).max_retries(0),
            "failed",
        )
        .await;
        assert_eq!(
            log.entries(),
            strings(&["open", "message 0 Hello", "failed retries 0"])
        );
        assert_eq!(stats(&run).await.requests, 1);
    }
}

#[wasm_bindgen_test]
async fn an_idle_connection_is_dropped_and_resumed() {
    let (run, log, _sse) = connect_and_wait(
        "silence",
        "silence=5000",
        |log| fetched(log).idle_timeout(std::time::Duration::from_millis(300)),
        "complete",
    )
    .await;
    let expected = [
        "open",
        "message 0 Hello",
        "reconnecting 1 1 100ms",
        "open",
        "message 1 ,",
        "message 2  world",
        "complete",
    ];
    assert_eq!(log.entries(), strings(&expected));
    let seen = stats(&run).await;
    assert_eq!(seen.last_event_ids, ["", "1"]);
    assert!(
        seen.times_ms[1] >= 400 && seen.times_ms[1] < 2000,
        "{seen:?}"
    );

    // Comments are bytes: they keep an idle timeout from firing.
    let (run, log, _sse) = connect_and_wait(
        "silence",
        "silence=700&comments=1",
        |log| fetched(log).idle_timeout(std::time::Duration::from_millis(300)),
        "complete",
    )
    .await;
    assert_eq!(log.count("reconnecting"), 0, "{:?}", log.entries());
    assert_eq!(stats(&run).await.requests, 1);
}

/// A large event (1 MiB) travels apart from the batch of small ones: whole, as Rust text and as
/// the JS string the JS face parses.
#[wasm_bindgen_test]
async fn a_large_event_arrives_whole_in_rust_and_in_js() {
    let (_, log, _sse) = connect_and_wait("large", "", fetched, "complete").await;
    let texts = texts(&log);
    assert_eq!(texts.len(), 1, "{} entries", log.entries().len());
    assert!(texts[0].len() == 1 << 20 && texts[0].bytes().all(|b| b == b'x'));

    assert_eq!(js_texts("large", "").await, ["x".repeat(1 << 20)]);
}

/// A large event crosses alone, the small ones around it in the chunk's shared text: in one
/// write they must keep their order, and each its text, in Rust and in JS. 20,000 bytes is
/// above the size that crosses alone and below the parser's shrinking size; 1 MiB above both.
#[wasm_bindgen_test]
async fn small_and_large_events_of_one_chunk_keep_their_order() {
    for bytes in [20_000, 1 << 20] {
        let params = format!("bytes={bytes}&between=1");
        let (_, log, sse) = connect_and_wait("large", &params, fetched, "complete").await;
        let large = format!("é{}😀", "x".repeat(bytes));
        let expected = ["before é", large.as_str(), "after 😀"];
        assert_eq!(texts(&log), expected, "{bytes} bytes");
        assert_eq!(sse.last_event_id(), "3");

        let js = js_texts("large", &params).await;
        assert_eq!(js, expected, "{bytes} bytes, as JS strings");
    }
}

#[wasm_bindgen_test]
async fn an_oversized_event_fails_clearly() {
    let (_, log, sse) = connect_and_wait(
        "large",
        "bytes=100000",
        |log| fetched(log).max_event_size(50_000),
        "other",
    )
    .await;
    assert_eq!(
        sse.close_reason(),
        Some(CloseReason::Failed(FailReason::EventTooLarge {
            limit: 50_000
        }))
    );
    assert_eq!(log.count("message"), 0);
}

#[wasm_bindgen_test]
async fn a_custom_fetch_function_is_used() {
    let counter: js_sys::Function = js_sys::Function::new_with_args(
        "url, init",
        "globalThis.__fetches = (globalThis.__fetches || 0) + 1; \
         init.headers.set('x-test', 'custom'); return fetch(url, init);",
    );
    let (_, log, _sse) = connect_and_wait(
        "mirror",
        "",
        |log| fetched(log).fetch_function(counter),
        "complete",
    )
    .await;
    assert_eq!(texts(&log), ["GET", "", "custom", ""]);
    let fetches = js_sys::Reflect::get(&js_sys::global(), &"__fetches".into()).unwrap();
    assert_eq!(fetches.as_f64(), Some(1.0));
}

#[wasm_bindgen_test]
fn fetch_only_options_are_refused_with_event_source_and_a_get_body_is_refused() {
    let mut sse = SseService::new();
    let error = sse
        .connect(
            "/sse",
            SseOptions::<String>::text()
                .transport(TransportKind::EventSource)
                .method("POST"),
        )
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid options: method needs the fetch transport, not EventSource"
    );
    let error = sse
        .connect("/sse", SseOptions::<String>::text().body("x"))
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid options: a GET request cannot have a body"
    );
}

/// One chunk of an OpenAI-compatible chat completion stream.
#[derive(serde::Deserialize)]
struct Completion {
    choices: Vec<Choice>,
}

#[derive(serde::Deserialize)]
struct Choice {
    delta: Delta,
    finish_reason: Option<String>,
}

#[derive(serde::Deserialize)]
struct Delta {
    content: Option<String>,
}

#[wasm_bindgen_test]
async fn an_openai_compatible_stream_arrives_typed_and_ends_at_done() {
    use std::cell::RefCell;
    use std::rc::Rc;
    let run = run_id("openai");
    let answer = Rc::new(RefCell::new(String::new()));
    let finish = Rc::new(RefCell::new(Vec::new()));
    let log = Log::default();
    let (text, reasons, done, errors) = (answer.clone(), finish.clone(), log.clone(), log.clone());
    let body = r#"{"model":"demo","stream":true,"messages":[{"role":"user","content":"hi"}]}"#;
    let mut sse = SseService::new();
    sse.connect(
        &format!("{SERVER}/v1/chat/completions?run={run}&delay=0"),
        SseOptions::<Completion>::json()
            .method("POST")
            .header("Authorization", "Bearer demo-token")
            .header("Content-Type", "application/json")
            .body(body)
            .done_data("[DONE]")
            .on_message(move |message| {
                let choice = &message.data.choices[0];
                text.borrow_mut()
                    .push_str(choice.delta.content.as_deref().unwrap_or(""));
                reasons.borrow_mut().push(choice.finish_reason.clone());
            })
            .on_complete(move || done.push("complete"))
            .on_error(move |error| errors.push(format!("error {error}"))),
    )
    .unwrap();
    log.wait_for("complete", 5000).await;
    assert_eq!(log.entries(), ["complete"]);
    let answer = answer.borrow().clone();
    assert!(
        answer.starts_with("You asked: \u{201c}hi\u{201d}. This is turn 1"),
        "{answer}"
    );
    let finish = finish.borrow().clone();
    assert_eq!(finish.last(), Some(&Some("stop".to_string())));
    assert!(finish[..finish.len() - 1].iter().all(Option::is_none));
    assert_eq!(sse.last_event_id(), "", "OpenAI streams carry no ids");
    assert_eq!(stats(&run).await.requests, 1);

    // Without the token: OpenAI's own error shape, as the body of a 401.
    let log = Log::default();
    sse.connect(
        &format!("{SERVER}/v1/chat/completions?run={run}"),
        fetched(&log).method("POST").body(body),
    )
    .unwrap();
    log.wait_for("other", 5000).await;
    let expected = FailReason::Http {
        status: 401,
        body: r#"{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"#.into(),
    };
    assert_eq!(sse.close_reason(), Some(CloseReason::Failed(expected)));
}
