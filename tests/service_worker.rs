//! The service inside a service worker (no `window`, no `document`). `TransportKind::Auto` picks
//! the fetch transport there: Firefox has no `EventSource` in service workers, and Chromium's is
//! not used, so a service worker behaves the same in every browser.
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;
use wasm_sse::{CloseReason, ReadyState, SseService};

wasm_bindgen_test_configure!(run_in_service_worker);

fn assert_in_a_service_worker() {
    let global = js_sys::global();
    let has = |name: &str| js_sys::Reflect::has(&global, &JsValue::from_str(name)).unwrap();
    assert!(has("ServiceWorkerGlobalScope") && has("registration"));
    assert!(!has("document") && !has("window"));
}

#[wasm_bindgen_test]
async fn auto_picks_fetch_and_streams_in_a_service_worker() {
    assert_in_a_service_worker();

    let (run, log) = (run_id("service-worker"), Log::default());
    let mut sse = SseService::new();
    // No transport chosen: Auto, which can only be fetch here (an EventSource would throw).
    // 50 ms between messages, so the stream is seen open.
    sse.connect(&url("basic", &run, "delay=50"), recorded(&log))
        .unwrap();
    assert_eq!(sse.ready_state(), ReadyState::Connecting);
    log.wait_for("message 0", 5000).await;
    assert_eq!(sse.ready_state(), ReadyState::Open, "streaming");
    log.wait_for("complete", 5000).await;
    sleep(NO_RECONNECT_GRACE_MS).await;

    assert_eq!(log.entries(), strings(&BASIC_LOG));
    assert_eq!(sse.ready_state(), ReadyState::Closed);
    assert_eq!(sse.close_reason(), Some(CloseReason::Completed));
    let stats = stats(&run).await;
    assert_eq!(stats.requests, 1, "completion closes before any reconnect");
    assert_eq!(stats.accepts, ["text/event-stream"]);
}

#[wasm_bindgen_test]
async fn auto_is_the_fetch_transport_in_a_service_worker() {
    assert_in_a_service_worker();
    // A dropped stream tells the transports apart: fetch reports the server's `retry: 50` as
    // the delay, EventSource leaves it to the browser ("browser").
    let (run, log, _sse) = connect_and_wait("resume", "", recorded, "complete").await;
    let expected = [
        "open",
        "message 0 Hello",
        "message 1 ,",
        "message 2  world",
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
}
