//! The service in a real browser (Chromium and Firefox), against the SSE test server.
//! Run by `cargo xtask test`, which starts the server and sets `SSE_TEST_URL`.
#![cfg(target_arch = "wasm32")]

mod common;

use std::time::Duration;

use common::*;
use futures_util::StreamExt;
use wasm_bindgen_test::*;
use wasm_sse::{
    CloseReason, FailReason, ReadyState, ReconnectPolicy, SseError, SseOptions, SseService,
    SseStream,
};

wasm_bindgen_test_configure!(run_in_browser);

fn fast_backoff(attempts: u32) -> ReconnectPolicy {
    ReconnectPolicy::default()
        .initial_delay(Duration::from_millis(50))
        .jitter(0.0)
        .max_attempts(attempts)
}

#[wasm_bindgen_test]
async fn basic_stream_completes_with_exactly_one_request() {
    let (run, log) = (run_id("basic"), Log::default());
    let mut sse = SseService::new();
    assert_eq!(
        sse.ready_state(),
        ReadyState::Closed,
        "closed before the first connect"
    );
    sse.connect(&url("basic", &run, ""), recorded(&log))
        .unwrap();
    assert_eq!(sse.ready_state(), ReadyState::Connecting);
    log.wait_for("complete", 5000).await;
    sleep(NO_RECONNECT_GRACE_MS).await;

    let expected = [
        "open",
        "message 0 Hello",
        "message 1 ,",
        "message 2  world",
        "message 3 !",
        "complete",
    ];
    assert_eq!(log.entries(), strings(&expected));
    assert_eq!(sse.ready_state(), ReadyState::Closed);
    assert!(sse.is_closing());
    assert_eq!(sse.close_reason(), Some(CloseReason::Completed));
    assert_eq!(sse.last_event_id(), "4");
    assert_eq!(
        stats(&run).await.requests,
        1,
        "completion must close before the browser reconnects"
    );
}

#[wasm_bindgen_test]
async fn named_events_end_with_a_done_event() {
    let (run, log) = (run_id("named"), Log::default());
    let (tokens, done) = (log.clone(), log.clone());
    let options = recorded(&log)
        .on_event("token", move |m| tokens.push(message_entry(&m)))
        .on_event("done", move |m| {
            done.push(format!("done {}", m.data.reason))
        })
        .done_event("done");
    let mut sse = SseService::new();
    sse.connect(&url("named", &run, ""), options).unwrap();
    log.wait_for("complete", 5000).await;
    sleep(NO_RECONNECT_GRACE_MS).await;

    let expected = [
        "open",
        "token 0 Hello",
        "token 1 ,",
        "token 2  world",
        "done stop",
        "complete",
    ];
    assert_eq!(log.entries(), strings(&expected));
    assert_eq!(sse.last_event_id(), "4");
    assert_eq!(stats(&run).await.requests, 1);
}

#[wasm_bindgen_test]
async fn named_events_can_go_to_on_message_and_a_done_event_needs_no_handler() {
    let (run, log) = (run_id("named-routed"), Log::default());
    let options = recorded(&log).event("token").done_event("done");
    let mut sse = SseService::new();
    sse.connect(&url("named", &run, "count=2"), options)
        .unwrap();
    log.wait_for("complete", 5000).await;

    assert_eq!(
        log.entries(),
        strings(&["open", "token 0 Hello", "token 1 ,", "complete"])
    );
}

#[wasm_bindgen_test]
async fn done_sentinel_is_neither_parsed_nor_delivered() {
    let (run, log, _sse) = connect_and_wait(
        "sentinel",
        "",
        |log| recorded(log).done_data("[DONE]"),
        "complete",
    )
    .await;
    sleep(NO_RECONNECT_GRACE_MS).await;

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
async fn invalid_json_is_a_parse_error_and_the_stream_goes_on() {
    let (run, log, _sse) = connect_and_wait("invalid-json", "", recorded, "complete").await;

    let expected = [
        "open",
        "message 0 Hello",
        "parse not json{",
        "message 1 ,",
        "complete",
    ];
    assert_eq!(log.entries(), strings(&expected));
    assert_eq!(stats(&run).await.requests, 1);
}

#[wasm_bindgen_test]
async fn text_decoding_hands_over_the_raw_data() {
    let run = run_id("text");
    let log = Log::default();
    let (messages, complete) = (log.clone(), log.clone());
    let options = SseOptions::text()
        .on_message(move |m| messages.push(m.data))
        .on_complete(move || complete.push("complete"))
        .done_data("[DONE]");
    let mut sse = SseService::new();
    sse.connect(&url("sentinel", &run, "count=1"), options)
        .unwrap();
    log.wait_for("complete", 5000).await;

    assert_eq!(
        log.entries(),
        strings(&[r#"{"index":0,"text":"Hello"}"#, "complete"])
    );
}

#[wasm_bindgen_test]
async fn json_value_decoding_gives_the_parsed_object() {
    let run = run_id("json-value");
    let log = Log::default();
    let messages = log.clone();
    let options = SseOptions::json_value()
        .on_message(move |m| {
            let text = js_sys::Reflect::get(&m.data, &"text".into()).unwrap();
            messages.push(text.as_string().unwrap());
        })
        .complete_when(|data| {
            js_sys::Reflect::get(data, &"status".into())
                .unwrap()
                .as_f64()
                == Some(1.0)
        });
    let mut sse = SseService::new();
    sse.connect(&url("basic", &run, "count=2"), options)
        .unwrap();
    wait_until("two messages", 5000, || log.len() == 2).await;
    sleep(NO_RECONNECT_GRACE_MS).await;

    assert_eq!(log.entries(), strings(&["Hello", ","]));
    assert_eq!(sse.close_reason(), Some(CloseReason::Completed));
    assert_eq!(stats(&run).await.requests, 1);
}

#[wasm_bindgen_test]
async fn a_dropped_stream_resumes_from_last_event_id_without_loss_or_repeats() {
    let (run, log, _sse) = connect_and_wait("resume", "", recorded, "complete").await;

    let expected = [
        "open",
        "message 0 Hello",
        "message 1 ,",
        "message 2  world",
        "reconnecting 1 3 browser",
        "open",
        "message 3 !",
        "message 4  How",
        "message 5  are",
        "complete",
    ];
    assert_eq!(log.entries(), strings(&expected));
    let stats = stats(&run).await;
    assert_eq!(stats.requests, 2);
    assert_eq!(
        stats.last_event_ids,
        strings(&["", "3"]),
        "the browser resumes with Last-Event-ID"
    );
}

/// The browser's own EventSource resumes with any id: its UTF-8 bytes, in every engine
/// (WebKit included, whose fetch cannot send them: tests/fetch.rs).
#[wasm_bindgen_test]
async fn non_ascii_ids_resume_exactly() {
    let (run, log, sse) = connect_and_wait("ids", "", recorded, "complete").await;
    assert_eq!(texts(&log), ["Hello", ",", " world"], "{:?}", log.entries());
    assert_eq!(sse.last_event_id(), "第3条");
    let stats = stats(&run).await;
    assert_eq!(stats.last_event_id_hex, ["", "e7acac32e69da1"]);
}

#[wasm_bindgen_test]
async fn a_recreated_connection_resumes_through_the_query_parameter() {
    let (run, log) = (run_id("resume-query"), Log::default());
    let options = recorded(&log)
        .reconnect(fast_backoff(3))
        .last_event_id_param("lastEventId");
    let mut sse = SseService::new();
    // Drop after 3 messages; the browser's retry then gets a 500 (fatal), so the service
    // re-creates the connection, which cannot send the header.
    sse.connect(&url("resume", &run, "fails=1"), options)
        .unwrap();
    log.wait_for("complete", 5000).await;

    let expected = [
        "open",
        "message 0 Hello",
        "message 1 ,",
        "message 2  world",
        "reconnecting 1 3 browser",
        "reconnecting 2 3 50ms",
        "open",
        "message 3 !",
        "message 4  How",
        "message 5  are",
        "complete",
    ];
    assert_eq!(log.entries(), strings(&expected));
    let stats = stats(&run).await;
    assert_eq!(stats.requests, 3);
    assert_eq!(stats.last_event_ids, strings(&["", "3", ""]));
    assert_eq!(stats.query_last_event_ids, strings(&["", "", "3"]));
}

/// HTTP error statuses (204 included), a wrong content type and a CORS refusal: the browser
/// gives up at once, and so does the service, with one error.
#[wasm_bindgen_test]
async fn refused_streams_fail_once_without_retrying() {
    for scenario in [
        "status/500",
        "status/404",
        "status/204",
        "wrong-type",
        "no-cors",
    ] {
        let (run, log, sse) = connect_and_wait(scenario, "", recorded, "failed").await;
        sleep(NO_RECONNECT_GRACE_MS).await;

        assert_eq!(log.entries(), strings(&["failed refused"]), "{scenario}");
        assert_eq!(sse.ready_state(), ReadyState::Closed, "{scenario}");
        assert_eq!(
            sse.close_reason(),
            Some(CloseReason::Failed(FailReason::Refused)),
            "{scenario}"
        );
        assert!(
            !sse.is_closing(),
            "{scenario}: a failure is not a closing the client began"
        );
        assert_eq!(stats(&run).await.requests, 1, "{scenario}: no retry");
    }
}

#[wasm_bindgen_test]
async fn keep_alive_comments_are_ignored() {
    let (_, log, _sse) = connect_and_wait("keepalive", "", recorded, "complete").await;

    let expected = [
        "open",
        "message 0 Hello",
        "message 1 ,",
        "message 2  world",
        "complete",
    ];
    assert_eq!(log.entries(), strings(&expected));
}

#[wasm_bindgen_test]
async fn a_slow_trickle_arrives_in_order_while_open() {
    let (_, log, sse) =
        connect_and_wait("trickle", "count=5&interval=60", recorded, "message 0").await;
    assert_eq!(sse.ready_state(), ReadyState::Open);
    assert!(!sse.is_closing());
    assert_eq!(sse.close_reason(), None);
    log.wait_for("complete", 5000).await;

    let expected = [
        "open",
        "message 0 Hello",
        "message 1 ,",
        "message 2  world",
        "message 3 !",
        "message 4  How",
        "complete",
    ];
    assert_eq!(log.entries(), strings(&expected));
}

#[wasm_bindgen_test]
async fn a_one_megabyte_event_arrives_whole() {
    let run = run_id("large");
    let log = Log::default();
    let (lengths, complete) = (log.clone(), log.clone());
    let options = SseOptions::<Chunk>::json()
        .on_message(move |m| lengths.push(m.data.text.len().to_string()))
        .on_complete(move || complete.push("complete"))
        .complete_when(|chunk| chunk.status == 1);
    let mut sse = SseService::new();
    sse.connect(&url("large", &run, ""), options).unwrap();
    log.wait_for("complete", 10_000).await;

    assert_eq!(log.entries(), strings(&["1048576", "complete"]));
}

/// A long text is copied into wasm by `TextEncoder`, a short one by wasm-bindgen: both exactly,
/// non-ASCII characters included.
#[wasm_bindgen_test]
async fn short_and_long_texts_arrive_exactly() {
    let query = "bytes=20000&between=1";
    let (_, log, _sse) = connect_and_wait("large", query, recorded, "complete").await;
    let large = format!("é{}😀", "x".repeat(20_000));
    assert_eq!(texts(&log), ["before é", large.as_str(), "after 😀"]);
}

#[wasm_bindgen_test]
async fn disconnect_closes_the_stream_and_the_server_sees_the_client_go() {
    let (run, log, mut sse) = connect_and_wait("endless", "", recorded, "message 1").await;
    sse.disconnect();

    assert!(sse.is_closing());
    assert_eq!(sse.ready_state(), ReadyState::Closed);
    assert_eq!(sse.close_reason(), Some(CloseReason::Disconnected));
    let seen = log.len();
    wait_for_stats(&run, "the client go away", |s| s.disconnects == 1).await;
    sse.disconnect(); // idempotent
    sleep(200).await;
    assert_eq!(
        log.len(),
        seen,
        "no callback after disconnect: {:?}",
        log.entries()
    );
    assert_eq!(log.count("failed"), 0);
    assert_eq!(stats(&run).await.requests, 1);
}

#[wasm_bindgen_test]
async fn dropping_the_service_closes_the_connection() {
    let (run, log, sse) = connect_and_wait("endless", "", recorded, "message 0").await;
    drop(sse);

    let seen = log.len();
    wait_for_stats(&run, "the client go away", |s| s.disconnects == 1).await;
    assert_eq!(
        log.len(),
        seen,
        "no callback after drop: {:?}",
        log.entries()
    );
}

#[wasm_bindgen_test]
async fn connecting_again_closes_the_previous_connection() {
    let (first, second) = (run_id("first"), run_id("second"));
    let (log_first, log_second) = (Log::default(), Log::default());
    let mut sse = SseService::new();
    sse.connect(&url("endless", &first, ""), recorded(&log_first))
        .unwrap();
    log_first.wait_for("message 0", 5000).await;
    sse.connect(&url("basic", &second, ""), recorded(&log_second))
        .unwrap();
    let seen = log_first.len();

    wait_for_stats(&first, "the first client go away", |s| s.disconnects == 1).await;
    log_second.wait_for("complete", 5000).await;
    assert_eq!(
        log_first.len(),
        seen,
        "the first connection is silent: {:?}",
        log_first.entries()
    );
    assert_eq!(sse.close_reason(), Some(CloseReason::Completed));
}

#[wasm_bindgen_test]
fn an_invalid_url_is_an_error_with_the_browsers_message() {
    let mut sse = SseService::new();
    let error = sse
        .connect("http://[::1", SseOptions::<Chunk>::json())
        .unwrap_err();
    match &error {
        SseError::InvalidUrl(message) => assert!(!message.is_empty()),
        other => panic!("expected InvalidUrl, got {other:?}"),
    }
    assert!(error.to_string().starts_with("invalid URL: "));
    assert_eq!(sse.ready_state(), ReadyState::Closed);
}

#[wasm_bindgen_test]
fn contradictory_options_are_an_error() {
    let mut sse = SseService::new();
    let options = SseOptions::<Chunk>::json().on_event("error", |_| {});
    let error = sse
        .connect(&url("basic", "unused", ""), options)
        .unwrap_err();
    assert!(matches!(error, SseError::InvalidOptions(_)), "{error:?}");
}

#[wasm_bindgen_test]
async fn the_browsers_own_retries_are_bounded() {
    let (run, log) = (run_id("flaky"), Log::default());
    let mut sse = SseService::new();
    // One message, then every retry opens and ends with no event (50 ms apart): no progress.
    sse.connect(&url("flaky", &run, ""), recorded(&log).max_retries(2))
        .unwrap();
    log.wait_for("failed", 5000).await;
    sleep(NO_RECONNECT_GRACE_MS).await;

    let expected = [
        "open",
        "message 0 Hello",
        "reconnecting 1 1 browser",
        "open",
        "reconnecting 2 1 browser",
        "open",
        "failed retries 2",
    ];
    assert_eq!(log.entries(), strings(&expected));
    assert_eq!(sse.ready_state(), ReadyState::Closed);
    assert_eq!(
        sse.close_reason(),
        Some(CloseReason::Failed(FailReason::RetriesExhausted {
            attempts: 2
        }))
    );
    assert_eq!(stats(&run).await.requests, 3);
}

#[wasm_bindgen_test]
async fn backoff_recreates_a_failed_connection_and_resets_on_open() {
    let (run, log, sse) = connect_and_wait(
        "fail-then-ok",
        "fails=2",
        |log| recorded(log).reconnect(fast_backoff(3)),
        "reconnecting 1",
    )
    .await;
    assert_eq!(
        sse.ready_state(),
        ReadyState::Connecting,
        "waiting to re-create is connecting"
    );
    log.wait_for("complete", 5000).await;

    let expected = [
        "reconnecting 1  50ms",
        "reconnecting 2  100ms",
        "open",
        "message 0 Hello",
        "message 1 ,",
        "message 2  world",
        "message 3 !",
        "complete",
    ];
    assert_eq!(log.entries(), strings(&expected));
    assert_eq!(stats(&run).await.requests, 3);
}

#[wasm_bindgen_test]
async fn backoff_gives_up_when_its_budget_is_spent() {
    let (run, log, sse) = connect_and_wait(
        "status/503",
        "",
        |log| recorded(log).reconnect(fast_backoff(2)),
        "failed",
    )
    .await;
    sleep(NO_RECONNECT_GRACE_MS).await;

    let expected = [
        "reconnecting 1  50ms",
        "reconnecting 2  100ms",
        "failed refused",
    ];
    assert_eq!(log.entries(), strings(&expected));
    assert_eq!(sse.ready_state(), ReadyState::Closed);
    assert_eq!(stats(&run).await.requests, 3);
}

#[wasm_bindgen_test]
async fn disconnect_cancels_a_pending_recreation() {
    let (run, log) = (run_id("cancel-backoff"), Log::default());
    let policy = fast_backoff(3).initial_delay(Duration::from_millis(300));
    let mut sse = SseService::new();
    sse.connect(
        &url("status/500", &run, ""),
        recorded(&log).reconnect(policy),
    )
    .unwrap();
    log.wait_for("reconnecting 1", 5000).await;
    sse.disconnect();
    sleep(600).await;

    assert_eq!(log.entries(), strings(&["reconnecting 1  300ms"]));
    assert_eq!(sse.ready_state(), ReadyState::Closed);
    assert_eq!(stats(&run).await.requests, 1);
}

#[wasm_bindgen_test]
async fn a_panicking_callback_does_not_stop_later_events() {
    let (run, log) = (run_id("panic"), Log::default());
    let messages = log.clone();
    // Two panics: the first must not leave the service (or the panic machinery) unusable.
    let options = recorded(&log).on_message(move |m| {
        if m.data.index == 1 || m.data.index == 3 {
            panic!("a deliberate panic in a user callback");
        }
        messages.push(message_entry(&m));
    });
    let mut sse = SseService::new();
    sse.connect(&url("basic", &run, "count=6"), options)
        .unwrap();
    log.wait_for("complete", 5000).await;

    let expected = [
        "open",
        "message 0 Hello",
        "message 2  world",
        "message 4  How",
        "message 5  are",
        "complete",
    ];
    assert_eq!(log.entries(), strings(&expected));
    assert_eq!(stats(&run).await.requests, 1);
}

#[wasm_bindgen_test]
async fn with_credentials_sends_cookies_and_without_does_not() {
    let document = js_sys::Reflect::get(&js_sys::global(), &"document".into()).unwrap();
    js_sys::Reflect::set(
        &document,
        &"cookie".into(),
        &"wasm_sse_test=yes; path=/".into(),
    )
    .unwrap();
    for (with_credentials, expected) in [(true, "wasm_sse_test=yes"), (false, "")] {
        let (run, log) = (run_id("credentials"), Log::default());
        let mut sse = SseService::new();
        let options = recorded(&log).with_credentials(with_credentials);
        sse.connect(&url("echo", &run, ""), options).unwrap();
        log.wait_for("complete", 5000).await;
        assert_eq!(
            stats(&run).await.cookies,
            strings(&[expected]),
            "with_credentials({with_credentials})"
        );
    }
}

#[wasm_bindgen_test]
async fn the_stream_yields_messages_then_ends_on_completion() {
    let run = run_id("stream");
    let options = SseOptions::<Chunk>::json().complete_when(|c| c.status == 1);
    let stream = SseStream::connect(&url("invalid-json", &run, ""), options).unwrap();
    let items: Vec<String> = stream
        .map(|item| match item {
            Ok(m) => message_entry(&m),
            Err(e) => error_entry(&e),
        })
        .collect()
        .await;

    assert_eq!(
        items,
        strings(&["message 0 Hello", "parse not json{", "message 1 ,"])
    );
    sleep(NO_RECONNECT_GRACE_MS).await;
    assert_eq!(stats(&run).await.requests, 1);
}

#[wasm_bindgen_test]
async fn the_stream_ends_with_an_error_on_failure() {
    let run = run_id("stream-fail");
    let mut stream =
        SseStream::connect(&url("status/500", &run, ""), SseOptions::<Chunk>::json()).unwrap();
    let first = stream.next().await.expect("an error item");
    assert_eq!(first.unwrap_err(), SseError::Failed(FailReason::Refused));
    assert!(stream.next().await.is_none());
    assert_eq!(
        stream.close_reason(),
        Some(CloseReason::Failed(FailReason::Refused))
    );
}

#[wasm_bindgen_test]
async fn dropping_the_stream_disconnects() {
    let run = run_id("stream-drop");
    let mut stream =
        SseStream::connect(&url("endless", &run, ""), SseOptions::<Chunk>::json()).unwrap();
    let first = stream.next().await.unwrap().unwrap();
    assert_eq!((first.data.index, first.last_event_id().as_str()), (0, "1"));
    drop(stream);
    wait_for_stats(&run, "the client go away", |s| s.disconnects == 1).await;
}
