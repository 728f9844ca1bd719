//! The fetch transport in a real browser (Chromium and Firefox), against the SSE test server:
//! the same behaviour as `EventSource` where they overlap, and what only fetch can do (methods,
//! headers, bodies, statuses and their bodies, resumable POSTs, idle timeouts, the spec-exact
//! parser on real byte streams).
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use wasm_bindgen_test::*;
use wasm_sse::{
    CloseReason, FailReason, ReadyState, ReconnectMode, SseOptions, SseService, TransportKind,
};

wasm_bindgen_test_configure!(run_in_browser);

/// The recorded options on the fetch transport.
fn fetched(log: &Log) -> SseOptions<Chunk> {
    recorded(log).transport(TransportKind::Fetch)
}

const FOUR_TOKENS: [&str; 6] = [
    "open",
    "message 0 Hello",
    "message 1 ,",
    "message 2  world",
    "message 3 !",
    "complete",
];

#[wasm_bindgen_test]
async fn a_get_stream_completes_with_exactly_one_request() {
    let (run, log) = (run_id("fetch-basic"), Log::default());
    let mut sse = SseService::new();
    sse.connect(&url("basic", &run, ""), fetched(&log)).unwrap();
    assert_eq!(sse.ready_state(), ReadyState::Connecting);
    log.wait_for("complete", 5000).await;
    sleep(NO_RECONNECT_GRACE_MS).await;

    assert_eq!(log.entries(), strings(&FOUR_TOKENS));
    assert_eq!(sse.ready_state(), ReadyState::Closed);
    assert_eq!(sse.close_reason(), Some(CloseReason::Completed));
    assert_eq!(sse.last_event_id(), "4");
    let stats = stats(&run).await;
    assert_eq!(stats.requests, 1, "completion closes before any reconnect");
    assert_eq!(stats.methods, ["GET"]);
    assert_eq!(stats.accepts, ["text/event-stream"]);
    assert_eq!(stats.has_last_event_id, [false], "no id yet: no header at all");
}

#[wasm_bindgen_test]
async fn named_events_and_a_done_event_behave_as_with_event_source() {
    let (run, log) = (run_id("fetch-named"), Log::default());
    let (tokens, done) = (log.clone(), log.clone());
    let options = fetched(&log)
        .on_event("token", move |m| tokens.push(message_entry(&m)))
        .on_event("done", move |m| done.push(format!("done {}", m.data.reason)))
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
    let (run, log, _sse) =
        connect_and_wait("sentinel", "", |log| fetched(log).done_data("[DONE]"), "complete")
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
        assert_eq!(sse.close_reason(), Some(CloseReason::Failed(reason.clone())));
        assert_eq!(reason.status(), Some(status));
        assert_eq!(stats(&run).await.requests, 1, "HTTP {status} is never retried");
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
    let (run, log, _sse) =
        connect_and_wait("fail-then-ok", "fails=2", fetched, "complete").await;
    let entries = log.entries();
    assert_eq!(entries.len(), 8, "{entries:?}");
    assert!(entries[0].starts_with("reconnecting 1  "), "{entries:?}");
    assert!(entries[1].starts_with("reconnecting 2  "), "{entries:?}");
    assert_eq!(entries[2..], strings(&FOUR_TOKENS));
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
    let (run, log, mut sse) =
        connect_and_wait("endless", "", fetched, "message 2").await;
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
    sse.connect(&url("basic", &run, ""), fetched(&log).signal(controller.signal()))
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
    assert!(matches!(error, wasm_sse::SseError::InvalidUrl(_)), "{error:?}");
}
