//! The service inside a dedicated Web Worker (no `window`, no `document`).
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use wasm_bindgen_test::*;
use wasm_sse::{CloseReason, FailReason, ReadyState, SseService, TransportKind};

wasm_bindgen_test_configure!(run_in_dedicated_worker);

#[wasm_bindgen_test]
async fn basic_stream_completes_in_a_worker() {
    assert!(js_sys::Reflect::get(&js_sys::global(), &"document".into())
        .unwrap()
        .is_undefined());
    let (run, log, sse) = connect_and_wait("basic", "", recorded, "complete").await;
    sleep(400).await;

    let expected = [
        "open",
        "message 0 Hello",
        "message 1 ,",
        "message 2  world",
        "message 3 !",
        "complete",
    ];
    assert_eq!(log.entries(), strings(&expected));
    assert_eq!(sse.close_reason(), Some(CloseReason::Completed));
    assert_eq!(stats(&run).await.requests, 1);
}

#[wasm_bindgen_test]
async fn a_failure_is_reported_in_a_worker() {
    let (_, log, sse) = connect_and_wait("status/500", "", recorded, "failed").await;

    assert_eq!(log.entries(), strings(&["failed refused"]));
    assert_eq!(sse.ready_state(), ReadyState::Closed);
    assert_eq!(
        sse.close_reason(),
        Some(CloseReason::Failed(FailReason::Refused))
    );
}

#[wasm_bindgen_test]
async fn a_backoff_recreation_works_in_a_worker() {
    let (run, log) = (run_id("worker-backoff"), Log::default());
    let policy = wasm_sse::ReconnectPolicy::default()
        .initial_delay(std::time::Duration::from_millis(50))
        .jitter(0.0);
    let mut sse = SseService::new();
    sse.connect(
        &url("fail-then-ok", &run, "fails=1"),
        recorded(&log).reconnect(policy),
    )
    .unwrap();
    log.wait_for("complete", 5000).await;
    assert_eq!(log.entries()[0], "reconnecting 1  50ms");
    assert_eq!(stats(&run).await.requests, 2);
}

#[wasm_bindgen_test]
async fn a_fetch_stream_completes_in_a_worker() {
    let (run, log) = (run_id("worker-fetch"), Log::default());
    let mut sse = SseService::new();
    sse.connect(
        &url("basic", &run, ""),
        recorded(&log).transport(TransportKind::Fetch),
    )
    .unwrap();
    assert_eq!(sse.ready_state(), ReadyState::Connecting);
    log.wait_for("complete", 5000).await;
    sleep(NO_RECONNECT_GRACE_MS).await;

    assert_eq!(log.entries(), strings(&BASIC_LOG));
    assert_eq!(sse.ready_state(), ReadyState::Closed);
    assert_eq!(sse.close_reason(), Some(CloseReason::Completed));
    let stats = stats(&run).await;
    assert_eq!(stats.requests, 1);
    assert_eq!(stats.methods, ["GET"]);
}

#[wasm_bindgen_test]
async fn a_post_with_headers_and_a_body_streams_back_in_a_worker() {
    let (run, log) = (run_id("worker-mirror"), Log::default());
    let body = r#"{"q":"héllo"}"#;
    let options = recorded(&log)
        .transport(TransportKind::Fetch)
        .method("POST")
        .header("Authorization", "Bearer t")
        .header("X-Test", "x")
        .body(body);
    let mut sse = SseService::new();
    sse.connect(&url("mirror", &run, ""), options).unwrap();
    log.wait_for("complete", 5000).await;

    let expected = [
        "open".to_string(),
        "message 0 POST".into(),
        "message 1 Bearer t".into(),
        "message 2 x".into(),
        format!("message 3 {body}"),
        "complete".into(),
    ];
    assert_eq!(log.entries(), expected);
    let stats = stats(&run).await;
    assert_eq!(stats.requests, 1);
    assert_eq!(stats.methods, ["POST"]);
    assert_eq!(stats.bodies, [body]);
}
