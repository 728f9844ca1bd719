//! The Leptos functions in a real browser (Chromium), mounted against the SSE test server.
//! Run by `cargo xtask test`: `cargo test --target wasm32-unknown-unknown --features leptos --test leptos_hooks`.
#![cfg(all(target_arch = "wasm32", feature = "leptos"))]

mod common;

use std::cell::Cell;
use std::rc::Rc;

use common::*;
use leptos::mount::mount_to;
use leptos::prelude::*;
use wasm_bindgen_test::*;
use wasm_sse::leptos::{use_sse, use_sse_with_options, UseSseOptions, UseSseReturn};
use wasm_sse::{CloseReason, FailReason, ReadyState, ReconnectInfo, Share, SseOptions};

wasm_bindgen_test_configure!(run_in_browser);

/// `"Open"`, `"Closed Completed"`, `"Connecting reconnecting 1"`: what a status line shows.
fn describe(
    ready_state: ReadyState,
    close_reason: Option<CloseReason>,
    reconnecting: Option<ReconnectInfo>,
) -> String {
    let mut text = format!("{ready_state:?}");
    if let Some(reason) = close_reason {
        text += &format!(" {reason:?}");
    }
    if let Some(info) = reconnecting {
        text += &format!(" reconnecting {}", info.attempt);
    }
    text
}

/// The streaming answer: every chunk if `keep`, else the latest one. Each state it shows is
/// recorded into `probe`.
#[component]
fn Answer(url: Signal<String>, keep: bool, immediate: bool, probe: Log) -> impl IntoView {
    let options =
        UseSseOptions::new(|| SseOptions::<Chunk>::json().complete_when(|token| token.status == 1))
            .keep_messages(keep)
            .immediate(immediate);
    let UseSseReturn {
        ready_state,
        message,
        messages,
        error,
        close_reason,
        reconnecting,
        open,
        close,
    } = use_sse_with_options(url, options);
    let state =
        Signal::derive(move || describe(ready_state.get(), close_reason.get(), reconnecting.get()));
    Effect::new(move |_| probe.push_changed(state.get()));
    let text = move || {
        if keep {
            messages.with(|all| all.iter().map(|m| m.data.text.clone()).collect::<String>())
        } else {
            message.with(|m| m.as_ref().map(|m| m.data.text.clone()).unwrap_or_default())
        }
    };
    view! {
        <div>
            <p class="state">{state}</p>
            <p class="text">{text}</p>
            <p class="count">{move || messages.with(Vec::len)}</p>
            <p class="error">{move || error.get().map(|e| e.to_string()).unwrap_or_default()}</p>
            <button class="close" on:click=move |_| close()>"Stop"</button>
            <button class="reconnect" on:click=move |_| open()>"Again"</button>
        </div>
    }
}

/// A mounted `Answer`; dropping it unmounts the component.
struct Mounted {
    div: web_sys::HtmlElement,
    url: RwSignal<String>,
    probe: Log,
    _app: Box<dyn std::any::Any>,
}

fn mount(url: &str) -> Mounted {
    mount_with(url, true, true)
}

fn mount_with(url: &str, keep: bool, immediate: bool) -> Mounted {
    let div = fresh_div();
    let probe = Log::default();
    let url_signal = Rc::new(Cell::new(None));
    let app = {
        let (url, url_signal, probe) = (url.to_owned(), Rc::clone(&url_signal), probe.clone());
        mount_to(div.clone(), move || {
            let url = RwSignal::new(url);
            url_signal.set(Some(url));
            view! { <Answer url=url.into() keep immediate probe /> }
        })
    };
    Mounted {
        div,
        url: url_signal.get().expect("the component was created"),
        probe,
        _app: Box::new(app),
    }
}

/// Waits until the component has rendered at least `count` messages.
async fn wait_for_messages(div: &web_sys::HtmlElement, count: usize) {
    let rendered = || text_of(div, ".count").parse::<usize>().unwrap_or(0);
    wait_until(&format!("{count} messages"), 5000, || rendered() >= count).await;
}

#[wasm_bindgen_test]
async fn forced_collections_while_it_streams_do_not_cut_it_short() {
    let run = run_id("leptos-gc");
    let app = mount(&url("basic", &run, "count=40&delay=20"));
    let mut rounds = 0;
    while text_of(&app.div, ".state") != "Closed Completed" {
        assert!(
            rounds < 500,
            "no completion: {}",
            text_of(&app.div, ".state")
        );
        rounds += 1;
        force_gc();
        sleep(10).await;
    }
    assert_eq!(text_of(&app.div, ".count"), "40", "every message");
    let seen = stats(&run).await;
    assert_eq!(
        (seen.requests, seen.disconnects),
        (1, 0),
        "one request, not closed early"
    );
}

#[wasm_bindgen_test]
async fn the_streamed_text_renders_and_the_completion_shows() {
    let run = run_id("leptos-basic");
    let app = mount(&url("basic", &run, ""));
    wait_for_text(&app.div, ".state", "Closed Completed", 5000).await;
    sleep(NO_RECONNECT_GRACE_MS).await;

    assert_eq!(text_of(&app.div, ".text"), "Hello, world!");
    assert_eq!(text_of(&app.div, ".count"), "4");
    assert_eq!(text_of(&app.div, ".error"), "");
    assert_eq!(
        app.probe.entries(),
        strings(&["Connecting", "Open", "Closed Completed"]),
        "the states the component showed"
    );
    assert_eq!(
        stats(&run).await.requests,
        1,
        "a completion does not reconnect"
    );
}

#[wasm_bindgen_test]
async fn without_keep_messages_only_the_latest_message_is_kept() {
    let run = run_id("leptos-latest");
    let app = mount_with(&url("trickle", &run, "count=3&interval=30"), false, true);
    wait_for_text(&app.div, ".state", "Closed Completed", 5000).await;

    assert_eq!(
        text_of(&app.div, ".text"),
        " world",
        "the last message of three"
    );
    assert_eq!(text_of(&app.div, ".count"), "0", "no list unless asked for");
}

#[wasm_bindgen_test]
async fn the_chat_answer_streams_in() {
    let run = run_id("leptos-chat");
    let app = mount(&chat_url("hi there", &run, "delay=2"));
    wait_for_text(&app.div, ".state", "Closed Completed", 10_000).await;

    let text = text_of(&app.div, ".text");
    assert!(
        text.starts_with("You asked: \u{201c}hi there\u{201d}. Server-Sent Events"),
        "{text}"
    );
    assert!(
        text.ends_with("could make the browser reconnect."),
        "{text}"
    );
    assert_eq!(stats(&run).await.requests, 1);
}

#[wasm_bindgen_test]
async fn a_lost_connection_shows_reconnecting_then_resumes() {
    let run = run_id("leptos-resume");
    let app = mount(&url("resume", &run, ""));
    wait_for_text(&app.div, ".state", "Closed Completed", 5000).await;

    assert_eq!(text_of(&app.div, ".text"), "Hello, world! How are");
    assert_eq!(
        app.probe.entries(),
        strings(&[
            "Connecting",
            "Open",
            "Connecting reconnecting 1",
            "Open",
            "Closed Completed",
        ])
    );
    assert_eq!(stats(&run).await.requests, 2);
}

#[wasm_bindgen_test]
async fn a_refused_stream_fails_without_retrying() {
    let run = run_id("leptos-500");
    let app = mount(&url("status/500", &run, ""));
    wait_for_text(&app.div, ".state", "Closed Failed(Refused)", 5000).await;
    sleep(NO_RECONNECT_GRACE_MS).await;

    assert_eq!(
        text_of(&app.div, ".error"),
        wasm_sse::SseError::Failed(FailReason::Refused).to_string()
    );
    assert_eq!(
        app.probe.entries(),
        strings(&["Connecting", "Closed Failed(Refused)"])
    );
    assert_eq!(stats(&run).await.requests, 1);
}

#[wasm_bindgen_test]
async fn unmounting_closes_the_connection() {
    let run = run_id("leptos-unmount");
    let app = mount(&url("endless", &run, ""));
    wait_for_messages(&app.div, 2).await;
    assert_eq!(text_of(&app.div, ".state"), "Open");
    drop(app);

    let stats = wait_for_stats(&run, "the client go away", |s| s.disconnects == 1).await;
    assert_eq!(stats.requests, 1);
    sleep(NO_RECONNECT_GRACE_MS).await;
    assert_eq!(
        self::stats(&run).await.requests,
        1,
        "nothing reconnects after unmount"
    );
}

#[wasm_bindgen_test]
async fn close_disconnects_and_open_starts_afresh() {
    let run = run_id("leptos-close");
    let app = mount(&url("endless", &run, ""));
    wait_for_messages(&app.div, 1).await;

    click(&app.div, ".close");
    wait_for_text(&app.div, ".state", "Closed Disconnected", 2000).await;
    wait_for_stats(&run, "the client go away", |s| s.disconnects == 1).await;
    let count = text_of(&app.div, ".count");
    sleep(200).await;
    assert_eq!(
        text_of(&app.div, ".count"),
        count,
        "nothing arrives after close"
    );

    click(&app.div, ".reconnect");
    wait_until("a fresh list", 5000, || {
        text_of(&app.div, ".state") == "Open" && text_of(&app.div, ".count") == "1"
    })
    .await;
    assert_eq!(stats(&run).await.requests, 2);
    assert_eq!(
        app.probe.entries(),
        strings(&[
            "Connecting",
            "Open",
            "Closed Disconnected",
            "Connecting",
            "Open"
        ])
    );
    drop(app);
    wait_for_stats(&run, "the second client go away", |s| s.disconnects == 2).await;
}

#[wasm_bindgen_test]
async fn a_new_url_closes_the_old_connection_and_opens_the_new_one() {
    let (first, second) = (run_id("leptos-url-1"), run_id("leptos-url-2"));
    let app = mount(&url("endless", &first, ""));
    wait_for_messages(&app.div, 1).await;

    app.url.set(url("basic", &second, ""));
    wait_for_stats(&first, "the first client go away", |s| s.disconnects == 1).await;
    wait_for_text(&app.div, ".state", "Closed Completed", 5000).await;
    assert_eq!(
        text_of(&app.div, ".text"),
        "Hello, world!",
        "only the new stream's text"
    );
    assert_eq!(stats(&first).await.requests, 1);
    assert_eq!(stats(&second).await.requests, 1);
    let entries = app.probe.entries();
    assert_eq!(
        entries[entries.len() - 3..],
        strings(&["Connecting", "Open", "Closed Completed"])
    );
}

#[wasm_bindgen_test]
async fn the_same_url_again_does_not_reconnect_but_an_empty_one_disconnects() {
    let run = run_id("leptos-same");
    let app = mount(&url("endless", &run, ""));
    wait_for_messages(&app.div, 1).await;

    app.url.set(url("endless", &run, ""));
    sleep(200).await;
    assert_eq!(
        stats(&run).await.requests,
        1,
        "the same URL keeps its connection"
    );

    app.url.set(String::new());
    wait_for_stats(&run, "the client go away", |s| s.disconnects == 1).await;
    wait_for_text(&app.div, ".state", "Closed", 2000).await;
    assert_eq!(text_of(&app.div, ".count"), "0");
}

#[wasm_bindgen_test]
async fn without_immediate_nothing_connects_until_open() {
    let run = run_id("leptos-lazy");
    let app = mount_with(&url("basic", &run, ""), true, false);
    sleep(300).await;
    assert_eq!(text_of(&app.div, ".state"), "Closed");
    assert_eq!(stats(&run).await.requests, 0);

    click(&app.div, ".reconnect");
    wait_for_text(&app.div, ".state", "Closed Completed", 5000).await;
    assert_eq!(text_of(&app.div, ".text"), "Hello, world!");
    assert_eq!(stats(&run).await.requests, 1);
}

/// The short form: JSON into the type, no completion rule (the browser would reconnect after
/// the stream ends, so the component is unmounted once the messages are in).
#[wasm_bindgen_test]
async fn use_sse_decodes_json_with_the_defaults() {
    let run = run_id("leptos-plain");
    let div = fresh_div();
    let target = format!("{SERVER}/sse/endless?run={run}");
    let app = mount_to(div.clone(), move || {
        let UseSseReturn { message, .. } = use_sse::<Chunk>(target);
        view! { <p class="text">{move || message.with(|m| m.as_ref().map(|m| m.data.text.clone()))}</p> }
    });
    wait_until("a message", 5000, || !text_of(&div, ".text").is_empty()).await;
    drop(app);
    wait_for_stats(&run, "the client go away", |s| s.disconnects == 1).await;
}

// On the fetch transport: a POST with a body signal, headers and a token getter.

/// The streaming answer to a POST: every message's text, separated by `|`.
#[component]
fn PostAnswer(url: String, body: Signal<String>, token: String, probe: Log) -> impl IntoView {
    let options = UseSseOptions::new(move || {
        let token = token.clone();
        SseOptions::<Chunk>::json()
            .method("POST")
            .header("X-Test", "hook")
            .header_with("Authorization", move || {
                let bearer = format!("Bearer {token}");
                async move { bearer }
            })
            .complete_when(|chunk| chunk.status == 1)
    })
    .body(body)
    .keep_messages(true);
    let UseSseReturn {
        ready_state,
        messages,
        error,
        close_reason,
        reconnecting,
        ..
    } = use_sse_with_options(url, options);
    let state =
        Signal::derive(move || describe(ready_state.get(), close_reason.get(), reconnecting.get()));
    Effect::new(move |_| probe.push_changed(state.get()));
    let texts = move || {
        messages.with(|all| {
            let texts: Vec<&str> = all.iter().map(|m| m.data.text.as_str()).collect();
            texts.join("|")
        })
    };
    view! {
        <div>
            <p class="state">{state}</p>
            <p class="texts">{texts}</p>
            <p class="count">{move || messages.with(Vec::len)}</p>
            <p class="error">{move || error.get().map(|e| e.to_string()).unwrap_or_default()}</p>
        </div>
    }
}

/// A mounted `PostAnswer`; dropping it unmounts the component.
struct MountedPost {
    div: web_sys::HtmlElement,
    body: RwSignal<String>,
    probe: Log,
    _app: Box<dyn std::any::Any>,
}

fn mount_post(url: String, body: &str, token: &str) -> MountedPost {
    let div = fresh_div();
    let probe = Log::default();
    let body_signal = Rc::new(Cell::new(None));
    let app = {
        let (body, token, probe) = (body.to_owned(), token.to_owned(), probe.clone());
        let body_signal = Rc::clone(&body_signal);
        mount_to(div.clone(), move || {
            let body = RwSignal::new(body);
            body_signal.set(Some(body));
            view! { <PostAnswer url body=body.into() token probe /> }
        })
    };
    MountedPost {
        div,
        body: body_signal.get().expect("the component was created"),
        probe,
        _app: Box::new(app),
    }
}

#[wasm_bindgen_test]
async fn a_post_sends_its_method_headers_token_and_body() {
    let run = run_id("leptos-post");
    let body = r#"{"messages":[{"role":"user","content":"hi"}]}"#;
    let app = mount_post(url("mirror", &run, ""), body, "t0k");
    wait_for_text(&app.div, ".state", "Closed Completed", 5000).await;
    sleep(NO_RECONNECT_GRACE_MS).await;

    assert_eq!(
        text_of(&app.div, ".texts"),
        format!("POST|Bearer t0k|hook|{body}"),
        "what the server saw, streamed back"
    );
    assert_eq!(
        app.probe.entries(),
        strings(&["Connecting", "Open", "Closed Completed"])
    );
    let stats = stats(&run).await;
    assert_eq!(stats.requests, 1);
    assert_eq!(stats.methods, ["POST"]);
    assert_eq!(stats.bodies, [body]);
    assert_eq!(stats.authorizations, ["Bearer t0k"]);
}

#[wasm_bindgen_test]
async fn a_401_fails_at_once_with_the_servers_message() {
    let run = run_id("leptos-401");
    let app = mount_post(url("auth", &run, ""), "{}", "wrong");
    let body = r#"{"error":{"message":"invalid token","type":"invalid_request_error"}}"#;
    let reason = FailReason::Http {
        status: 401,
        body: body.into(),
    };
    let failed = format!("Closed Failed({reason:?})");
    wait_for_text(&app.div, ".state", &failed, 5000).await;
    sleep(NO_RECONNECT_GRACE_MS).await;

    assert_eq!(
        text_of(&app.div, ".error"),
        wasm_sse::SseError::Failed(reason).to_string()
    );
    assert_eq!(app.probe.entries(), vec!["Connecting".to_string(), failed]);
    let stats = stats(&run).await;
    assert_eq!(stats.requests, 1, "a 401 is not retried");
    assert_eq!(stats.authorizations, ["Bearer wrong"]);
    drop(app);

    let run = run_id("leptos-auth");
    let app = mount_post(url("auth", &run, ""), "{}", "secret");
    wait_for_text(&app.div, ".state", "Closed Completed", 5000).await;
    assert_eq!(text_of(&app.div, ".texts"), "Hello|,| world|!");
}

#[wasm_bindgen_test]
async fn a_dropped_post_resumes_with_the_same_body_and_last_event_id() {
    let run = run_id("leptos-post-resume");
    let app = mount_post(url("resume", &run, ""), "prompt", "t");
    wait_for_text(&app.div, ".state", "Closed Completed", 5000).await;

    assert_eq!(
        text_of(&app.div, ".texts"),
        "Hello|,| world|!| How| are",
        "nothing lost, nothing repeated"
    );
    assert_eq!(
        app.probe.entries(),
        strings(&[
            "Connecting",
            "Open",
            "Connecting reconnecting 1",
            "Open",
            "Closed Completed",
        ])
    );
    let stats = stats(&run).await;
    assert_eq!(stats.methods, ["POST", "POST"]);
    assert_eq!(stats.bodies, ["prompt", "prompt"]);
    assert_eq!(stats.authorizations, ["Bearer t", "Bearer t"]);
    assert_eq!(stats.last_event_ids, ["", "3"]);
}

#[wasm_bindgen_test]
async fn a_new_body_makes_a_new_connection_and_the_same_body_does_not() {
    let run = run_id("leptos-body");
    let app = mount_post(url("endless", &run, ""), "first", "t");
    wait_for_messages(&app.div, 1).await;

    // The same body again keeps the connection.
    app.body.set("first".into());
    let count = text_of(&app.div, ".count").parse::<usize>().unwrap();
    sleep(300).await;
    let stats = self::stats(&run).await;
    assert_eq!((stats.requests, stats.disconnects), (1, 0), "{stats:?}");
    assert!(
        text_of(&app.div, ".count").parse::<usize>().unwrap() > count,
        "the same stream goes on"
    );

    // A new body closes it and opens a new one, with fresh signals.
    app.body.set("second".into());
    wait_for_stats(&run, "the first request go away", |s| s.disconnects == 1).await;
    let stats = wait_for_stats(&run, "a second request", |s| s.requests == 2).await;
    assert_eq!(stats.bodies, ["first", "second"]);
    wait_for_messages(&app.div, 1).await;
    assert_eq!(text_of(&app.div, ".state"), "Open");
    assert_eq!(
        app.probe.entries(),
        strings(&["Connecting", "Open", "Connecting", "Open"])
    );
    drop(app);
    wait_for_stats(&run, "the second request go away", |s| s.disconnects == 2).await;
}

// Sharing: several components listening to one stream over one connection.

/// Every message's index, comma-separated; the state line, the count and the error. With a
/// `body`, a POST (which sharing refuses); with `ticks`, `tick` events too.
#[component]
fn Shared(
    url: String,
    share: bool,
    body: Option<String>,
    #[prop(optional)] ticks: bool,
) -> impl IntoView {
    let post = body.is_some();
    let mut options = UseSseOptions::new(move || {
        let mut options = SseOptions::<Chunk>::json().complete_when(|chunk| chunk.status == 1);
        if ticks {
            options = options.event("tick");
        }
        if post {
            options.method("POST")
        } else {
            options
        }
    })
    .keep_messages(true);
    if share {
        options = options.share(Share::Page);
    }
    if let Some(body) = body {
        options = options.body(body);
    }
    let UseSseReturn {
        ready_state,
        messages,
        error,
        close_reason,
        reconnecting,
        open,
        close,
        ..
    } = use_sse_with_options(url, options);
    let state = move || describe(ready_state.get(), close_reason.get(), reconnecting.get());
    let indexes = move || {
        messages.with(|all| {
            all.iter()
                .map(|m| m.data.index.to_string())
                .collect::<Vec<_>>()
                .join(",")
        })
    };
    view! {
        <div>
            <p class="state">{state}</p>
            <p class="indexes">{indexes}</p>
            <p class="count">{move || messages.with(Vec::len)}</p>
            <p class="error">{move || error.get().map(|e| e.to_string()).unwrap_or_default()}</p>
            <button class="close" on:click=move |_| close()>"Stop"</button>
            <button class="reconnect" on:click=move |_| open()>"Again"</button>
        </div>
    }
}

/// A mounted `Shared`; dropping it unmounts the component.
struct MountedShared {
    div: web_sys::HtmlElement,
    _app: Box<dyn std::any::Any>,
}

fn mount_shared(url: &str, share: bool, body: Option<&str>) -> MountedShared {
    mount_shared_with(url, share, body, false)
}

fn mount_shared_with(url: &str, share: bool, body: Option<&str>, ticks: bool) -> MountedShared {
    let div = fresh_div();
    let (url, body) = (url.to_owned(), body.map(str::to_owned));
    let app = mount_to(div.clone(), move || {
        view! { <Shared url=url.clone() share body=body.clone() ticks /> }
    });
    MountedShared {
        div,
        _app: Box::new(app),
    }
}

fn count(div: &web_sys::HtmlElement) -> usize {
    text_of(div, ".count").parse().unwrap_or(0)
}

/// The indexes a component showed follow each other, with no gap and no repeat.
fn assert_gapless(div: &web_sys::HtmlElement) {
    let indexes: Vec<u32> = text_of(div, ".indexes")
        .split(',')
        .filter_map(|i| i.parse().ok())
        .collect();
    assert!(indexes.windows(2).all(|w| w[1] == w[0] + 1), "{indexes:?}");
}

#[wasm_bindgen_test]
async fn shared_components_listening_for_different_named_events_cost_one_connection() {
    let run = run_id("leptos-share-names");
    // Unnamed, tick and alert events in turn.
    let mixed = url("mixed", &run, "interval=20");
    let plain = mount_shared(&mixed, true, None);
    // Open first, so a tick listener must be added to a connection that exists.
    wait_until("the first message", 5000, || count(&plain.div) >= 1).await;
    let ticks = mount_shared_with(&mixed, true, None, true);
    for app in [&plain, &ticks] {
        let div = &app.div;
        wait_until("4 messages in each component", 5000, || count(div) >= 4).await;
    }
    let shown = |app: &MountedShared| text_of(&app.div, ".indexes");
    assert!(shown(&plain).starts_with("0,3,6,9"), "{}", shown(&plain));
    let ticks_seen: Vec<u32> = shown(&ticks)
        .split(',')
        .filter_map(|i| i.parse().ok())
        .collect();
    assert!(
        ticks_seen.iter().all(|i| i % 3 != 2),
        "no alerts: {ticks_seen:?}"
    );
    assert!(
        ticks_seen.iter().any(|i| i % 3 == 1),
        "ticks: {ticks_seen:?}"
    );
    let stats = self::stats(&run).await;
    assert_eq!((stats.requests, stats.disconnects), (1, 0), "{stats:?}");
    drop((plain, ticks));
    wait_for_stats(&run, "the client go", |s| s.disconnects == 1).await;
}

#[wasm_bindgen_test]
async fn three_shared_components_cost_one_connection_until_the_last_unmounts() {
    let run = run_id("leptos-share");
    let endless = url("endless", &run, "interval=50");
    let mut apps: Vec<_> = (0..3).map(|_| mount_shared(&endless, true, None)).collect();
    for app in &apps {
        let div = &app.div;
        wait_until("3 messages in each component", 5000, || count(div) >= 3).await;
        assert_eq!(text_of(div, ".state"), "Open");
        assert_eq!(text_of(div, ".error"), "");
        assert_gapless(div);
    }
    let stats = self::stats(&run).await;
    assert_eq!((stats.requests, stats.disconnects), (1, 0), "{stats:?}");

    // close() unsubscribes that component only; open() subscribes it again.
    let first = &apps[0].div;
    click(first, ".close");
    wait_for_text(first, ".state", "Closed Disconnected", 2000).await;
    let closed_at = count(first);
    click(first, ".reconnect");
    wait_until("the first component back, with a fresh list", 5000, || {
        text_of(first, ".state") == "Open" && (1..closed_at).contains(&count(first))
    })
    .await;
    let stats = self::stats(&run).await;
    assert_eq!((stats.requests, stats.disconnects), (1, 0), "{stats:?}");

    // Two unmount: the third still listens, on the same request.
    let last = apps.pop().unwrap();
    drop(apps);
    let before = count(&last.div);
    sleep(300).await;
    let stats = self::stats(&run).await;
    assert_eq!((stats.requests, stats.disconnects), (1, 0), "{stats:?}");
    assert!(
        count(&last.div) > before,
        "the stream goes on for the third"
    );
    assert_eq!(text_of(&last.div, ".state"), "Open");
    assert_gapless(&last.div);

    // The last one unmounts: the client goes.
    drop(last);
    let stats = wait_for_stats(&run, "the client go", |s| s.disconnects == 1).await;
    assert_eq!(stats.requests, 1);
    sleep(NO_RECONNECT_GRACE_MS).await;
    assert_eq!(self::stats(&run).await.requests, 1, "nothing reconnects");
}

#[wasm_bindgen_test]
async fn a_component_that_does_not_share_has_its_own_connection() {
    let run = run_id("leptos-share-not");
    let endless = url("endless", &run, "interval=50");
    let own = mount_shared(&endless, false, None);
    let a = mount_shared(&endless, true, None);
    let b = mount_shared(&endless, true, None);
    for app in [&own, &a, &b] {
        let div = &app.div;
        wait_until("2 messages in each component", 5000, || count(div) >= 2).await;
    }
    let stats = self::stats(&run).await;
    assert_eq!(
        (stats.requests, stats.disconnects),
        (2, 0),
        "its own, and one for the two that share: {stats:?}"
    );
    drop(own);
    wait_for_stats(&run, "its own connection close", |s| s.disconnects == 1).await;
    drop((a, b));
    let stats = wait_for_stats(&run, "the shared one close", |s| s.disconnects == 2).await;
    assert_eq!(stats.requests, 2);
}

#[wasm_bindgen_test]
async fn a_shared_hook_with_a_body_shows_the_refusal() {
    let run = run_id("leptos-share-body");
    let app = mount_shared(&url("endless", &run, ""), true, Some("prompt"));
    let div = &app.div;
    wait_until("an error", 2000, || !text_of(div, ".error").is_empty()).await;
    assert!(
        text_of(div, ".error").starts_with("invalid options: sharing is GET-only"),
        "{}",
        text_of(div, ".error")
    );
    assert_eq!(text_of(div, ".state"), "Closed");
    sleep(200).await;
    assert_eq!(stats(&run).await.requests, 0);
}

#[wasm_bindgen_test]
async fn a_shared_component_completes_on_its_own_rule() {
    let run = run_id("leptos-share-complete");
    let app = mount_shared(&url("basic", &run, ""), true, None);
    let div = &app.div;
    wait_for_text(div, ".state", "Closed Completed", 5000).await;
    assert_eq!(text_of(div, ".indexes"), "0,1,2,3");
    sleep(NO_RECONNECT_GRACE_MS).await;
    let stats = stats(&run).await;
    assert_eq!(
        stats.requests, 1,
        "the completion closed the shared connection: {stats:?}"
    );
}
