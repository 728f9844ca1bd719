//! Shared streams in one page (Chromium and Firefox), against the SSE test server: subscribers
//! to the same URL and settings share one connection, each with its own callbacks and rules.
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use wasm_bindgen_test::*;
use wasm_sse::{
    CloseReason, ReadyState, ShareOptions, SseError, SseOptions, SseSubscription, TransportKind,
};

wasm_bindgen_test_configure!(run_in_browser);

/// Options that log each message's index (and `open`).
fn indexes(log: &Log) -> SseOptions<Chunk> {
    let (l1, l2) = (log.clone(), log.clone());
    SseOptions::<Chunk>::json()
        .on_open(move || l1.push("open"))
        .on_message(move |m| l2.push(m.data.index.to_string()))
}

/// The message indexes in `log`, in order.
fn received(log: &Log) -> Vec<u32> {
    log.entries()
        .iter()
        .filter_map(|e| e.parse().ok())
        .collect()
}

fn gapless(indexes: &[u32]) -> bool {
    indexes.windows(2).all(|w| w[1] == w[0] + 1)
}

async fn five_subscribers_share_one_request(transport: TransportKind) {
    let run = run_id("share-five");
    let endless = url("endless", &run, "interval=30");
    let logs: Vec<Log> = (0..5).map(|_| Log::default()).collect();
    let subscriptions: Vec<_> = logs
        .iter()
        .map(|log| SseSubscription::subscribe(&endless, indexes(log).transport(transport)).unwrap())
        .collect();
    for log in &logs {
        let log = log.clone();
        wait_until("6 messages each", 5000, move || received(&log).len() >= 6).await;
    }
    for log in &logs {
        let got = received(log);
        assert_eq!(
            got[..6],
            [0, 1, 2, 3, 4, 5],
            "every subscriber gets every event"
        );
        assert_eq!(log.count("open"), 1);
    }
    assert_eq!(subscriptions[0].ready_state(), ReadyState::Open);
    let mut subscriptions = subscriptions;
    let last = subscriptions.pop().unwrap();
    drop(subscriptions);
    sleep(200).await;
    let seen = stats(&run).await;
    assert_eq!(
        (seen.requests, seen.disconnects),
        (1, 0),
        "one left: still open"
    );
    let before = received(&logs[4]).len();
    assert!(received(&logs[0]).len() < before, "the others stopped");
    last.unsubscribe();
    last.unsubscribe();
    assert_eq!(last.ready_state(), ReadyState::Closed);
    assert_eq!(last.close_reason(), Some(CloseReason::Disconnected));
    wait_for_stats(&run, "the client go", |s| s.disconnects == 1).await;
    assert_eq!(stats(&run).await.requests, 1);
}

#[wasm_bindgen_test]
async fn five_subscribers_share_one_event_source() {
    five_subscribers_share_one_request(TransportKind::EventSource).await;
}

#[wasm_bindgen_test]
async fn five_subscribers_share_one_fetch() {
    five_subscribers_share_one_request(TransportKind::Fetch).await;
}

#[wasm_bindgen_test]
async fn a_panicking_subscriber_affects_no_other() {
    let run = run_id("share-panic");
    let endless = url("endless", &run, "interval=30");
    let (calm, calls) = (Log::default(), Log::default());
    let counted = calls.clone();
    let panicking = SseSubscription::subscribe(
        &endless,
        SseOptions::<Chunk>::json().on_message(move |m| {
            counted.push("call");
            panic!("subscriber fails on {}", m.data.index);
        }),
    )
    .unwrap();
    let other = SseSubscription::subscribe(&endless, indexes(&calm)).unwrap();
    let log = calm.clone();
    wait_until("5 messages", 5000, move || received(&log).len() >= 5).await;
    assert!(gapless(&received(&calm)));
    assert!(calls.len() >= 4, "the panicking one is still called");
    assert_eq!(stats(&run).await.requests, 1);
    drop((panicking, other));
}

#[wasm_bindgen_test]
async fn subscribers_join_and_leave_while_events_flow() {
    let run = run_id("share-churn");
    let endless = url("endless", &run, "interval=20");
    let (first, second, third) = (Log::default(), Log::default(), Log::default());
    let a = SseSubscription::subscribe(&endless, indexes(&first)).unwrap();
    first.wait_for("3", 5000).await;
    let b = SseSubscription::subscribe(&endless, indexes(&second)).unwrap();
    second.wait_for("open", 2000).await;
    let log = second.clone();
    wait_until("b's messages", 5000, move || received(&log).len() >= 3).await;
    drop(a);
    let c = SseSubscription::subscribe(&endless, indexes(&third)).unwrap();
    let log = third.clone();
    wait_until("c's messages", 5000, move || received(&log).len() >= 3).await;
    drop(b);
    sleep(100).await;
    drop(c);
    for log in [&first, &second, &third] {
        let got = received(log);
        assert!(gapless(&got), "no gap or repeat: {got:?}");
    }
    assert!(
        received(&second)[0] > 3,
        "b joined late: {:?}",
        received(&second)
    );
    let seen = wait_for_stats(&run, "the client go", |s| s.disconnects == 1).await;
    assert_eq!(seen.requests, 1);
}

#[wasm_bindgen_test]
async fn replay_last_gives_a_late_subscriber_the_last_message() {
    let run = run_id("share-replay");
    let endless = url("endless", &run, "interval=300");
    let (early, late, plain) = (Log::default(), Log::default(), Log::default());
    let _a = SseSubscription::subscribe(&endless, indexes(&early)).unwrap();
    early.wait_for("1", 5000).await;
    let _b = SseSubscription::subscribe_with(
        &endless,
        indexes(&late),
        ShareOptions::new().replay_last(true),
    )
    .unwrap();
    let _c = SseSubscription::subscribe(&endless, indexes(&plain)).unwrap();
    sleep(50).await;
    let last = *received(&early).last().unwrap();
    assert_eq!(late.entries(), ["open".to_string(), last.to_string()]);
    assert_eq!(plain.entries(), ["open"], "no replay unless asked");
    early.wait_for(&(last + 1).to_string(), 2000).await;
    sleep(20).await;
    assert_eq!(received(&late), [last, last + 1]);
    assert_eq!(stats(&run).await.requests, 1);
}

#[wasm_bindgen_test]
async fn a_completion_rule_ends_its_subscription_only() {
    let run = run_id("share-complete");
    let endless = url("endless", &run, "interval=30");
    let (done, going) = (Log::default(), Log::default());
    let ends = done.clone();
    let a = SseSubscription::subscribe(
        &endless,
        indexes(&done)
            .complete_when(|chunk| chunk.index == 2)
            .on_complete(move || ends.push("complete")),
    )
    .unwrap();
    let b = SseSubscription::subscribe(&endless, indexes(&going)).unwrap();
    done.wait_for("complete", 5000).await;
    going.wait_for("6", 5000).await;
    assert_eq!(done.entries(), ["open", "0", "1", "2", "complete"]);
    assert_eq!(a.close_reason(), Some(CloseReason::Completed));
    assert_eq!(a.ready_state(), ReadyState::Closed);
    assert_eq!(b.ready_state(), ReadyState::Open);
    assert_eq!(b.close_reason(), None);
    assert_eq!(stats(&run).await.requests, 1);
}

#[wasm_bindgen_test]
async fn different_settings_do_not_share_and_post_is_refused() {
    let run = run_id("share-apart");
    let endless = url("endless", &run, "interval=50");
    let (a, b) = (Log::default(), Log::default());
    let _x = SseSubscription::subscribe(&endless, indexes(&a)).unwrap();
    let _y =
        SseSubscription::subscribe(&endless, indexes(&b).transport(TransportKind::Fetch)).unwrap();
    wait_for_stats(&run, "two requests", |s| s.requests == 2).await;
    let post = SseSubscription::subscribe(&endless, SseOptions::<String>::text().method("POST"));
    match post {
        Err(SseError::InvalidOptions(message)) => {
            assert!(message.contains("GET-only"), "{message}")
        }
        other => panic!("expected InvalidOptions, got {other:?}"),
    }
}

/// A re-creation policy applies to the shared connection: two subscribers ride out two fatal
/// failures on one connection re-created with backoff, and both see the stream when it comes.
#[wasm_bindgen_test]
async fn a_shared_connection_is_recreated_by_its_policy() {
    let run = run_id("share-recreate");
    let stream = url("fail-then-ok", &run, "fails=2");
    let policy = wasm_sse::ReconnectPolicy::default()
        .initial_delay(std::time::Duration::from_millis(50))
        .jitter(0.0)
        .max_attempts(3);
    let logs = [Log::default(), Log::default()];
    let _subscriptions: Vec<_> = logs
        .iter()
        .map(|log| {
            let (retried, completed) = (log.clone(), log.clone());
            let options = indexes(log)
                .reconnect(policy.clone())
                .on_reconnecting(move |info| retried.push(format!("reconnecting {}", info.attempt)))
                .complete_when(|chunk| chunk.status == 1)
                .on_complete(move || completed.push("complete"));
            SseSubscription::subscribe(&stream, options).unwrap()
        })
        .collect();
    let expected = [
        "reconnecting 1",
        "reconnecting 2",
        "open",
        "0",
        "1",
        "2",
        "3",
        "complete",
    ];
    for log in &logs {
        log.wait_for("complete", 5000).await;
        assert_eq!(log.entries(), strings(&expected));
    }
    assert_eq!(
        stats(&run).await.requests,
        3,
        "two failures, then the stream"
    );
}

/// What `EventSource` listeners of `type` were added and removed in this page, from counters
/// wrapped around `EventSource.prototype` once. (A `Function`, not an `inline_js` module: the
/// test runner's page stalls when its modules need more than Chromium's six connections.)
fn listener_counts(event_type: &str) -> Vec<u32> {
    let count = js_sys::Function::new_with_args(
        "type",
        "const proto = EventSource.prototype;
        if (!proto.__counted) {
          proto.__counted = {};
          const count = (type, key) => {
            const entry = (proto.__counted[type] ??= { added: 0, removed: 0 });
            entry[key] += 1;
          };
          const add = proto.addEventListener;
          const remove = proto.removeEventListener;
          proto.addEventListener = function (type, ...rest) { count(type, 'added'); return add.call(this, type, ...rest); };
          proto.removeEventListener = function (type, ...rest) { count(type, 'removed'); return remove.call(this, type, ...rest); };
        }
        const entry = proto.__counted[type] ?? { added: 0, removed: 0 };
        return [entry.added, entry.removed];",
    );
    let counts = count
        .call1(&wasm_bindgen::JsValue::UNDEFINED, &event_type.into())
        .expect("the counters run");
    js_sys::Array::from(&counts)
        .iter()
        .map(|n| n.as_f64().unwrap_or(0.0) as u32)
        .collect()
}

/// Logs `{kind}{index}` for a message and `complete` for a completion.
fn entry(log: &Log, kind: &'static str) -> impl FnMut(wasm_sse::Message<Chunk>) + 'static {
    let log = log.clone();
    move |m| log.push(format!("{kind}{}", m.data.index))
}

fn completes(log: &Log) -> impl FnMut() + 'static {
    let log = log.clone();
    move || log.push("complete")
}

/// `/sse/mixed` sends unnamed, `tick` and `alert` events in turn: index `i` is `m`, `t`, `a` for
/// `i % 3` = 0, 1, 2.
async fn five_subscribers_with_their_own_events_and_rules_share_one_request(
    transport: TransportKind,
) {
    let run = run_id("share-names");
    let mixed = url("mixed", &run, "interval=15");
    let logs: Vec<Log> = (0..5).map(|_| Log::default()).collect();
    let [s1, s2, s3, s4, s5] = [0, 1, 2, 3, 4].map(|k| logs[k].clone());
    let json = || SseOptions::<Chunk>::json().transport(transport);
    let text_entry = {
        let log = s1.clone();
        move |m: wasm_sse::Message<String>| {
            let index = m.data.split("\"index\":").nth(1).unwrap_or("");
            let digits: String = index.chars().take_while(char::is_ascii_digit).collect();
            log.push(format!("m{digits}"));
        }
    };
    // Unnamed events as text, until the one with index 9.
    let text = SseSubscription::subscribe(
        &mixed,
        SseOptions::<String>::text()
            .transport(transport)
            .on_message(text_entry)
            .complete_when(|text| text.contains("\"index\":9,"))
            .on_complete(completes(&s1)),
    )
    .unwrap();
    let typed = [
        // Ticks, until index 10.
        json()
            .on_event("tick", entry(&s2, "t"))
            .complete_when(|c| c.index >= 10)
            .on_complete(completes(&s2)),
        // Alerts, with no end of its own.
        json().on_event("alert", entry(&s3, "a")),
        // Unnamed events and ticks, until the first alert (its done event).
        json()
            .on_message(entry(&s4, "m"))
            .on_event("tick", entry(&s4, "t"))
            .done_event("alert")
            .on_complete(completes(&s4)),
        // Ticks, until index 4.
        json()
            .on_event("tick", entry(&s5, "t"))
            .complete_when(|c| c.index >= 4)
            .on_complete(completes(&s5)),
    ];
    let typed: Vec<_> = typed
        .into_iter()
        .map(|options| SseSubscription::subscribe(&mixed, options).unwrap())
        .collect();
    s2.wait_for("complete", 5000).await;
    s3.wait_for("a11", 5000).await;
    s1.wait_for("complete", 5000).await;
    assert_eq!(
        s1.entries(),
        strings(&["m0", "m3", "m6", "m9", "complete"]),
        "unnamed, as text, until index 9"
    );
    assert_eq!(
        s2.entries(),
        strings(&["t1", "t4", "t7", "t10", "complete"])
    );
    assert_eq!(s3.entries()[..4], strings(&["a2", "a5", "a8", "a11"]));
    assert_eq!(s4.entries(), strings(&["m0", "t1", "complete"]));
    assert_eq!(s5.entries(), strings(&["t1", "t4", "complete"]));
    assert_eq!(text.close_reason(), Some(CloseReason::Completed));
    for (k, subscription) in typed.iter().enumerate() {
        // The alerts' subscriber (the second typed one) goes on.
        let reason = (k != 1).then_some(CloseReason::Completed);
        assert_eq!(subscription.close_reason(), reason, "typed subscriber {k}");
    }
    let seen = stats(&run).await;
    assert_eq!(
        (seen.requests, seen.disconnects),
        (1, 0),
        "one request, still open"
    );
    drop((text, typed));
    wait_for_stats(&run, "the last subscriber close it", |s| s.disconnects == 1).await;
}

#[wasm_bindgen_test]
async fn five_subscribers_with_their_own_named_events_share_one_event_source() {
    five_subscribers_with_their_own_events_and_rules_share_one_request(TransportKind::EventSource)
        .await;
}

#[wasm_bindgen_test]
async fn five_subscribers_with_their_own_named_events_share_one_fetch() {
    five_subscribers_with_their_own_events_and_rules_share_one_request(TransportKind::Fetch).await;
}

/// A subscriber for a new name joins an open stream: no new request, a listener for it; the
/// last one for that name leaves: the listener goes, and the stream goes on.
#[wasm_bindgen_test]
async fn names_come_and_go_on_one_event_source() {
    let run = run_id("share-listen");
    let mixed = url("mixed", &run, "interval=15");
    let (messages, ticks) = (Log::default(), Log::default());
    let options = || SseOptions::<Chunk>::json().transport(TransportKind::EventSource);
    let _messages =
        SseSubscription::subscribe(&mixed, options().on_message(entry(&messages, "m"))).unwrap();
    messages.wait_for("m3", 5000).await;
    let [added, removed] = listener_counts("tick")[..] else {
        panic!()
    };
    let ticking =
        SseSubscription::subscribe(&mixed, options().on_event("tick", entry(&ticks, "t"))).unwrap();
    wait_until("two ticks", 5000, || ticks.len() >= 2).await;
    assert_eq!(
        listener_counts("tick"),
        [added + 1, removed],
        "one listener added"
    );
    assert_eq!(
        stats(&run).await.requests,
        1,
        "no new request for a new name"
    );
    drop(ticking);
    assert_eq!(
        listener_counts("tick"),
        [added + 1, removed + 1],
        "and removed"
    );
    let count = messages.len();
    wait_until("more messages", 5000, || messages.len() > count + 1).await;
    assert_eq!(stats(&run).await.requests, 1);
}

/// Inside its own callbacks a subscription reads as a private connection would: closed and
/// completed in `on_complete`, closed and failed in `on_error` after a failure.
#[wasm_bindgen_test]
async fn a_subscription_reads_closed_inside_its_own_on_complete_and_on_error() {
    use std::cell::RefCell;
    use std::rc::Rc;
    type Slot = Rc<RefCell<Option<SseSubscription<Chunk>>>>;
    let state = |slot: &Slot| {
        let slot = slot.borrow();
        let subscription = slot.as_ref().expect("subscribed");
        format!(
            "{:?} {:?}",
            subscription.ready_state(),
            subscription.close_reason()
        )
    };
    let log = Log::default();
    let (done, failed): (Slot, Slot) = Default::default();
    let on_complete = {
        let (log, done) = (log.clone(), done.clone());
        move || log.push(format!("complete: {}", state(&done)))
    };
    let on_error = {
        let (log, failed) = (log.clone(), failed.clone());
        move |error: SseError| log.push(format!("error {}: {}", error.is_fatal(), state(&failed)))
    };
    let endless = url("endless", &run_id("share-states"), "interval=20");
    *done.borrow_mut() = Some(
        SseSubscription::subscribe(
            &endless,
            SseOptions::<Chunk>::json()
                .complete_when(|c| c.index == 1)
                .on_complete(on_complete),
        )
        .unwrap(),
    );
    let refused = url("status/500", &run_id("share-states-500"), "");
    *failed.borrow_mut() = Some(
        SseSubscription::subscribe(&refused, SseOptions::<Chunk>::json().on_error(on_error))
            .unwrap(),
    );
    log.wait_for("complete: Closed Some(Completed)", 5000).await;
    wait_until("the error", 5000, || log.count("error") == 1).await;
    assert!(
        log.contains("error true: Closed Some(Failed(Refused))"),
        "{:?}",
        log.entries()
    );
}
